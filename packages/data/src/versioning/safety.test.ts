import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostTag, isSlipwayError } from '@slipway/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addPaths, dataCheckout, dataPull, dataPush, dataStatus } from './index.js';

// A repository is not trusted: its .dvc files, its committed links and its remote's content come from
// whoever wrote it. Nothing a data command writes may land outside the project.

let base: string;
let outside: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'slipway-safety-'));
  outside = join(base, 'home', '.ssh');
  mkdirSync(outside, { recursive: true });
});
afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string; hint?: string }> {
  try {
    await p;
  } catch (err) {
    if (!isSlipwayError(err)) throw err;
    return err;
  }
  throw new Error('expected a SlipwayError');
}

const remoteConfig = () =>
  `[core]\n    no_scm = True\n    remote = store\n['remote "store"']\n    url = ${join(base, 'remote')}\n`;

/**
 * The attacker's project: `files` tracked (as `dvcTargets`) and pushed to a remote; returns a "clone"
 * holding what git would bring: `.dvc/config` and the `.dvc` files, with `rename` applied to their paths.
 */
async function attackerClone(
  files: Record<string, string>,
  dvcTargets: string[],
  rename: Record<string, string> = {},
): Promise<string> {
  const evil = join(base, 'evil');
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(evil, rel, '..'), { recursive: true });
    writeFileSync(join(evil, rel), text);
  }
  mkdirSync(join(evil, '.dvc'));
  writeFileSync(join(evil, '.dvc', 'config'), remoteConfig());
  await addPaths(dvcTargets, { cwd: evil });
  await dataPush([], { cwd: evil });
  // What a clone has: .dvc/config and the .dvc files, not the data or the cache.
  const clone = join(base, 'clone');
  mkdirSync(join(clone, '.dvc'), { recursive: true });
  writeFileSync(join(clone, '.dvc', 'config'), remoteConfig());
  for (const t of dvcTargets) {
    mkdirSync(join(clone, t, '..'), { recursive: true });
    let text = readFileSync(join(evil, `${t}.dvc`), 'utf8');
    for (const [from, to] of Object.entries(rename)) text = text.replace(`path: ${from}\n`, `path: ${to}\n`);
    writeFileSync(join(clone, `${t}.dvc`), text);
  }
  return clone;
}

describe('no write outside the project', () => {
  it('a committed link `keys -> ~/.ssh` with keys/authorized_keys.dvc: pull refuses, nothing lands outside', async () => {
    // payload.dvc at the top, its path rewritten to go through the committed link.
    const clone = await attackerClone({ payload: 'ssh-ed25519 AAAA attacker\n' }, ['payload'], {
      payload: 'keys/authorized_keys',
    });
    symlinkSync(outside, join(clone, 'keys'));
    const e = await failure(dataPull([], { cwd: clone }));
    expect(e.code).toBe('SYMLINK_IN_PATH');
    expect(e.message).toContain('keys/authorized_keys');
    expect(e.message).toContain('symbolic link');
    expect(readdirSync(outside)).toEqual([]);
    const c = await failure(dataCheckout([], { cwd: clone }));
    expect(c.code).toBe('SYMLINK_IN_PATH');
    expect(readdirSync(outside)).toEqual([]);
  });

  it('an output that is itself a link (to a directory) is refused clearly, not ENOTDIR', async () => {
    const clone = await attackerClone({ 'keys/authorized_keys': 'attacker\n' }, ['keys']);
    symlinkSync(outside, join(clone, 'keys'));
    const e = await failure(dataPull([], { cwd: clone }));
    expect(e.code).toBe('SYMLINK_OUTPUT');
    expect(e.message).toMatch(/^keys: is a symbolic link/);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('a link inside a tracked directory neither receives files nor loses them', async () => {
    const clone = await attackerClone({ 'data/sub/a.txt': 'a\n', 'data/b.txt': 'b\n' }, ['data']);
    mkdirSync(join(clone, 'data'));
    symlinkSync(outside, join(clone, 'data', 'sub'));
    writeFileSync(join(outside, 'authorized_keys'), 'mine\n');
    const e = await failure(dataPull([], { cwd: clone, force: true }));
    expect(e.code).toBe('SYMLINK_IN_PATH');
    expect(e.message).toContain('data/sub');
    expect(readdirSync(outside)).toEqual(['authorized_keys']);
    expect(readFileSync(join(outside, 'authorized_keys'), 'utf8')).toBe('mine\n');
  });

  it('add refuses to write a .dvc file or .gitignore through a link', async () => {
    const proj = join(base, 'proj');
    mkdirSync(join(proj, '.dvc'), { recursive: true });
    writeFileSync(join(outside, 'id_rsa'), 'secret');
    symlinkSync(outside, join(proj, 'keys'));
    const e = await failure(addPaths(['keys/id_rsa'], { cwd: proj }));
    expect(e.code).toBe('SYMLINK_IN_PATH');
    expect(readdirSync(outside)).toEqual(['id_rsa']);
  });

  it('.git is reserved in any letter case', async () => {
    const proj = join(base, 'proj');
    mkdirSync(join(proj, '.dvc'), { recursive: true });
    mkdirSync(join(proj, '.GIT', 'hooks'), { recursive: true });
    writeFileSync(join(proj, '.GIT', 'hooks', 'post-checkout'), '#!/bin/sh\n');
    const e = await failure(addPaths(['.GIT/hooks/post-checkout'], { cwd: proj }));
    expect(e.code).toBe('PATH_RESERVED');
    writeFileSync(
      join(proj, 'hook.dvc'),
      'outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  hash: md5\n  path: .Git/hooks/pre-commit\n',
    );
    expect((await failure(dataCheckout(['hook.dvc'], { cwd: proj }))).code).toBe('PATH_RESERVED');
  });

  it('a YAML alias bomb in a .dvc file is an invalid file named, not a crash', async () => {
    const proj = join(base, 'proj');
    mkdirSync(join(proj, '.dvc'), { recursive: true });
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    writeFileSync(
      join(proj, 'bomb.dvc'),
      `${levels.join('\n')}\nouts:\n- path: foo\n  md5: acbd18db4cc2f85cedef654fccc4a4d8\n`,
    );
    for (const run of [() => dataStatus([], { cwd: proj }), () => dataCheckout([], { cwd: proj })]) {
      const e = await failure(run());
      expect(e.code).toBe('DVC_FILE_INVALID');
      expect(e.message).toContain('bomb.dvc');
      expect(e.message).toMatch(/alias/i);
    }
  });
});

describe('crash leftovers', () => {
  it('temp objects of a dead process are swept by the next locked command; live ones stay', async () => {
    const proj = join(base, 'proj');
    mkdirSync(proj);
    writeFileSync(join(proj, 'foo'), 'foo');
    await addPaths(['foo'], { cwd: proj });
    const md5dir = join(proj, '.dvc', 'cache', 'files', 'md5');
    const dead = `incoming.${hostTag()}-${2 ** 22 + 4321}-0-0badc0de.tmp`;
    const live = `incoming.${hostTag()}-${process.pid}-0-0011aabb.tmp`;
    writeFileSync(join(md5dir, dead), Buffer.alloc(1 << 20));
    writeFileSync(join(md5dir, live), 'being written');
    mkdirSync(join(proj, '.dvc', 'tmp', 'slipway-staging'), { recursive: true });
    const staged = join(
      proj,
      '.dvc',
      'tmp',
      'slipway-staging',
      `incoming.${hostTag()}-${2 ** 22 + 4321}-0-12345678.tmp`,
    );
    writeFileSync(staged, 'half a checkout');
    await addPaths(['foo'], { cwd: proj });
    expect(existsSync(join(md5dir, dead))).toBe(false);
    expect(existsSync(staged)).toBe(false);
    expect(existsSync(join(md5dir, live))).toBe(true);
  });
});
