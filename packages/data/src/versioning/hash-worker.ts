/**
 * Hashing and verified copies, run in worker threads (and in-process for small jobs). Self-contained
 * on purpose: Node loads this file directly in a worker, so it imports nothing but `node:` modules.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  fstatSync,
  mkdirSync,
  openSync,
  read,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parentPort } from 'node:worker_threads';

/** Hash `path`; with `cacheDir`, also store the content under its md5 in the DVC cache. */
export interface HashJob {
  t: 'hash';
  path: string;
  cacheDir?: string;
  /** Owner tag (`<host>-<pid>-<start>`) for temp names, so the next run can tell ours were abandoned. */
  tmpTag?: string;
}

/** Copy `src` to `dst` (temp file + rename) only if its content hashes to `expect`. */
export interface CopyJob {
  t: 'copy';
  src: string;
  dst: string;
  expect: string;
  mode: number;
  /** Where the temp copy is written (same file system as `dst`), and its owner tag. */
  tmpDir: string;
  tmpTag: string;
}

export type Job = HashJob | CopyJob;

export interface JobOk {
  md5: string;
  size: number;
  ino: string;
  mtime: string;
  mode: number;
}
export interface JobErr {
  err: { code: string; message: string; path: string; actual?: string };
}
export type JobResult = JobOk | JobErr;

const SMALL = 4 << 20;
const CHUNK = 4 << 20;
let buffer: Buffer | undefined;
const madeDirs = new Set<string>();

function ensureDir(dir: string): void {
  if (madeDirs.has(dir)) return;
  mkdirSync(dir, { recursive: true });
  madeDirs.add(dir);
}

/** Forget which directories exist (they may have been deleted since the last batch). */
export function forgetDirs(): void {
  madeDirs.clear();
}

/** `<dir>/incoming.<owner>-<random>.tmp`: the name @slipway/core's sweepTemps recognises. */
function tempIn(dir: string, tag: string | undefined): string {
  return `${dir}/incoming.${tag ?? `00000000-${process.pid}-0`}-${randomBytes(4).toString('hex')}.tmp`;
}

export function objectPath(cacheDir: string, oid: string): string {
  return `${cacheDir}/files/md5/${oid.slice(0, 2)}/${oid.slice(2)}`;
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Streams `fd` through md5 in 4 MiB reads; `onBytes` reports progress. */
function hashFd(fd: number, onBytes: (n: number) => void, out?: number): string {
  const hash = createHash('md5');
  buffer ??= Buffer.allocUnsafe(CHUNK);
  let pending = 0;
  for (;;) {
    const n = readSync(fd, buffer, 0, CHUNK, null);
    if (n === 0) break;
    const view = buffer.subarray(0, n);
    hash.update(view);
    if (out !== undefined) {
      let off = 0;
      while (off < n) off += writeSync(out, view, off, n - off);
    }
    pending += n;
    if (pending >= 32 << 20) {
      onBytes(pending);
      pending = 0;
    }
  }
  if (pending) onBytes(pending);
  return hash.digest('hex');
}

function readAt(fd: number, buf: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    read(fd, buf, 0, buf.length, null, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

let pair: [Buffer, Buffer] | undefined;

/**
 * Like `hashFd`, but the next 4 MiB are read (in the libuv pool) while this thread hashes the current
 * ones, so a large file costs about the hashing time alone.
 */
async function hashFdOverlapped(fd: number, onBytes: (n: number) => void): Promise<string> {
  const hash = createHash('md5');
  pair ??= [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
  const bufs = pair;
  let which = 0;
  let pending = readAt(fd, bufs[0]);
  let reported = 0;
  for (;;) {
    const n = await pending;
    if (n === 0) break;
    const current = bufs[which] as Buffer;
    which ^= 1;
    pending = readAt(fd, bufs[which] as Buffer);
    hash.update(current.subarray(0, n));
    reported += n;
    if (reported >= 32 << 20) {
      onBytes(reported);
      reported = 0;
    }
  }
  if (reported) onBytes(reported);
  return hash.digest('hex');
}

function sameFile(a: { mtimeMs: number; size: number }, b: { mtimeMs: number; size: number }): boolean {
  return a.mtimeMs === b.mtimeMs && a.size === b.size;
}

async function hashJob(job: HashJob, onBytes: (n: number) => void): Promise<JobOk> {
  const fd = openSync(job.path, 'r');
  try {
    const before = fstatSync(fd);
    if (!before.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });
    const size = Number(before.size);
    let md5: string;
    if (size <= SMALL) {
      const data = readFileSync(fd);
      md5 = createHash('md5').update(data).digest('hex');
      onBytes(size);
      if (job.cacheDir) {
        const obj = objectPath(job.cacheDir, md5);
        if (!exists(obj)) {
          ensureDir(dirname(obj));
          const tmp = tempIn(`${job.cacheDir}/files/md5`, job.tmpTag);
          writeFileSync(tmp, data, { mode: 0o444, flag: 'wx' });
          renameSync(tmp, obj);
        }
      }
    } else if (job.cacheDir) {
      // Copy (in the libuv pool, reflink when the filesystem can) while this thread hashes: one pass each.
      ensureDir(`${job.cacheDir}/files/md5`);
      const tmp = tempIn(`${job.cacheDir}/files/md5`, job.tmpTag);
      const copying = copyFile(job.path, tmp).then(
        () => undefined,
        (err: unknown) => err,
      );
      try {
        md5 = await hashFdOverlapped(fd, onBytes);
      } catch (err) {
        await copying;
        rmSync(tmp, { force: true });
        throw err;
      }
      const copyErr = await copying;
      if (copyErr) {
        rmSync(tmp, { force: true });
        throw copyErr;
      }
      const after = statSync(job.path);
      const tmpSize = statSync(tmp).size;
      if (!sameFile(before, after) || tmpSize !== size) {
        rmSync(tmp, { force: true });
        throw Object.assign(new Error('the file changed while it was being added'), { code: 'ECHANGED' });
      }
      const obj = objectPath(job.cacheDir, md5);
      if (exists(obj)) rmSync(tmp, { force: true });
      else {
        ensureDir(dirname(obj));
        chmodSync(tmp, 0o444);
        renameSync(tmp, obj);
      }
    } else {
      md5 = await hashFdOverlapped(fd, onBytes);
    }
    return { md5, size, ino: String(before.ino), mtime: String(before.mtimeMs), mode: Number(before.mode) };
  } finally {
    closeSync(fd);
  }
}

/** Renames the verified temp onto `dst`; across file systems, through a temp beside `dst`. */
function moveInto(tmp: string, job: CopyJob): void {
  try {
    renameSync(tmp, job.dst);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') {
      rmSync(tmp, { force: true });
      throw err;
    }
    const beside = tempIn(dirname(job.dst), job.tmpTag);
    try {
      copyFileSync(tmp, beside);
      renameSync(beside, job.dst);
    } finally {
      rmSync(tmp, { force: true });
      rmSync(beside, { force: true });
    }
  }
}

function copyJob(job: CopyJob, onBytes: (n: number) => void): JobOk | JobErr {
  const fd = openSync(job.src, 'r');
  try {
    const st = fstatSync(fd);
    ensureDir(dirname(job.dst));
    ensureDir(job.tmpDir);
    const tmp = tempIn(job.tmpDir, job.tmpTag);
    const out = openSync(tmp, 'wx', job.mode);
    let md5: string;
    try {
      md5 = hashFd(fd, onBytes, out);
    } catch (err) {
      closeSync(out);
      rmSync(tmp, { force: true });
      throw err;
    }
    closeSync(out);
    const want = job.expect.replace(/\.dir$/, '');
    if (md5 !== want) {
      rmSync(tmp, { force: true });
      return {
        err: {
          code: 'MISMATCH',
          message: `content hashes to ${md5}, not ${want}`,
          path: job.src,
          actual: md5,
        },
      };
    }
    moveInto(tmp, job);
    const written = statSync(job.dst);
    return {
      md5,
      size: Number(st.size),
      ino: String(written.ino),
      mtime: String(written.mtimeMs),
      mode: Number(written.mode),
    };
  } finally {
    closeSync(fd);
  }
}

export async function runJob(job: Job, onBytes: (n: number) => void): Promise<JobResult> {
  try {
    return job.t === 'hash' ? await hashJob(job, onBytes) : copyJob(job, onBytes);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const path = job.t === 'hash' ? job.path : job.src;
    return { err: { code: e.code ?? 'EIO', message: e.message, path: e.path ?? path } };
  }
}

if (parentPort) {
  const port = parentPort;
  port.on('message', async (msg: { id: number; jobs: Job[] }) => {
    const results: JobResult[] = [];
    forgetDirs();
    for (const job of msg.jobs) results.push(await runJob(job, (n) => port.postMessage({ progress: n })));
    port.postMessage({ id: msg.id, results });
  });
}
