import { existsSync, lstatSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import {
  mkdirInside,
  type Progress,
  SlipwayError,
  silentProgress,
  withDirectoryLock,
} from '@slipway/core/base';
import { type DvcFile, readDvcFile, renderDvcFile, writeDvcFile } from './dvcfile.js';
import { ignoreOutput } from './gitignore.js';
import { sweepCrashLeftovers } from './leftovers.js';
import { assertRepoWrite, type DvcRepo, repoRelative, resolveRepo } from './repo.js';
import { HashState } from './state.js';
import { hashOutput } from './tree.js';

export interface VersioningOptions {
  /** Directory the paths are relative to; the project is the nearest one with `.dvc/`. */
  cwd: string;
  progress?: Progress;
  /** Worker threads for hashing and copying (default: one per core, at most 4). */
  jobs?: number;
}

export interface AddResult {
  /** Project-relative path of the output. */
  path: string;
  dvcFile: string;
  md5: string;
  size: number;
  nfiles?: number;
  /** Files read and hashed this time; the others were unchanged since the last hash. */
  hashed: number;
  files: number;
  /** Whether the `.dvc` file's content changed. */
  changed: boolean;
  gitignore?: string;
}

export interface AddReport {
  root: string;
  /** True when this call created `.dvc/` (no project was found). */
  initialized: boolean;
  results: AddResult[];
}

/**
 * Lock shared by every Slipway command that writes the cache or `.dvc` files of a project. Whoever
 * takes it first removes what a killed command left: temp objects in the cache, staged checkout files.
 */
export function withRepoLock<T>(repo: DvcRepo, fn: () => Promise<T>): Promise<T> {
  const tmp = join(repo.dvcDir, 'tmp');
  mkdirInside(repo.root, tmp, '.dvc/tmp');
  // The lock directory too: a committed link there would put lock files elsewhere.
  assertRepoWrite(repo, join(tmp, 'slipway.lock'), '.dvc/tmp/slipway.lock');
  return withDirectoryLock(
    tmp,
    async () => {
      await sweepCrashLeftovers(repo);
      return fn();
    },
    { name: 'slipway.lock', timeoutMs: 600_000 },
  );
}

function checkPath(repo: DvcRepo, cwd: string, given: string): { abs: string; rel: string } {
  const abs = resolve(cwd, given.replace(/[/\\]+$/, '') || given);
  const rel = repoRelative(repo, abs, given);
  // What add writes: `<path>.dvc` and the `.gitignore` beside it; refused before any hashing.
  assertRepoWrite(repo, `${abs}.dvc`, `${rel}.dvc`);
  if (abs.endsWith('.dvc')) {
    throw new SlipwayError('PATH_IS_DVC_FILE', `${given}: is a .dvc file`, {
      hint: 'pass the data path it tracks instead',
    });
  }
  if (lstatSync(abs, { throwIfNoEntry: false }) === undefined) {
    throw new SlipwayError('PATH_NOT_FOUND', `${given}: no such file or directory`, {
      hint: 'check the path; it is resolved relative to the current directory (or --cwd)',
    });
  }
  // An output inside an already tracked directory would make two .dvc files own the same bytes.
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i++) {
    const owner = join(repo.root, ...parts.slice(0, i));
    if (existsSync(`${owner}.dvc`)) {
      throw new SlipwayError(
        'PATH_ALREADY_TRACKED',
        `${given}: inside ${parts.slice(0, i).join('/')}, which ${parts.slice(0, i).join('/')}.dvc tracks`,
        {
          hint: `re-add the whole directory: slipway data add ${parts.slice(0, i).join('/')}`,
        },
      );
    }
  }
  return { abs, rel };
}

/**
 * `dvc add`: hashes each path, stores its content in the cache, writes `<path>.dvc` byte-for-byte as
 * DVC 3 would, and git-ignores the data. Creates `.dvc/` when the project has none.
 */
export async function addPaths(paths: readonly string[], options: VersioningOptions): Promise<AddReport> {
  if (paths.length === 0) {
    throw new SlipwayError('NO_PATHS', 'nothing to add', { hint: 'pass one or more files or directories' });
  }
  const progress = options.progress ?? silentProgress;
  const { repo, initialized } = await resolveRepo(options.cwd, { init: true });
  const checked = paths.map((p) => ({ given: p, ...checkPath(repo, options.cwd, p) }));
  return withRepoLock(repo, async () => {
    const state = await HashState.load(repo.dvcDir);
    const results: AddResult[] = [];
    try {
      for (const { given, abs, rel } of checked) {
        const dvcPath = `${abs}.dvc`;
        let existing: DvcFile | undefined;
        let before = '';
        if (existsSync(dvcPath)) {
          existing = await readDvcFile(dvcPath);
          before = existing.text;
        }
        const hashed = await hashOutput(repo, abs, given, {
          state,
          store: true,
          progress,
          jobs: options.jobs,
          label: `adding ${rel}`,
        });
        const text = renderDvcFile(existing, basename(abs), {
          md5: hashed.md5,
          size: hashed.size,
          ...(hashed.isDir ? { nfiles: hashed.nfiles } : {}),
          ...(hashed.isexec ? { isexec: true } : {}),
        });
        const changed = text !== before;
        if (changed) await writeDvcFile(dvcPath, text, repo.root);
        const gitignore = repo.scm ? await ignoreOutput(abs, repo.root) : undefined;
        results.push({
          path: rel,
          dvcFile: `${rel}.dvc`,
          md5: hashed.md5,
          size: hashed.size,
          ...(hashed.isDir ? { nfiles: hashed.nfiles } : {}),
          hashed: hashed.hashed,
          files: hashed.isDir ? (hashed.nfiles ?? 0) : 1,
          changed,
          ...(gitignore ? { gitignore: repoRelative(repo, gitignore, gitignore) } : {}),
        });
      }
    } finally {
      await state.save();
    }
    return { root: repo.root, initialized, results };
  });
}
