import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commitToBranch } from './branch-commit.js';
import { defaultProposalPaths } from './proposal-scope.js';

let dir: string;
let remote: string;
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.com',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.com',
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-propose-'));
  remote = `${dir}-remote.git`;
  await mkdir(join(dir, 'app/data'), { recursive: true });
  await mkdir(join(dir, '.github/workflows'), { recursive: true });
  await writeFile(join(dir, 'app/data/train.csv.dvc'), 'outs: []\n');
  await writeFile(join(dir, '.github/workflows/ci.yml'), 'on: push\n');
  git(dir, 'init', '--quiet', '--initial-branch=main');
  git(dir, 'add', '.');
  git(dir, 'commit', '--quiet', '-m', 'base');
  execFileSync('git', ['init', '--quiet', '--bare', remote]);
  git(dir, 'remote', 'add', 'origin', remote);
  git(dir, 'push', '--quiet', 'origin', 'main');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(remote, { recursive: true, force: true });
});

const base = { branch: 'slipway/retrain-m', message: 'retrain' };

describe('retraining proposal scope', () => {
  it('by default proposes only the versioned data, its .dvc files and slipway.lock', async () => {
    const cwd = join(dir, 'app');
    const paths = defaultProposalPaths({ root: cwd, cwd, versioned: ['data/train.csv', 'data/raw/'] });
    expect(paths).toEqual([
      'data/train.csv',
      'data/train.csv.dvc',
      'data/raw',
      'data/raw.dvc',
      'slipway.lock',
    ]);
    await writeFile(join(cwd, 'data/train.csv.dvc'), 'outs: [{md5: abc}]\n');
    await writeFile(join(cwd, 'slipway.lock'), '{}\n');
    await writeFile(join(dir, '.github/workflows/x.yml'), 'on: push\n');
    await writeFile(join(cwd, 'build.js'), 'x\n');
    const r = await commitToBranch({ cwd, paths, skipMissing: true, ...base });
    expect(r.files.sort()).toEqual(['app/data/train.csv.dvc', 'app/slipway.lock']);
    expect(git(remote, 'diff', '--name-only', 'main', base.branch).split('\n').sort()).toEqual([
      'app/data/train.csv.dvc',
      'app/slipway.lock',
    ]);
  });

  it('refuses .github changes (deletions too), symlinks and submodules unless listed themselves', async () => {
    await writeFile(join(dir, '.github/workflows/x.yml'), 'on: push\n');
    await rm(join(dir, '.github/workflows/ci.yml'));
    await symlink('/etc/passwd', join(dir, 'app/data/leak'));
    await expect(commitToBranch({ cwd: dir, paths: ['.'], ...base })).rejects.toMatchObject({
      code: 'PROPOSAL_PATH_REFUSED',
      details: {
        refused: [
          '.github/workflows/ci.yml (under .github/)',
          '.github/workflows/x.yml (under .github/)',
          'app/data/leak (a symlink)',
        ],
      },
    });
    // Listing a parent of the symlink is not listing the symlink.
    await expect(
      commitToBranch({ cwd: dir, paths: ['app', '.github/workflows'], ...base }),
    ).rejects.toMatchObject({ details: { refused: ['app/data/leak (a symlink)'] } });
    expect(git(remote, 'for-each-ref', '--format=%(refname)', 'refs/heads')).toBe('refs/heads/main');
    // Each one named: proposed as asked.
    const r = await commitToBranch({ cwd: dir, paths: ['.github/workflows', 'app/data/leak'], ...base });
    expect(r.files.sort()).toEqual(['.github/workflows/ci.yml', '.github/workflows/x.yml', 'app/data/leak']);
  });
});
