import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gitAuthEnv } from './git.js';
import {
  AUDIT_HEAD_TRAILER,
  pushStoreToBranch,
  readStoreCheckpoint,
  syncStoreFromBranch,
} from './store-branch.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  }).trim();

let root: string;
let remote: string;

async function clone(name: string): Promise<string> {
  const dir = join(root, name);
  git(root, 'clone', '--quiet', remote, dir);
  return dir;
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'slipway-store-branch-'));
  remote = join(root, 'remote.git');
  git(root, 'init', '--quiet', '--bare', '--initial-branch=main', remote);
  const seed = join(root, 'seed');
  git(root, 'init', '--quiet', '--initial-branch=main', seed);
  await writeFile(join(seed, 'README.md'), 'project\n');
  await writeFile(join(seed, '.gitignore'), '.slipway/\n');
  git(seed, 'add', '.');
  git(seed, 'commit', '--quiet', '-m', 'init');
  git(seed, 'push', '--quiet', remote, 'main');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('store branch', () => {
  it('starts empty, pushes, and a later clone gets the same store without touching HEAD or the index', async () => {
    const a = await clone('a');
    expect(await syncStoreFromBranch({ cwd: a, storeDir: '.slipway' })).toEqual({ commit: null, files: 0 });
    await mkdir(join(a, '.slipway/runs/r1'), { recursive: true });
    await writeFile(join(a, '.slipway/runs/r1/metrics.json'), '{"auc":0.8}\n');
    await writeFile(join(a, '.slipway/.slipway.lock'), 'pid');
    const pushed = await pushStoreToBranch({ cwd: a, storeDir: '.slipway', message: 'store: run r1' });
    expect(pushed.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(git(a, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
    expect(git(a, 'status', '--porcelain')).toBe('');
    expect(git(remote, 'ls-tree', '-r', '--name-only', 'slipway-store').split('\n')).toEqual([
      'runs/r1/metrics.json',
    ]);

    const b = await clone('b');
    const synced = await syncStoreFromBranch({ cwd: b, storeDir: '.slipway' });
    expect(synced).toEqual({ commit: pushed.commit, files: 1 });
    expect(await readFile(join(b, '.slipway/runs/r1/metrics.json'), 'utf8')).toBe('{"auc":0.8}\n');
    // Nothing new: no empty commit.
    const again = await pushStoreToBranch({ cwd: b, storeDir: '.slipway' });
    expect(again.commit).toBe(pushed.commit);
  });

  it("the store commit's audit-head trailer is what the next run reads back as its checkpoint", async () => {
    const a = await clone('a');
    await syncStoreFromBranch({ cwd: a, storeDir: '.slipway' });
    expect(await readStoreCheckpoint({ cwd: a })).toBeNull();
    await mkdir(join(a, '.slipway/logs'), { recursive: true });
    await writeFile(join(a, '.slipway/logs/audit.log'), '{}\n');
    const head = `7:${'a'.repeat(64)}`;
    await pushStoreToBranch({
      cwd: a,
      storeDir: '.slipway',
      message: `slipway: promote\n\n${AUDIT_HEAD_TRAILER}: ${head}`,
    });
    const b = await clone('b');
    await syncStoreFromBranch({ cwd: b, storeDir: '.slipway' });
    expect(await readStoreCheckpoint({ cwd: b })).toBe(head);
  });

  it('two clones racing both land: the loser replays its changes on the winner', async () => {
    const a = await clone('a');
    await syncStoreFromBranch({ cwd: a, storeDir: '.slipway' });
    await mkdir(join(a, '.slipway'), { recursive: true });
    await writeFile(join(a, '.slipway/audit.jsonl'), '{"n":1}\n');
    await pushStoreToBranch({ cwd: a, storeDir: '.slipway' });

    const b = await clone('b');
    const c = await clone('c');
    await syncStoreFromBranch({ cwd: b, storeDir: '.slipway' });
    await syncStoreFromBranch({ cwd: c, storeDir: '.slipway' });
    await mkdir(join(b, '.slipway/runs/b'), { recursive: true });
    await writeFile(join(b, '.slipway/runs/b/run.json'), '{"run":"b"}\n');
    await mkdir(join(c, '.slipway/runs/c'), { recursive: true });
    await writeFile(join(c, '.slipway/runs/c/run.json'), '{"run":"c"}\n');
    // c appends to the log; b leaves it alone.
    await writeFile(join(c, '.slipway/audit.jsonl'), '{"n":1}\n{"n":2}\n');

    const [rb, rc] = await Promise.all([
      pushStoreToBranch({ cwd: b, storeDir: '.slipway' }),
      pushStoreToBranch({ cwd: c, storeDir: '.slipway' }),
    ]);
    expect(Math.max(rb.attempts, rc.attempts)).toBeGreaterThanOrEqual(2);
    const files = git(remote, 'ls-tree', '-r', '--name-only', 'slipway-store').split('\n').sort();
    expect(files).toEqual(['audit.jsonl', 'runs/b/run.json', 'runs/c/run.json']);
    expect(git(remote, 'show', 'slipway-store:audit.jsonl')).toBe('{"n":1}\n{"n":2}');
    // History is linear: every push is a fast-forward of the one before.
    expect(git(remote, 'rev-list', '--count', 'slipway-store')).toBe('3');
  });

  it('both sides rewriting the same file differently is a conflict, not a silent overwrite', async () => {
    const a = await clone('a');
    await syncStoreFromBranch({ cwd: a, storeDir: '.slipway' });
    await writeFile(join(a, '.slipway/aliases.json'), '{"champion":"1"}\n');
    await pushStoreToBranch({ cwd: a, storeDir: '.slipway' });
    const b = await clone('b');
    const c = await clone('c');
    await syncStoreFromBranch({ cwd: b, storeDir: '.slipway' });
    await syncStoreFromBranch({ cwd: c, storeDir: '.slipway' });
    await writeFile(join(b, '.slipway/aliases.json'), '{"champion":"2"}\n');
    await writeFile(join(c, '.slipway/aliases.json'), '{"champion":"3"}\n');
    await pushStoreToBranch({ cwd: b, storeDir: '.slipway' });
    await expect(pushStoreToBranch({ cwd: c, storeDir: '.slipway' })).rejects.toMatchObject({
      code: 'STORE_BRANCH_CONFLICT',
      message: expect.stringContaining('aliases.json'),
    });
    expect(git(remote, 'show', 'slipway-store:aliases.json')).toBe('{"champion":"2"}');
  });

  it('sends the token as a header through the environment, unless the checkout already has credentials', async () => {
    const a = await clone('a');
    expect(await gitAuthEnv(a, undefined)).toEqual({});
    const env = await gitAuthEnv(a, 'ghs_secret');
    expect(env.GIT_CONFIG_KEY_0).toBe('http.extraHeader');
    expect(env.GIT_CONFIG_VALUE_0).toBe(
      `AUTHORIZATION: basic ${Buffer.from('x-access-token:ghs_secret').toString('base64')}`,
    );
    // What actions/checkout leaves with persist-credentials: true.
    git(a, 'config', '--local', 'http.https://github.com/.extraheader', 'AUTHORIZATION: basic xyz');
    expect(await gitAuthEnv(a, 'ghs_secret')).toEqual({});
  });

  it('rejects a branch name git would misread', async () => {
    const a = await clone('a');
    await expect(
      syncStoreFromBranch({ cwd: a, storeDir: '.slipway', branch: '--upload-pack=x' }),
    ).rejects.toMatchObject({ code: 'STORE_BRANCH_INVALID' });
  });
});
