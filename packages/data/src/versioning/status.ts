import { existsSync } from 'node:fs';
import { SlipwayError, silentProgress } from '@slipway/core/base';
import type { VersioningOptions } from './add.js';
import { readManifest } from './objects.js';
import { cachePath, type DvcRepo, resolveRepo } from './repo.js';
import { HashState } from './state.js';
import { collectOuts, type TrackedOut } from './targets.js';
import { cachePresence, hashOutput } from './tree.js';

export type OutState = 'ok' | 'modified' | 'missing' | 'not-in-cache';

export interface StatusEntry {
  path: string;
  dvcFile: string;
  state: OutState;
  /** Whether the recorded version (and, for a directory, every file of it) is in the cache. */
  inCache: boolean;
  /** md5 recorded in the `.dvc` file. */
  md5: string | null;
  /** md5 of what is in the workspace now (absent when missing). */
  actual?: string;
  /** For a modified directory whose manifest is cached: which files differ. */
  changes?: { added: string[]; modified: string[]; deleted: string[] };
}

export interface StatusReport {
  root: string;
  entries: StatusEntry[];
  /** True when every output is `ok`. */
  clean: boolean;
}

/** Whether `oid` (and every file of it, for a directory) is in the cache. */
export async function inCache(repo: DvcRepo, oid: string): Promise<boolean> {
  if (!existsSync(cachePath(repo, oid))) return false;
  if (!oid.endsWith('.dir')) return true;
  const entries = await readManifest(repo, oid);
  if (!entries) return false;
  const has = cachePresence(repo, entries.length > 1000);
  return entries.every((e) => has(e.md5));
}

async function statusOf(
  repo: DvcRepo,
  t: TrackedOut,
  state: HashState,
  options: VersioningOptions,
): Promise<StatusEntry> {
  const md5 = t.out.md5 ?? null;
  const base = { path: t.rel, dvcFile: t.dvcRel, md5 };
  const cached = md5 ? await inCache(repo, md5) : false;
  if (!existsSync(t.abs)) return { ...base, state: 'missing', inCache: cached };
  let actual: Awaited<ReturnType<typeof hashOutput>>;
  try {
    actual = await hashOutput(repo, t.abs, t.rel, {
      state,
      store: false,
      progress: options.progress,
      jobs: options.jobs,
      label: `checking ${t.rel}`,
    });
  } catch (err) {
    if (err instanceof SlipwayError && err.code === 'PATH_NOT_FOUND')
      return { ...base, state: 'missing', inCache: cached };
    throw err;
  }
  if (actual.md5 !== md5) {
    const entry: StatusEntry = { ...base, state: 'modified', inCache: cached, actual: actual.md5 };
    if (md5?.endsWith('.dir') && actual.files) {
      const recorded = await readManifest(repo, md5).catch(() => undefined);
      if (recorded) {
        const now = new Map(actual.files.map((f) => [f.relpath, f.md5]));
        const then = new Map(recorded.map((f) => [f.relpath, f.md5]));
        entry.changes = {
          added: [...now.keys()].filter((k) => !then.has(k)),
          modified: [...now.keys()].filter((k) => then.has(k) && then.get(k) !== now.get(k)),
          deleted: [...then.keys()].filter((k) => !now.has(k)),
        };
      }
    }
    return entry;
  }
  return { ...base, state: cached ? 'ok' : 'not-in-cache', inCache: cached, actual: actual.md5 };
}

/** `dvc status` for the workspace: each output ok, modified, missing, or not in the cache. */
export async function dataStatus(
  targets: readonly string[],
  options: VersioningOptions,
): Promise<StatusReport> {
  const { repo } = await resolveRepo(options.cwd);
  const outs = await collectOuts(repo, options.cwd, targets);
  const state = await HashState.load(repo.dvcDir);
  const entries: StatusEntry[] = [];
  try {
    for (const t of outs)
      entries.push(
        await statusOf(repo, t, state, { ...options, progress: options.progress ?? silentProgress }),
      );
  } finally {
    await state.save();
  }
  return { root: repo.root, entries, clean: entries.every((e) => e.state === 'ok') };
}
