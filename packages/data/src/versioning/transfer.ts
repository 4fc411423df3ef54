import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ownerTag, SlipwayError, silentProgress, sweepTemps } from '@slipway/core/base';
import { type VersioningOptions, withRepoLock } from './add.js';
import { type CheckoutReport, dataCheckout } from './checkout.js';
import { type RemoteConfig, resolveRemote } from './config.js';
import type { CopyJob, JobErr } from './hash-worker.js';
import { readManifest } from './objects.js';
import { runJobs } from './pool.js';
import { localRemoteDir, localRemoteObject } from './remote-local.js';
import { openS3Remote, type S3Remote, s3Download, s3Exists, s3Upload } from './remote-s3.js';
import { cachePath, type DvcRepo, resolveRepo } from './repo.js';
import { collectOuts, type TrackedOut } from './targets.js';

export interface TransferOptions extends VersioningOptions {
  /** Remote name from `.dvc/config`; default: each output's `remote:`, else `core.remote`. */
  remote?: string;
}

export interface TransferResult {
  remote: string;
  url: string;
  /** Objects copied. */
  transferred: number;
  /** Objects the destination already had. */
  present: number;
  bytes: number;
}

export interface PushReport {
  root: string;
  remotes: TransferResult[];
}

export interface PullReport extends PushReport {
  checkout: CheckoutReport;
}

/** Objects a set of outputs needs: each output's oid and, for directories, every file's md5. */
async function objectsOf(
  repo: DvcRepo,
  outs: TrackedOut[],
): Promise<{ oids: Set<string>; missing: string[] }> {
  const oids = new Set<string>();
  const missing: string[] = [];
  for (const t of outs) {
    const oid = t.out.md5;
    if (!oid) continue;
    oids.add(oid);
    if (!oid.endsWith('.dir')) continue;
    const manifest = await readManifest(repo, oid);
    if (!manifest) missing.push(oid);
    else for (const e of manifest) oids.add(e.md5);
  }
  return { oids, missing };
}

function groupByRemote(
  repo: DvcRepo,
  outs: TrackedOut[],
  name: string | undefined,
): Map<string, { remote: RemoteConfig; outs: TrackedOut[] }> {
  const groups = new Map<string, { remote: RemoteConfig; outs: TrackedOut[] }>();
  for (const t of outs) {
    const remote = resolveRemote(repo.config, repo.dvcDir, t.out.remote ?? name);
    const g = groups.get(remote.name) ?? { remote, outs: [] };
    g.outs.push(t);
    groups.set(remote.name, g);
  }
  if (groups.size === 0) {
    const remote = resolveRemote(repo.config, repo.dvcDir, name);
    groups.set(remote.name, { remote, outs: [] });
  }
  return groups;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

function isS3(remote: RemoteConfig): boolean {
  return remote.url.startsWith('s3://');
}

function unsupported(remote: RemoteConfig): SlipwayError {
  return new SlipwayError(
    'REMOTE_UNSUPPORTED',
    `remote "${remote.name}" (${remote.url}): only local directories and s3:// remotes are supported`,
    {
      hint: 'use `dvc push`/`dvc pull` for this remote',
    },
  );
}

function copyFailed(
  bad: JobErr,
  job: CopyJob,
  remote: RemoteConfig,
  direction: 'push' | 'pull',
): SlipwayError {
  if (bad.err.code === 'MISMATCH') {
    return direction === 'push'
      ? new SlipwayError(
          'CACHE_CORRUPT',
          `cache object ${job.src} does not match its name; it was not pushed`,
          {
            hint: 'delete that object and re-add or pull the data',
          },
        )
      : new SlipwayError(
          'REMOTE_CORRUPT',
          `remote "${remote.name}": ${job.src} does not match its name; it was not stored`,
          {
            hint: 'the remote copy is damaged; push it again from a clone with good data',
          },
        );
  }
  return new SlipwayError(
    'REMOTE_UNREACHABLE',
    `remote "${remote.name}" (${remote.url}): ${bad.err.message}`,
    {
      hint: 'check that the remote directory is reachable and writable',
    },
  );
}

async function pushTo(
  repo: DvcRepo,
  remote: RemoteConfig,
  oids: string[],
  options: TransferOptions,
): Promise<TransferResult> {
  const progress = options.progress ?? silentProgress;
  const result: TransferResult = {
    remote: remote.name,
    url: remote.url,
    transferred: 0,
    present: 0,
    bytes: 0,
  };
  if (remote.path !== undefined) {
    const dir = localRemoteDir(remote, true);
    // Temps of a push that was killed; the remote may be shared, so only those whose writer is gone.
    await sweepTemps(join(dir, 'files', 'md5'));
    const todo = oids.filter((oid) => !existsSync(localRemoteObject(dir, oid)));
    result.present = oids.length - todo.length;
    const jobs: CopyJob[] = todo.map((oid) => ({
      t: 'copy',
      src: cachePath(repo, oid),
      dst: localRemoteObject(dir, oid),
      expect: oid,
      mode: 0o444,
      tmpDir: join(dir, 'files', 'md5'),
      tmpTag: ownerTag(),
    }));
    const sizes = todo.map((oid) => statSync(cachePath(repo, oid)).size);
    const task = progress.task(`push to ${remote.name}`, {
      total: sizes.reduce((a, b) => a + b, 0),
      unit: 'bytes',
    });
    const results = await runJobs(jobs, sizes, { jobs: options.jobs, onBytes: (n) => task.tick(n) });
    const bad = results.find((r) => 'err' in r) as JobErr | undefined;
    if (bad) {
      task.fail();
      throw copyFailed(bad, jobs[results.indexOf(bad)] as CopyJob, remote, 'push');
    }
    task.done();
    result.transferred = todo.length;
    result.bytes = sizes.reduce((a, b) => a + b, 0);
    return result;
  }
  if (!isS3(remote)) throw unsupported(remote);
  const s3 = await openS3Remote(remote);
  try {
    const there = await mapLimit(oids, 16, (oid) => s3Exists(s3, oid));
    const todo = oids.filter((_, i) => !there[i]);
    result.present = oids.length - todo.length;
    const total = todo.reduce((a, oid) => a + statSync(cachePath(repo, oid)).size, 0);
    const task = progress.task(`push to ${remote.name}`, { total, unit: 'bytes' });
    try {
      await mapLimit(todo, 8, async (oid) => {
        const n = await s3Upload(s3, oid, cachePath(repo, oid), (k) => task.tick(k));
        result.bytes += n;
        result.transferred++;
      });
    } catch (err) {
      task.fail();
      throw err;
    }
    task.done();
    return result;
  } finally {
    s3.client.destroy();
  }
}

/** Which of `oids` the remote lacks, and a function to fetch one into the cache. */
async function fetchFrom(
  repo: DvcRepo,
  remote: RemoteConfig,
  oids: string[],
  options: TransferOptions,
  result: TransferResult,
  s3?: S3Remote,
): Promise<void> {
  const progress = options.progress ?? silentProgress;
  const todo = oids.filter((oid) => !existsSync(cachePath(repo, oid)));
  result.present += oids.length - todo.length;
  if (todo.length === 0) return;
  const task = progress.task(`pull from ${remote.name}`, { unit: 'bytes' });
  try {
    if (remote.path !== undefined) {
      const dir = localRemoteDir(remote, false);
      const absent = todo.filter((oid) => !existsSync(localRemoteObject(dir, oid)));
      if (absent.length) {
        throw new SlipwayError(
          'REMOTE_MISSING_OBJECT',
          `remote "${remote.name}" (${remote.url}) lacks ${absent.length} object(s), e.g. ${absent[0]}`,
          {
            hint: 'push them from a clone that has the data (`slipway data push` / `dvc push`)',
          },
        );
      }
      const jobs: CopyJob[] = todo.map((oid) => ({
        t: 'copy',
        src: localRemoteObject(dir, oid),
        dst: cachePath(repo, oid),
        expect: oid,
        mode: 0o444,
        tmpDir: join(repo.cacheDir, 'files', 'md5'),
        tmpTag: ownerTag(),
      }));
      const sizes = jobs.map((j) => statSync(j.src).size);
      task.setTotal(sizes.reduce((a, b) => a + b, 0));
      const results = await runJobs(jobs, sizes, { jobs: options.jobs, onBytes: (n) => task.tick(n) });
      const bad = results.find((r) => 'err' in r) as JobErr | undefined;
      if (bad) throw copyFailed(bad, jobs[results.indexOf(bad)] as CopyJob, remote, 'pull');
      result.bytes += sizes.reduce((a, b) => a + b, 0);
    } else {
      await mapLimit(todo, 8, async (oid) => {
        const n = await s3Download(s3 as S3Remote, oid, cachePath(repo, oid));
        task.tick(n);
        result.bytes += n;
      });
    }
  } catch (err) {
    task.fail();
    throw err;
  }
  result.transferred += todo.length;
  task.done();
}

/** `dvc push`: uploads the cache objects of the outputs (all, by default) that the remote lacks. */
export async function dataPush(targets: readonly string[], options: TransferOptions): Promise<PushReport> {
  const { repo } = await resolveRepo(options.cwd);
  const outs = await collectOuts(repo, options.cwd, targets);
  const groups = groupByRemote(repo, outs, options.remote);
  return withRepoLock(repo, async () => {
    const remotes: TransferResult[] = [];
    for (const { remote, outs: group } of groups.values()) {
      const { oids, missing } = await objectsOf(repo, group);
      const absent = [...missing, ...[...oids].filter((oid) => !existsSync(cachePath(repo, oid)))];
      if (absent.length) {
        throw new SlipwayError(
          'NOT_IN_CACHE',
          `${absent.length} object(s) to push are not in the cache, e.g. ${absent[0]}`,
          {
            hint: 'run `slipway data status` to see which outputs; re-add them or pull them first',
          },
        );
      }
      // Directory manifests last: a remote that has a .dir is taken to have all of its files.
      const ordered = [...oids].sort((a, b) => Number(a.endsWith('.dir')) - Number(b.endsWith('.dir')));
      remotes.push(await pushTo(repo, remote, ordered, options));
    }
    return { root: repo.root, remotes };
  });
}

/** `dvc pull`: fetches missing objects into the cache (verified), then checks the outputs out. */
export async function dataPull(
  targets: readonly string[],
  options: TransferOptions & { force?: boolean },
): Promise<PullReport> {
  const { repo } = await resolveRepo(options.cwd);
  const outs = await collectOuts(repo, options.cwd, targets);
  const groups = groupByRemote(repo, outs, options.remote);
  const remotes = await withRepoLock(repo, async () => {
    const done: TransferResult[] = [];
    for (const { remote, outs: group } of groups.values()) {
      const result: TransferResult = {
        remote: remote.name,
        url: remote.url,
        transferred: 0,
        present: 0,
        bytes: 0,
      };
      let s3: S3Remote | undefined;
      if (remote.path === undefined) {
        if (!isS3(remote)) throw unsupported(remote);
        s3 = await openS3Remote(remote);
      }
      try {
        const roots = [...new Set(group.map((t) => t.out.md5).filter((m): m is string => Boolean(m)))];
        // Manifests first: they say which files a directory needs.
        await fetchFrom(
          repo,
          remote,
          roots.filter((o) => o.endsWith('.dir')),
          options,
          result,
          s3,
        );
        const { oids } = await objectsOf(repo, group);
        await fetchFrom(
          repo,
          remote,
          [...oids].filter((o) => !o.endsWith('.dir')),
          options,
          result,
          s3,
        );
      } finally {
        s3?.client.destroy();
      }
      done.push(result);
    }
    return done;
  });
  const checkout = await dataCheckout(targets, options);
  return { root: repo.root, remotes, checkout };
}
