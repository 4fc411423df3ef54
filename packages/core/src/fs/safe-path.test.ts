import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reserveTemp, writeFileAtomic } from './atomic.js';
import { writeOutput } from './output.js';
import { assertSafeWritePath, isGitDirName, mkdirInside } from './safe-path.js';
import { sweepTemps, tempPathFor } from './temp.js';

const fresh = () => {
  const base = mkdtempSync(join(tmpdir(), 'slipway-safe-'));
  const root = join(base, 'repo');
  const outside = join(base, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  return { root, outside };
};

describe('assertSafeWritePath', () => {
  it('refuses a path through a committed link, whatever the depth', () => {
    const { root, outside } = fresh();
    symlinkSync(outside, join(root, 'keys'));
    expect(() => assertSafeWritePath(root, join(root, 'keys', 'authorized_keys'))).toThrow(
      expect.objectContaining({ code: 'SYMLINK_IN_PATH' }),
    );
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    symlinkSync(outside, join(root, 'a', 'b', 'c'));
    expect(() => mkdirInside(root, join(root, 'a', 'b', 'c', 'd'))).toThrow(
      expect.objectContaining({ code: 'SYMLINK_IN_PATH' }),
    );
    expect(existsSync(join(outside, 'd'))).toBe(false);
  });

  it('refuses a link as the target itself and paths outside the root', () => {
    const { root, outside } = fresh();
    symlinkSync(join(outside, 'x'), join(root, 'out.json'));
    expect(() => assertSafeWritePath(root, join(root, 'out.json'))).toThrow(
      expect.objectContaining({ code: 'SYMLINK_OUTPUT' }),
    );
    expect(() => assertSafeWritePath(root, join(root, '..', 'outside', 'y'))).toThrow(
      expect.objectContaining({ code: 'PATH_OUTSIDE_PROJECT' }),
    );
  });

  it('refuses .git in any spelling a file system folds to it', () => {
    for (const name of ['.git', '.GIT', '.Git', '.git.', '.git ', 'GIT~1', '.g\u200cit'])
      expect(isGitDirName(name), name).toBe(true);
    for (const name of ['.gitignore', 'git', '.github', '.gits'])
      expect(isGitDirName(name), name).toBe(false);
    const { root } = fresh();
    expect(() => assertSafeWritePath(root, join(root, 'sub', '.GIT', 'hooks', 'pre-commit'))).toThrow(
      expect.objectContaining({ code: 'PATH_RESERVED' }),
    );
  });
});

describe('writeFileAtomic targets', () => {
  it('writes through nothing: a link target is refused and left alone', async () => {
    const { root, outside } = fresh();
    writeFileSync(join(outside, 'victim'), 'original');
    symlinkSync(join(outside, 'victim'), join(root, 'out.json'));
    await expect(writeFileAtomic(join(root, 'out.json'), 'x')).rejects.toMatchObject({
      code: 'SYMLINK_OUTPUT',
    });
    await expect(writeFileAtomic(join(root, 'out.json'), 'x', { root })).rejects.toMatchObject({
      code: 'SYMLINK_OUTPUT',
    });
    expect(readFileSync(join(outside, 'victim'), 'utf8')).toBe('original');
    expect(lstatSync(join(root, 'out.json')).isSymbolicLink()).toBe(true);
  });

  it('with a root, creates missing directories without following links', async () => {
    const { root, outside } = fresh();
    symlinkSync(outside, join(root, 'reports'));
    await expect(
      writeFileAtomic(join(root, 'reports', 'new', 'r.json'), '{}', { root }),
    ).rejects.toMatchObject({
      code: 'SYMLINK_IN_PATH',
    });
    expect(existsSync(join(outside, 'new'))).toBe(false);
    await writeFileAtomic(join(root, 'real', 'deep', 'r.json'), '{}', { root });
    expect(readFileSync(join(root, 'real', 'deep', 'r.json'), 'utf8')).toBe('{}');
  });

  it('/dev/null stays a device: written through, never replaced', async () => {
    await writeFileAtomic('/dev/null', 'discarded');
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(await writeOutput('/dev/null', 'x', { cwd: '/' })).toBe('/dev/null');
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('a device node made with mknod is not replaced (root only)', async () => {
    if (process.getuid?.() !== 0) return; // mknod needs root; CI runs as root
    const { root } = fresh();
    const node = join(root, 'null-copy');
    execFileSync('mknod', ['-m', '666', node, 'c', '1', '3']);
    await writeFileAtomic(node, 'discarded');
    expect(lstatSync(node).isCharacterDevice()).toBe(true);
    expect(lstatSync(node).rdev).toBe(lstatSync('/dev/null').rdev);
  });

  it('a directory or socket-like target is refused; reserveTemp refuses before any work', async () => {
    const { root } = fresh();
    mkdirSync(join(root, 'd'));
    await expect(writeFileAtomic(join(root, 'd'), 'x')).rejects.toMatchObject({ code: 'IS_A_DIRECTORY' });
    symlinkSync('/etc/hostname', join(root, 'l'));
    expect(() => reserveTemp(join(root, 'l'))).toThrow(expect.objectContaining({ code: 'SYMLINK_OUTPUT' }));
  });
});

describe('sweepTemps', () => {
  it('removes temps of a process that is gone and keeps live ones', async () => {
    const { root } = fresh();
    const live = tempPathFor(join(root, 'a.json'));
    writeFileSync(live, 'mine');
    const dead = join(
      root,
      `.b.json.${live.split('.').at(-2)?.split('-')[0]}-${2 ** 22 + 99}-0-0badf00d.tmp`,
    );
    writeFileSync(dead, 'left by a killed writer');
    writeFileSync(join(root, 'unrelated.tmp'), 'not ours');
    expect(await sweepTemps(root)).toEqual([dead.split('/').at(-1)]);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(join(root, 'unrelated.tmp'))).toBe(true);
  });
});
