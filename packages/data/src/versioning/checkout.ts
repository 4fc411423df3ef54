import { existsSync, lstatSync } from 'node:fs';
import { chmod, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { isSlipwayError, mkdirInside, ownerTag, SlipwayError, silentProgress } from '@slipway/core/base';
import { type VersioningOptions, withRepoLock } from './add.js';
import type { CopyJob, JobErr, JobOk } from './hash-worker.js';
import { stagingDir } from './leftovers.js';
import { corruptObject, readManifest } from './objects.js';
import { runJobs } from './pool.js';
import { assertRepoWrite, cachePath, type DvcRepo, resolveRepo } from './repo.js';
import { HashState } from './state.js';
import { collectOuts, type TrackedOut } from './targets.js';
import { type HashedOutput, hashOutput, jobError } from './tree.js';

export interface CheckoutOptions extends VersioningOptions {
  /** Overwrite or delete workspace files whose content is not in the cache (it would be lost). */
  force?: boolean;
}

export interface CheckoutEntry {
  path: string;
  dvcFile: string;
  action: 'unchanged' | 'restored';
  /** Files written from the cache. */
  restored: number;
  /** Files deleted because the recorded directory does not have them. */
  removed: number;
}

export interface CheckoutReport {
  root: string;
  entries: CheckoutEntry[];
}

interface Wanted {
  relpath: string;
  md5: string;
  abs: string;
  mode: number;
}

function notInCache(t: TrackedOut, count: number, sample: string): SlipwayError {
  return new SlipwayError(
    'NOT_IN_CACHE',
    `${t.rel}: ${count} object(s) of ${t.dvcRel} are not in the cache (e.g. ${sample})`,
    {
      hint: 'fetch them with `slipway data pull` (or `dvc pull`)',
    },
  );
}

function wouldLose(t: TrackedOut, paths: string[]): SlipwayError {
  return new SlipwayError(
    'CHECKOUT_WOULD_LOSE_DATA',
    `${t.rel}: ${paths.length} workspace file(s) differ from ${t.dvcRel} and their content is not in the cache: ${paths.slice(0, 5).join(', ')}`,
    { hint: 'save them with `slipway data add`, or pass --force to overwrite them' },
  );
}

async function checkoutOne(
  repo: DvcRepo,
  t: TrackedOut,
  state: HashState,
  options: CheckoutOptions,
): Promise<CheckoutEntry> {
  const oid = t.out.md5;
  const base = { path: t.rel, dvcFile: t.dvcRel };
  if (!oid) {
    throw new SlipwayError('NOT_COMMITTED', `${t.dvcRel}:${t.out.line}: ${t.out.path} has no md5`, {
      hint: 'run `slipway data add` for it first',
    });
  }
  const isDir = oid.endsWith('.dir');
  // The output and every directory above it must be real: a committed link would carry the write
  // (or the removal of files the recorded version lacks) outside the project.
  assertRepoWrite(repo, t.abs, t.rel);
  const present = lstatSync(t.abs, { throwIfNoEntry: false });
  let current: HashedOutput | undefined;
  if (present) {
    const typeMatches = isDir ? present.isDirectory() : !present.isDirectory();
    if (typeMatches) {
      current = await hashOutput(repo, t.abs, t.rel, {
        state,
        store: false,
        progress: options.progress,
        jobs: options.jobs,
        label: `checking ${t.rel}`,
      });
      if (current.md5 === oid) {
        if (!isDir && Boolean(t.out.isexec) !== Boolean(current.isexec))
          await chmod(t.abs, t.out.isexec ? 0o755 : 0o644);
        return { ...base, action: 'unchanged', restored: 0, removed: 0 };
      }
    } else if (!options.force) {
      throw new SlipwayError(
        'CHECKOUT_WOULD_LOSE_DATA',
        `${t.rel}: is a ${present.isDirectory() ? 'directory' : 'file'} but ${t.dvcRel} records a ${isDir ? 'directory' : 'file'}`,
        {
          hint: 'move it away, or pass --force to replace it',
        },
      );
    } else {
      await rm(t.abs, { recursive: true, force: true });
    }
  }
  // What the recorded version holds.
  let wanted: Wanted[];
  if (isDir) {
    const manifest = await readManifest(repo, oid);
    if (!manifest) throw notInCache(t, 1, oid);
    wanted = manifest.map((e) => ({
      relpath: e.relpath,
      md5: e.md5,
      abs: join(t.abs, ...e.relpath.split('/')),
      mode: 0o644,
    }));
  } else {
    wanted = [{ relpath: '', md5: oid, abs: t.abs, mode: t.out.isexec ? 0o755 : 0o644 }];
  }
  const have = new Map<string, string>();
  if (current) {
    if (current.files) for (const f of current.files) have.set(f.relpath, f.md5);
    else have.set('', current.md5);
  }
  const toWrite = wanted.filter((w) => have.get(w.relpath) !== w.md5);
  const wantedSet = new Set(wanted.map((w) => w.relpath));
  const toRemove = [...have.keys()].filter((k) => !wantedSet.has(k));
  const missing = toWrite.filter((w) => !existsSync(cachePath(repo, w.md5)));
  if (missing.length) throw notInCache(t, missing.length, missing[0]?.md5 as string);
  // Never destroy the only copy of something: overwritten or deleted content must be in the cache.
  if (!options.force) {
    const unsaved = [...toWrite.filter((w) => have.has(w.relpath)).map((w) => w.relpath), ...toRemove].filter(
      (rel) => !existsSync(cachePath(repo, have.get(rel) as string)),
    );
    if (unsaved.length)
      throw wouldLose(
        t,
        unsaved.map((r) => (r ? `${t.rel}/${r}` : t.rel)),
      );
  }
  const staging = stagingDir(repo);
  mkdirInside(repo.root, staging, '.dvc/tmp/slipway-staging');
  const jobs: CopyJob[] = toWrite.map((w) => ({
    t: 'copy',
    src: cachePath(repo, w.md5),
    dst: w.abs,
    expect: w.md5,
    mode: w.mode,
    tmpDir: staging,
    tmpTag: ownerTag(),
  }));
  // Inside a tracked directory too, no directory on the way may be a link (the walk above follows them).
  const checked = new Set<string>();
  const shown = (abs: string) =>
    abs === t.abs ? t.rel : `${t.rel}/${relative(t.abs, abs).split(sep).join('/')}`;
  for (const abs of [...toWrite.map((w) => w.abs), ...toRemove.map((r) => join(t.abs, ...r.split('/')))]) {
    const parent = dirname(abs);
    if (checked.has(parent)) continue;
    checked.add(parent);
    // The file itself is renamed over or unlinked, which replaces a link rather than following it.
    assertRepoWrite(repo, abs, shown(abs), { finalMayBeLink: abs !== t.abs });
  }
  for (const w of toWrite) {
    // A file where a directory must go (or the reverse) is replaced; checked against loss above.
    const parent = dirname(w.abs);
    if (!existsSync(parent)) mkdirInside(repo.root, parent, shown(w.abs));
  }
  const sizes = jobs.map(() => 0);
  const task = (options.progress ?? silentProgress).task(`checkout ${t.rel}`, { unit: 'bytes' });
  const results = await runJobs(jobs, sizes, { jobs: options.jobs, onBytes: (n) => task.tick(n) });
  const bad = results.find((r) => 'err' in r) as JobErr | undefined;
  if (bad) {
    task.fail();
    const job = jobs[results.indexOf(bad)] as CopyJob;
    if (bad.err.code === 'MISMATCH')
      throw corruptObject(
        job.src,
        job.expect,
        bad.err.actual as string,
        job.dst === t.abs ? t.rel : `${t.rel}/${toWrite[results.indexOf(bad)]?.relpath}`,
      );
    throw jobError(bad, t.rel);
  }
  task.done();
  results.forEach((r) => {
    const ok = r as JobOk;
    state.set({ ino: ok.ino, mtime: ok.mtime, size: ok.size }, ok.md5);
  });
  for (const rel of toRemove) await rm(join(t.abs, ...rel.split('/')), { force: true });
  if (!existsSync(t.abs) && isDir) mkdirInside(repo.root, t.abs, t.rel);
  return { ...base, action: 'restored', restored: toWrite.length, removed: toRemove.length };
}

/** `dvc checkout`: makes the workspace match the `.dvc` files, copying verified content from the cache. */
export async function dataCheckout(
  targets: readonly string[],
  options: CheckoutOptions,
): Promise<CheckoutReport> {
  const { repo } = await resolveRepo(options.cwd);
  const outs = await collectOuts(repo, options.cwd, targets);
  return withRepoLock(repo, async () => {
    const state = await HashState.load(repo.dvcDir);
    const entries: CheckoutEntry[] = [];
    const failures: { path: string; error: SlipwayError }[] = [];
    try {
      for (const t of outs) {
        try {
          entries.push(await checkoutOne(repo, t, state, options));
        } catch (err) {
          if (!isSlipwayError(err)) throw err;
          failures.push({ path: t.rel, error: err });
        }
      }
    } finally {
      await state.save();
    }
    if (failures.length === 1) throw (failures[0] as { error: SlipwayError }).error;
    if (failures.length > 1) {
      throw new SlipwayError(
        'CHECKOUT_FAILED',
        `${failures.length} outputs could not be checked out:\n${failures.map((f) => `  ${f.error.message}`).join('\n')}`,
        {
          hint: failures[0]?.error.hint,
          details: { failures: failures.map((f) => ({ path: f.path, ...f.error.toJSON() })), done: entries },
        },
      );
    }
    return { root: repo.root, entries };
  });
}
