/**
 * Commits what a job changed in the checkout (e.g. the `.dvc` files a data refresh rewrote) as one
 * commit on top of HEAD and pushes it to a branch of its own, without touching HEAD, the index or the
 * working tree. The branch belongs to the bot: it is replaced on every proposal, but never when someone
 * else has pushed to it, since that would throw their work away.
 */
import { relative, resolve } from 'node:path';
import { SlipwayError } from '@slipway/core';
import { gitAuthEnv, gitRunner, IDENTITY, withTempIndex } from './git.js';

export interface CommitToBranchOptions {
  /** A directory inside the git checkout. */
  cwd: string;
  /** Paths (relative to cwd) whose changes are committed, new files included; ignored files never are. */
  paths: string[];
  branch: string;
  message: string;
  /** Remote name or URL; default `origin`. */
  remote?: string;
  token?: string;
}

export interface CommitToBranchResult {
  commit: string;
  /** The commit the proposal is based on (HEAD of the checkout). */
  parent: string;
  /** Changed paths, relative to the repository root. */
  files: string[];
  /** Whether the branch existed and was replaced. */
  replaced: boolean;
}

export function validProposalBranch(branch: string): string {
  if (!/^[\w./-]+$/.test(branch) || branch.includes('..') || branch.startsWith('-') || branch.endsWith('/')) {
    throw new SlipwayError('BRANCH_INVALID', `"${branch}" is not a usable branch name`, {
      hint: 'use letters, digits, `_ . / -`, e.g. `slipway/retrain-flight-delay`',
    });
  }
  return branch;
}

export async function commitToBranch(o: CommitToBranchOptions): Promise<CommitToBranchResult> {
  const branch = validProposalBranch(o.branch);
  const remote = o.remote ?? 'origin';
  const git = gitRunner(o.cwd, await gitAuthEnv(o.cwd, o.token));
  const root = (await git(['rev-parse', '--show-toplevel'])).stdout.trim();
  const parent = (await git(['rev-parse', 'HEAD'])).stdout.trim();
  const pathspecs = o.paths.length > 0 ? o.paths : ['.'];
  for (const p of pathspecs) {
    const rel = relative(root, resolve(o.cwd, p));
    if (rel.startsWith('..')) {
      throw new SlipwayError('PATH_OUTSIDE_REPOSITORY', `${p} is outside the repository ${root}`, {
        hint: 'list paths inside the checkout',
      });
    }
  }
  const { tree, files } = await withTempIndex(async (env) => {
    await git(['read-tree', 'HEAD'], { env });
    await git(['add', '--all', '--', ...pathspecs], { env });
    const t = (await git(['write-tree'], { env })).stdout.trim();
    const changed = (await git(['diff', '--name-only', 'HEAD', t], { env })).stdout
      .split('\n')
      .filter(Boolean);
    return { tree: t, files: changed };
  });
  if (files.length === 0) {
    throw new SlipwayError(
      'NOTHING_TO_PROPOSE',
      `nothing changed under ${pathspecs.join(', ')}: there is no change to propose`,
      {
        hint: 'the data step must update tracked files (e.g. `slipway data add` rewrites the .dvc files); retraining on unchanged data gives the same model',
      },
    );
  }
  const commit = (
    await git(['commit-tree', tree, '-p', parent], { env: IDENTITY, input: `${o.message.trim()}\n` })
  ).stdout.trim();

  // The current tip of the branch, if any: replaced only when the bot wrote every commit on it.
  const listed = await git(['ls-remote', '--heads', remote, `refs/heads/${branch}`], { allowFail: true });
  if (listed.code !== 0) {
    throw new SlipwayError(
      'GIT_REMOTE_UNREACHABLE',
      `git ls-remote ${remote} failed: ${listed.stderr.trim()}`,
      {
        hint: 'the job needs `contents: write` and a checkout of the repository',
      },
    );
  }
  const tip = listed.stdout.split(/\s+/)[0] || null;
  if (tip) {
    await git(['fetch', '--no-tags', '--quiet', remote, `+refs/heads/${branch}:refs/slipway/proposal`]);
    const authors = (
      await git(['log', '--format=%ae', `${parent}..refs/slipway/proposal`], { allowFail: true })
    ).stdout
      .split('\n')
      .filter(Boolean);
    const others = authors.filter((a) => a !== IDENTITY.GIT_AUTHOR_EMAIL);
    if (others.length > 0) {
      throw new SlipwayError(
        'BRANCH_HAS_OTHER_COMMITS',
        `branch ${branch} has ${others.length} commit(s) by someone else (${[...new Set(others)].join(', ')}); replacing it would lose them`,
        { hint: 'merge or close that pull request and delete the branch, or pass another `branch`' },
      );
    }
  }
  const lease = `--force-with-lease=refs/heads/${branch}:${tip ?? ''}`;
  const pushed = await git(['push', '--quiet', lease, remote, `${commit}:refs/heads/${branch}`], {
    allowFail: true,
  });
  if (pushed.code !== 0) {
    throw new SlipwayError('GIT_PUSH_FAILED', `git push to ${branch} failed: ${pushed.stderr.trim()}`, {
      hint: 'the job needs `contents: write`; if another run pushed the branch at the same moment, run again',
    });
  }
  return { commit, parent, files, replaced: tip !== null };
}
