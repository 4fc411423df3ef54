import { existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  fsError,
  ownerTag,
  type Progress,
  SlipwayError,
  silentProgress,
  writeFileAtomic,
} from '@slipway/core/base';
import type { HashJob, JobErr, JobOk, JobResult } from './hash-worker.js';
import { type IgnoreMatcher, ignoreFor } from './ignore.js';
import { type ManifestEntry, manifestOid, serializeManifest } from './manifest.js';
import { runJobs } from './pool.js';
import { cachePath, type DvcRepo } from './repo.js';
import type { FileKey, HashState } from './state.js';

export interface WalkedFile {
  /** POSIX path relative to the walked directory. */
  rel: string;
  abs: string;
  key: FileKey;
  mode: number;
}

/** Names DVC never collects inside a tracked directory. */
const SKIP = new Set(['.git', '.hg', '.dvc']);

type BigStats = import('node:fs').Stats;

function statFollow(path: string, given: string, doing: string): BigStats {
  try {
    return statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      const dangling = lstatSync(path, { throwIfNoEntry: false }) !== undefined;
      throw new SlipwayError(
        'PATH_NOT_FOUND',
        `${given}: ${dangling ? 'a symbolic link to nothing' : 'no such file or directory'}`,
        {
          hint: dangling
            ? 'fix or remove the link'
            : 'check the path; it is resolved relative to the current directory',
        },
      );
    }
    throw fsError(err, given, doing);
  }
}

/**
 * Whether an object is in the cache. For many lookups, one listing per `xx/` prefix directory
 * replaces a stat per object.
 */
export function cachePresence(repo: DvcRepo, many: boolean): (oid: string) => boolean {
  if (!many) return (oid) => existsSync(cachePath(repo, oid));
  const base = join(repo.cacheDir, 'files', 'md5');
  const listed = new Map<string, Set<string>>();
  return (oid) => {
    const prefix = oid.slice(0, 2);
    let names = listed.get(prefix);
    if (!names) {
      try {
        names = new Set(readdirSync(join(base, prefix)));
      } catch {
        names = new Set();
      }
      listed.set(prefix, names);
    }
    return names.has(oid.slice(2));
  };
}

export const keyOf = (st: BigStats): FileKey => ({
  ino: String(st.ino),
  mtime: String(st.mtimeMs),
  size: Number(st.size),
});

/** Every file below `dir` (symlinks followed, loops reported), like DVC's collection of a directory. */
export function walkDir(dir: string, given: string, ignore?: IgnoreMatcher): WalkedFile[] {
  const out: WalkedFile[] = [];
  const skip = ignore && ignore.size > 0 ? ignore : undefined;
  const active = new Set<string>();
  const visit = (abs: string, rel: string, st: BigStats) => {
    const id = `${st.dev}:${st.ino}`;
    if (active.has(id)) {
      throw new SlipwayError(
        'SYMLINK_LOOP',
        `${given}/${rel}: a symbolic link leads back into a directory above it`,
        {
          hint: 'remove the link or point it outside the tracked directory',
        },
      );
    }
    active.add(id);
    let names: string[];
    try {
      names = readdirSync(abs);
    } catch (err) {
      throw fsError(err, rel ? `${given}/${rel}` : given, 'list the directory');
    }
    for (const name of names) {
      if (SKIP.has(name)) continue;
      const childAbs = join(abs, name);
      const childRel = rel ? `${rel}/${name}` : name;
      if (name === '.dvcignore') {
        throw new SlipwayError(
          'DVCIGNORE_IN_TRACKED_DIR',
          `${given}/${childRel}: a .dvcignore inside a tracked directory`,
          {
            hint: 'DVC refuses this too: move its patterns to a .dvcignore above the directory',
          },
        );
      }
      let cst: BigStats;
      try {
        cst = statSync(childAbs);
      } catch (err) {
        throw fsError(err, `${given}/${childRel}`, 'read the file');
      }
      if (skip?.ignored(childAbs, cst.isDirectory())) continue;
      if (cst.isDirectory()) visit(childAbs, childRel, cst);
      else if (cst.isFile())
        out.push({ rel: childRel, abs: childAbs, key: keyOf(cst), mode: Number(cst.mode) });
      else
        throw new SlipwayError(
          'UNSUPPORTED_FILE_TYPE',
          `${given}/${childRel}: not a regular file or directory`,
          {
            hint: 'sockets, FIFOs and devices cannot be versioned; move them out of the directory',
          },
        );
    }
    active.delete(id);
  };
  const top = statFollow(dir, given, 'read the directory');
  visit(dir, '', top);
  return out;
}

export interface HashedOutput {
  md5: string;
  size: number;
  nfiles?: number;
  isexec?: boolean;
  isDir: boolean;
  /** Files of a directory, with their md5s. */
  files?: (ManifestEntry & { size: number })[];
  /** Files read this time (the rest came from the hash state). */
  hashed: number;
  bytesHashed: number;
}

export interface HashOptions {
  state: HashState;
  /** Store content (and the `.dir` manifest) in the cache while hashing. */
  store: boolean;
  progress?: Progress;
  jobs?: number;
  label?: string;
}

export function jobError(r: JobErr, given: string): SlipwayError {
  const { code, message, path } = r.err;
  if (code === 'ECHANGED')
    return new SlipwayError('FILE_CHANGED', `${path}: ${message}`, {
      hint: 'wait until it is written, then run again',
    });
  if (code === 'ENOTFILE')
    return new SlipwayError('UNSUPPORTED_FILE_TYPE', `${path}: not a regular file`, {
      hint: 'only regular files can be versioned',
    });
  const err = Object.assign(new Error(message), { code });
  return fsError(err, path || given, 'read the file');
}

/**
 * Hashes a file or directory the way DVC 3 does (raw-byte md5; directories by their `.dir`
 * manifest), reusing the state for unchanged files and hashing the rest in parallel.
 */
export async function hashOutput(
  repo: DvcRepo,
  abs: string,
  given: string,
  options: HashOptions,
): Promise<HashedOutput> {
  const progress = options.progress ?? silentProgress;
  const st = statFollow(abs, given, 'read it');
  const files: WalkedFile[] = st.isDirectory()
    ? walkDir(abs, given, ignoreFor(repo.root, abs))
    : st.isFile()
      ? [{ rel: '', abs, key: keyOf(st), mode: Number(st.mode) }]
      : (() => {
          throw new SlipwayError('UNSUPPORTED_FILE_TYPE', `${given}: not a regular file or directory`, {
            hint: 'only files and directories can be versioned',
          });
        })();
  const cached = options.store ? cachePresence(repo, files.length > 1000) : () => true;
  const md5s: (string | undefined)[] = files.map((f) => {
    const known = options.state.get(f.key);
    // Known but gone from the cache (deleted, gc'd): hash again so the content is stored again.
    if (known && !cached(known)) return undefined;
    return known;
  });
  const todo = files.map((_, i) => i).filter((i) => md5s[i] === undefined);
  const jobs: HashJob[] = todo.map((i) => ({
    t: 'hash',
    path: (files[i] as WalkedFile).abs,
    ...(options.store ? { cacheDir: repo.cacheDir, tmpTag: ownerTag() } : {}),
  }));
  const sizes = todo.map((i) => (files[i] as WalkedFile).key.size);
  const bytes = sizes.reduce((a, b) => a + b, 0);
  let results: JobResult[] = [];
  if (jobs.length) {
    const task = progress.task(options.label ?? `hashing ${given}`, { total: bytes, unit: 'bytes' });
    try {
      results = await runJobs(jobs, sizes, { jobs: options.jobs, onBytes: (n) => task.tick(n) });
    } catch (err) {
      task.fail();
      throw err;
    }
    const bad = results.find((r) => 'err' in r) as JobErr | undefined;
    if (bad) {
      task.fail();
      throw jobError(bad, given);
    }
    task.done();
  }
  todo.forEach((fileIndex, k) => {
    const r = results[k] as JobOk;
    md5s[fileIndex] = r.md5;
    const f = files[fileIndex] as WalkedFile;
    f.key = { ino: r.ino, mtime: r.mtime, size: r.size };
    f.mode = r.mode;
    options.state.set(f.key, r.md5);
  });
  if (!st.isDirectory()) {
    const f = files[0] as WalkedFile;
    return {
      md5: md5s[0] as string,
      size: f.key.size,
      isDir: false,
      ...((f.mode & 0o100) !== 0 ? { isexec: true } : {}),
      hashed: jobs.length,
      bytesHashed: bytes,
    };
  }
  const entries = files.map((f, i) => ({ md5: md5s[i] as string, relpath: f.rel, size: f.key.size }));
  const manifest = serializeManifest(entries);
  const oid = manifestOid(manifest);
  if (options.store) {
    const obj = cachePath(repo, oid);
    if (!existsSync(obj)) await writeFileAtomic(obj, manifest, { mode: 0o444 });
  }
  return {
    md5: oid,
    size: entries.reduce((a, e) => a + e.size, 0),
    nfiles: entries.length,
    isDir: true,
    files: entries,
    hashed: jobs.length,
    bytesHashed: bytes,
  };
}
