/**
 * Paths inside a repository that Slipway creates, writes or replaces. A repository is not trusted: a
 * committed symbolic link (`keys -> ~/.ssh`) must not carry a write outside it, so every component
 * below the root is checked with lstat (never followed) and directories are created one at a time.
 * Components above the root (the user's own checkout location) are taken as they are.
 */
import { existsSync, lstatSync, mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { SlipwayError } from '../errors.js';

/** Characters HFS+ ignores in names, which git also strips before comparing with `.git`. */
const IGNORABLE = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g;

/**
 * Whether a path component names the git directory on some file system: any case (macOS, Windows),
 * with ignorable code points (HFS+), trailing dots or spaces (NTFS), or the 8.3 short name `GIT~1`.
 */
export function isGitDirName(name: string): boolean {
  const folded = name
    .replace(IGNORABLE, '')
    .toLowerCase()
    .replace(/[. ]+$/, '');
  return folded === '.git' || folded === 'git~1';
}

/** Components of `abs` below `root`, or undefined when it is not strictly inside. */
export function componentsBelow(root: string, abs: string): string[] | undefined {
  const rel = relative(resolve(root), resolve(abs));
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return rel.split(sep);
}

function symlinkError(code: string, shown: string, what: string): SlipwayError {
  return new SlipwayError(code, `${shown}: ${what}; Slipway does not write through symbolic links`, {
    hint: 'a repository can commit links that point anywhere (e.g. into ~/.ssh); replace the link with a real directory or file, or remove it',
  });
}

/**
 * Checks that `abs` lies inside `root`, that no component below `root` is a symbolic link (the last one
 * included, unless `finalMayBeLink`: a rename replaces a link rather than following it) and that no
 * component is the git directory. Missing components are fine (they will be
 * created). Throws a SlipwayError naming `given`.
 */
export function assertSafeWritePath(
  root: string,
  abs: string,
  given: string = abs,
  options: { finalMayBeLink?: boolean } = {},
): void {
  checkComponents(root, abs, given, { ...options, finalIsTarget: true });
}

function checkComponents(
  root: string,
  abs: string,
  given: string,
  options: { finalMayBeLink?: boolean; finalIsTarget: boolean },
): void {
  const parts = componentsBelow(root, abs);
  if (!parts) {
    throw new SlipwayError('PATH_OUTSIDE_PROJECT', `${given}: outside the project ${root}`, {
      hint: 'only paths inside the project can be written; check the path (and any `..` in it)',
    });
  }
  if (parts.some(isGitDirName)) {
    throw new SlipwayError('PATH_RESERVED', `${given}: inside the git directory, which git manages`, {
      hint: 'write elsewhere in the project (a .git entry in any letter case is refused)',
    });
  }
  let current = resolve(root);
  for (let i = 0; i < parts.length; i++) {
    current = join(current, parts[i] as string);
    const st = lstatSync(current, { throwIfNoEntry: false });
    if (!st) return;
    const last = i === parts.length - 1 && options.finalIsTarget;
    const shown = parts.slice(0, i + 1).join('/');
    if (st.isSymbolicLink()) {
      // A link as the last component is only safe for a caller that renames over it (replacing the link).
      if (last && options.finalMayBeLink) return;
      throw last
        ? symlinkError('SYMLINK_OUTPUT', given, 'is a symbolic link')
        : symlinkError('SYMLINK_IN_PATH', given, `${shown} is a symbolic link`);
    }
    if (!last && !st.isDirectory()) {
      throw new SlipwayError('NOT_A_DIRECTORY', `${given}: ${shown} is a file, not a directory`, {
        hint: 'move the file away or choose another path',
      });
    }
  }
}

/** `mkdir -p` below `root` that never follows a link: each missing component is created, each existing one checked. */
export function mkdirInside(root: string, dir: string, given: string = dir): void {
  if (resolve(dir) === resolve(root)) return;
  // Every component is a directory to be, so a link anywhere is a link on the way.
  checkComponents(root, dir, given, { finalIsTarget: false });
  const parts = componentsBelow(root, dir) ?? [];
  let current = resolve(root);
  for (const part of parts) {
    current = join(current, part);
    try {
      mkdirSync(current);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const st = lstatSync(current);
    if (st.isSymbolicLink()) throw symlinkError('SYMLINK_IN_PATH', given, `${current} is a symbolic link`);
    if (!st.isDirectory())
      throw new SlipwayError('NOT_A_DIRECTORY', `${given}: ${current} is a file, not a directory`, {
        hint: 'move the file away or choose another path',
      });
  }
}

const REPOSITORY_MARKERS = [
  '.git',
  '.dvc',
  'slipway.config.ts',
  'slipway.config.mts',
  'slipway.config.js',
  'slipway.config.mjs',
];

/**
 * The repository a command runs in: the nearest directory at or above `cwd` with `.git`, `.dvc` or a
 * Slipway config. Outputs inside it follow the no-link rule; undefined outside any repository.
 */
export function findRepositoryRoot(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    if (REPOSITORY_MARKERS.some((m) => existsSync(join(dir, m)))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
