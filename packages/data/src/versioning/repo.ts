import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { assertSafeWritePath, isGitDirName, mkdirInside, SlipwayError } from '@slipway/core/base';
import { cacheDirOf, isNoScm, type LoadedDvcConfig, loadDvcConfig } from './config.js';
import { objectPath } from './hash-worker.js';

/** A DVC project: the directory holding `.dvc/`. */
export interface DvcRepo {
  root: string;
  dvcDir: string;
  cacheDir: string;
  config: LoadedDvcConfig;
  /** Whether outputs get `.gitignore` entries (a git work tree and not `core.no_scm`). */
  scm: boolean;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function findUp(start: string, name: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (isDir(join(dir, name)) || (name === '.git' && existsSync(join(dir, name)))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Nearest directory at or above `cwd` with a `.dvc/` directory. */
export function findRepoRoot(cwd: string): string | undefined {
  return findUp(cwd, '.dvc');
}

export function openRepo(root: string): DvcRepo {
  const dvcDir = join(root, '.dvc');
  const config = loadDvcConfig(dvcDir);
  return {
    root,
    dvcDir,
    cacheDir: cacheDirOf(config, dvcDir),
    config,
    scm: !isNoScm(config.config) && findUp(root, '.git') !== undefined,
  };
}

const DVCIGNORE = `# Add patterns of files dvc should ignore, which could improve
# the performance. Learn more at
# https://dvc.org/doc/user-guide/dvcignore
`;

/**
 * Creates the files `dvc init` creates: in a git work tree `.dvc/config` (empty) and `.dvc/.gitignore`,
 * otherwise `.dvc/config` with `no_scm = True` (as `dvc init --no-scm`); plus `.dvcignore`.
 */
export async function initRepo(root: string): Promise<DvcRepo> {
  const dvcDir = join(root, '.dvc');
  if (isDir(dvcDir)) return openRepo(root);
  const git = existsSync(join(root, '.git'));
  mkdirInside(root, join(dvcDir, 'tmp'), '.dvc/tmp');
  // `wx`: when two commands initialize at once, the first writes each file and the second keeps it.
  const create = async (file: string, text: string) => {
    try {
      await writeFile(file, text, { flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  };
  await create(join(dvcDir, 'config'), git ? '' : '[core]\n    no_scm = True\n');
  if (git) await create(join(dvcDir, '.gitignore'), '/config.local\n/tmp\n/cache\n');
  await create(join(root, '.dvcignore'), DVCIGNORE);
  return openRepo(root);
}

/**
 * The project for `cwd`. With `init`, a missing project is created where `dvc init` would put it:
 * the git work tree's top, else `cwd` itself (no-scm).
 */
export async function resolveRepo(
  cwd: string,
  options: { init?: boolean } = {},
): Promise<{ repo: DvcRepo; initialized: boolean }> {
  const root = findRepoRoot(cwd);
  if (root) return { repo: openRepo(root), initialized: false };
  if (!options.init) {
    throw new SlipwayError('NOT_A_DVC_PROJECT', `no .dvc/ directory in ${cwd} or any parent`, {
      hint: 'run `slipway data add <path>` (creates .dvc/) or `dvc init`, or pass --cwd <project>',
    });
  }
  const top = findUp(cwd, '.git') ?? resolve(cwd);
  return { repo: await initRepo(top), initialized: true };
}

/** `abs` relative to the project root, POSIX separators; throws when it lies outside. */
export function repoRelative(repo: DvcRepo, abs: string, given: string): string {
  const rel = relative(repo.root, abs);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
    throw new SlipwayError('PATH_OUTSIDE_PROJECT', `${given}: outside the project ${repo.root}`, {
      hint: 'only files and directories inside the project (the directory with .dvc/) can be tracked',
    });
  }
  const posix = rel.split(sep).join('/');
  const parts = posix.split('/');
  // Case-insensitive file systems (macOS, Windows) open `.GIT/hooks` as `.git/hooks`.
  const git = parts.find(isGitDirName);
  const top = parts[0] as string;
  if (git !== undefined || top.toLowerCase() === '.dvc') {
    throw new SlipwayError(
      'PATH_RESERVED',
      `${given}: inside ${git ?? top}/, which ${git ? 'git' : 'DVC'} manages`,
      {
        hint: 'track data files elsewhere in the project',
      },
    );
  }
  return posix;
}

export function cachePath(repo: DvcRepo, oid: string): string {
  return objectPath(repo.cacheDir, oid);
}

/**
 * Checks a path a data command is about to create, write or replace: inside the project, no symbolic
 * link in any component below the root (the path itself included), not in `.git`.
 */
export function assertRepoWrite(
  repo: DvcRepo,
  abs: string,
  given: string,
  options: { finalMayBeLink?: boolean } = {},
): void {
  assertSafeWritePath(repo.root, abs, given, options);
}
