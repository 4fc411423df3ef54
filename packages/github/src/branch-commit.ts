/**
 * Commits what a job changed in the checkout (e.g. the `.dvc` files a data refresh rewrote) as one
 * commit on top of HEAD and pushes it to a branch of its own, without touching HEAD, the index or the
 * working tree. The branch belongs to the bot: it is replaced on every proposal, but never when someone
 * else has pushed to it, since that would throw their work away.
 *
 * What is proposed runs with the repository's secrets once merged (or, with a PR token, as soon as the
 * PR pipeline starts), so a change under `.github/`, a symlink or a submodule is refused unless the
 * caller listed that very path: a data command that unpacks a workflow file cannot slip it in.
 */
import { existsSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { SlipwayError } from '@slipway/core';
import { gitAuthEnv, gitRunner, IDENTITY, withTempIndex } from './git.js';

export interface CommitToBranchOptions {
  /** A directory inside the git checkout. */
  cwd: string;
  /**
   * Paths (relative to cwd) whose changes are committed, new files included; ignored files never are.
   * Changes under `.github/`, symlinks and submodules inside them are refused unless listed themselves.
   */
  paths: string[];
  /** Leave out listed paths that neither exist nor are tracked (the default scope names optional files). */
  skipMissing?: boolean;
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
  const named: string[] = [];
  for (const p of pathspecs) {
    const rel = relative(root, resolve(o.cwd, p));
    if (rel.startsWith('..')) {
      throw new SlipwayError('PATH_OUTSIDE_REPOSITORY', `${p} is outside the repository ${root}`, {
        hint: 'list paths inside the checkout',
      });
    }
    named.push(rel.split(sep).join('/'));
  }
  const { tree, files, entries } = await withTempIndex(async (env) => {
    await git(['read-tree', 'HEAD'], { env });
    const present: string[] = [];
    for (const p of pathspecs) {
      if (!o.skipMissing || existsSync(resolve(o.cwd, p))) present.push(p);
      else if ((await git(['ls-files', '--', p], { env })).stdout.trim()) present.push(p);
    }
    if (present.length > 0) await git(['add', '--all', '--', ...present], { env });
    const t = (await git(['write-tree'], { env })).stdout.trim();
    // NUL-separated raw diff: `:old new oldsha newsha status\0path\0`, so any file name survives.
    const raw = (await git(['diff', '--raw', '-z', '--no-renames', 'HEAD', t], { env })).stdout;
    return { tree: t, ...parseRawDiff(raw) };
  });
  const refused = entries.flatMap((e) => {
    const why = refusalOf(e, named);
    return why ? [`${e.path} (${why})`] : [];
  });
  if (refused.length > 0) {
    throw new SlipwayError(
      'PROPOSAL_PATH_REFUSED',
      `the proposal would change ${refused.length} path(s) that can run code once merged: ${refused.slice(0, 10).join(', ')}${refused.length > 10 ? ', …' : ''}`,
      {
        hint: 'a retraining proposal carries data: make the data step leave these alone, or, if the change is intended, list each such path itself in `paths`',
        details: { refused },
      },
    );
  }
  if (files.length === 0) {
    throw new SlipwayError(
      'NOTHING_TO_PROPOSE',
      `nothing changed under ${pathspecs.join(', ')}: there is no change to propose`,
      {
        hint: 'the data step must update tracked files (e.g. `slipway data add` rewrites the .dvc files); without `paths`, only data.versioned, their .dvc files and slipway.lock are proposed (list data kept in git in `paths`); retraining on unchanged data gives the same model',
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

interface RawEntry {
  path: string;
  /** git mode after the change: 100644/100755 files, 120000 symlinks, 160000 submodules, 000000 deleted. */
  mode: string;
}

function parseRawDiff(raw: string): { files: string[]; entries: RawEntry[] } {
  const parts = raw.split('\0');
  const entries: RawEntry[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const meta = parts[i]!;
    if (!meta.startsWith(':')) break;
    entries.push({ path: parts[i + 1]!, mode: meta.slice(1).split(' ')[1]! });
  }
  return { files: entries.map((e) => e.path), entries };
}

/** Why a changed path needs listing itself; null when the path is plain data. */
function refusalOf(e: RawEntry, listed: string[]): string | null {
  const github = e.path === '.github' || e.path.startsWith('.github/');
  // Listing `.github/workflows` (or a file in it) is explicit; listing `.` or the project is not.
  // Deletions count too: removing a workflow can remove a check.
  if (github && !listed.some((l) => l.startsWith('.github') && (e.path === l || e.path.startsWith(`${l}/`))))
    return 'under .github/';
  const exact = listed.includes(e.path);
  if (e.mode === '120000' && !exact) return 'a symlink';
  if (e.mode === '160000' && !exact) return 'a submodule';
  return null;
}
