/**
 * The embedded store (`.slipway/`) survives between workflow runs on a dedicated branch of the same
 * repository. Sync fetches the branch and writes its tree into the store directory; push commits the
 * directory as the branch's next commit. Neither touches HEAD, the index or the working tree of the
 * checkout: both go through a temporary index file.
 *
 * Two runs pushing at once: the loser re-fetches, replays its own changes (relative to the commit it
 * synced from) onto the new tip, and pushes again. A file both runs changed is merged when one version
 * extends the other (append-only logs); anything else is a conflict we refuse to paper over.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SlipwayError } from '@slipway/core';
import { type Git, gitAuthEnv, gitRunner, IDENTITY, withTempIndex } from './git.js';

export interface StoreBranchOptions {
  /** A directory inside the git checkout. */
  cwd: string;
  /** The store directory to fill / to commit (e.g. `.slipway`), relative to cwd or absolute. */
  storeDir: string;
  /** Default `slipway-store`. */
  branch?: string;
  /** Remote name or URL; default `origin`. */
  remote?: string;
  /** Token for an https remote (sent as an HTTP header through git's environment, never in argv or URL). */
  token?: string;
}

export interface SyncResult {
  /** The commit the store was filled from, or null when the branch does not exist yet. */
  commit: string | null;
  files: number;
}

export interface PushResult {
  /** The commit now at the branch tip, or null when there was nothing to push. */
  commit: string | null;
  attempts: number;
  /** Paths changed on both sides and merged by keeping the longer append-only version. */
  merged: string[];
}

function validBranch(branch: string): string {
  if (!/^[\w./-]+$/.test(branch) || branch.includes('..') || branch.startsWith('-')) {
    throw new SlipwayError('STORE_BRANCH_INVALID', `"${branch}" is not a usable branch name`, {
      hint: 'use letters, digits, `_ . / -`, e.g. `slipway-store`',
    });
  }
  return branch;
}

async function baseFile(git: Git, branch: string): Promise<string> {
  const dir = (await git(['rev-parse', '--absolute-git-dir'])).stdout.trim();
  return join(dir, `slipway-store-base-${branch.replaceAll('/', '_')}`);
}

/** Fetches the branch tip into a private ref; null when the branch does not exist on the remote. */
async function fetchTip(git: Git, remote: string, branch: string): Promise<string | null> {
  const ref = `refs/slipway/store/${branch}`;
  const res = await git(['fetch', '--no-tags', '--quiet', remote, `+refs/heads/${branch}:${ref}`], {
    allowFail: true,
  });
  if (res.code !== 0) {
    if (/couldn't find remote ref|could not find remote ref/i.test(res.stderr)) return null;
    throw new SlipwayError(
      'STORE_FETCH_FAILED',
      `git fetch ${remote} ${branch} failed: ${res.stderr.trim()}`,
      {
        hint: 'the job needs `contents: read` (and a checkout of the repository) to read the store branch',
      },
    );
  }
  return (await git(['rev-parse', ref])).stdout.trim();
}

/** The trailer of a store commit naming the audit chain's head when it was pushed. */
export const AUDIT_HEAD_TRAILER = 'Slipway-Audit-Head';

/**
 * The audit checkpoint (`<seq>:<hash>`) the store branch's last synced commit recorded, or null. Every
 * later state of the log must still contain that entry (`slipway audit verify --expect-head`): a store
 * pushed with its log cut short or rewritten fails the check, whoever holds write access to the branch.
 */
export async function readStoreCheckpoint(o: { cwd: string; branch?: string }): Promise<string | null> {
  const branch = validBranch(o.branch ?? 'slipway-store');
  const git = gitRunner(o.cwd, {});
  const res = await git(['log', '-1', '--format=%B', `refs/slipway/store/${branch}`], { allowFail: true });
  if (res.code !== 0) return null;
  const m = new RegExp(`^${AUDIT_HEAD_TRAILER}: (\\d+:[0-9a-f]{64})$`, 'm').exec(res.stdout);
  return m ? m[1]! : null;
}

/** Writes the branch's tree into the store directory (files already there and not on the branch stay). */
export async function syncStoreFromBranch(o: StoreBranchOptions): Promise<SyncResult> {
  const branch = validBranch(o.branch ?? 'slipway-store');
  const git = gitRunner(o.cwd, await gitAuthEnv(o.cwd, o.token));
  const store = resolve(o.cwd, o.storeDir);
  const tip = await fetchTip(git, o.remote ?? 'origin', branch);
  await writeFile(await baseFile(git, branch), tip ?? '');
  await mkdir(store, { recursive: true });
  if (!tip) return { commit: null, files: 0 };
  const files = await withTempIndex(async (env) => {
    await git(['read-tree', tip], { env });
    await git(['checkout-index', '--all', '--force', `--prefix=${store}/`], { env });
    return (await git(['ls-files'], { env })).stdout.split('\n').filter(Boolean).length;
  });
  return { commit: tip, files };
}

async function treeOfDirectory(git: Git, store: string): Promise<string> {
  const gitDir = (await git(['rev-parse', '--absolute-git-dir'])).stdout.trim();
  const inStore = gitRunner(store, {});
  return withTempIndex(async (index) => {
    // The store directory is the work tree; ignore rules of the checkout do not apply, lock and temp
    // files of a running writer are left out.
    const env = { ...index, GIT_DIR: gitDir, GIT_WORK_TREE: store };
    await inStore(
      [
        'add',
        '--all',
        '--force',
        '--',
        '.',
        ':(exclude,glob)**/.slipway.lock',
        // Lock directories (tickets of a writer that is running) are never part of the store.
        ':(exclude,glob)**/.slipway.lock/**',
        ':(exclude,glob)**/.lock/**',
        ':(exclude,glob)**/.*.tmp',
      ],
      {
        env,
      },
    );
    return (await inStore(['write-tree'], { env })).stdout.trim();
  });
}

interface Change {
  status: string;
  path: string;
}

async function changes(git: Git, from: string | null, to: string): Promise<Change[]> {
  const empty = (await git(['hash-object', '-t', 'tree', '--stdin'], { input: '' })).stdout.trim();
  const out = (await git(['diff-tree', '-r', '--no-renames', '-z', '--name-status', from ?? empty, to]))
    .stdout;
  const parts = out.split('\0').filter(Boolean);
  const list: Change[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) list.push({ status: parts[i]!, path: parts[i + 1]! });
  return list;
}

async function blobOf(git: Git, tree: string, path: string): Promise<string | null> {
  const out = (await git(['ls-tree', '-z', tree, '--', path])).stdout;
  const m = /^(\d+) blob ([0-9a-f]+)\t/.exec(out);
  return m ? `${m[1]} ${m[2]}` : null;
}

/** Our changes since `base`, replayed onto `theirs`; returns the merged tree. */
async function replay(
  git: Git,
  base: string | null,
  ours: string,
  theirs: string,
  merged: string[],
): Promise<string> {
  const baseTree = base ? `${base}^{tree}` : null;
  const mine = await changes(git, baseTree, ours);
  const theirChanges = new Set((await changes(git, baseTree, `${theirs}^{tree}`)).map((c) => c.path));
  return withTempIndex(async (env) => {
    await git(['read-tree', theirs], { env });
    const conflicts: string[] = [];
    for (const c of mine) {
      if (c.status === 'D') {
        if (!theirChanges.has(c.path)) await git(['update-index', '--force-remove', '--', c.path], { env });
        continue;
      }
      const entry = (await blobOf(git, ours, c.path))!;
      const [mode, blob] = entry.split(' ') as [string, string];
      if (theirChanges.has(c.path)) {
        const theirEntry = await blobOf(git, `${theirs}^{tree}`, c.path);
        if (theirEntry && theirEntry.split(' ')[1] !== blob) {
          const a = (await git(['cat-file', 'blob', blob])).stdout;
          const b = (await git(['cat-file', 'blob', theirEntry.split(' ')[1]!])).stdout;
          if (b.startsWith(a)) continue; // theirs already extends ours
          if (!a.startsWith(b)) {
            conflicts.push(c.path);
            continue;
          }
          merged.push(c.path);
        }
      }
      await git(['update-index', '--add', '--cacheinfo', `${mode},${blob},${c.path}`], { env });
    }
    if (conflicts.length > 0) {
      throw new SlipwayError(
        'STORE_BRANCH_CONFLICT',
        `another run changed the same store files at the same time: ${conflicts.slice(0, 5).join(', ')}`,
        { hint: "re-run this job: it will start from the other run's store", details: { conflicts } },
      );
    }
    return (await git(['write-tree'], { env })).stdout.trim();
  });
}

/**
 * Commits the store directory to the branch and pushes it, retrying on a concurrent push.
 * Call syncStoreFromBranch first in the same checkout: its commit is the base our changes are relative to.
 */
export async function pushStoreToBranch(
  o: StoreBranchOptions & { message?: string; maxAttempts?: number },
): Promise<PushResult> {
  const branch = validBranch(o.branch ?? 'slipway-store');
  const remote = o.remote ?? 'origin';
  const git = gitRunner(o.cwd, await gitAuthEnv(o.cwd, o.token));
  const store = resolve(o.cwd, o.storeDir);
  let base: string | null = null;
  try {
    base = (await readFile(await baseFile(git, branch), 'utf8')).trim() || null;
  } catch {}
  const ours = await treeOfDirectory(git, store);
  const merged: string[] = [];
  const maxAttempts = o.maxAttempts ?? 5;
  let parent = base;
  let tree = ours;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (parent) {
      const parentTree = (await git(['rev-parse', `${parent}^{tree}`])).stdout.trim();
      if (parentTree === tree) return { commit: parent, attempts: attempt, merged };
    }
    const commit = (
      await git(
        ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', o.message ?? 'slipway: update store'],
        {
          env: IDENTITY,
        },
      )
    ).stdout.trim();
    // With a parent the push is a fast-forward or rejected; without one, the branch must not exist yet.
    const lease = `--force-with-lease=refs/heads/${branch}:${parent ?? ''}`;
    const res = await git(
      ['push', '--quiet', '--porcelain', lease, remote, `${commit}:refs/heads/${branch}`],
      {
        allowFail: true,
      },
    );
    if (res.code === 0) {
      await writeFile(await baseFile(git, branch), commit);
      return { commit, attempts: attempt, merged };
    }
    if (!/rejected|stale info|fetch first|non-fast-forward|failed to push/i.test(res.stderr + res.stdout)) {
      throw new SlipwayError(
        'STORE_PUSH_FAILED',
        `git push ${remote} ${branch} failed: ${res.stderr.trim()}`,
        {
          hint: 'the job needs `contents: write` to push the store branch (see docs/security.md)',
        },
      );
    }
    // Someone else pushed first: replay our changes on their tip.
    const tip = await fetchTip(git, remote, branch);
    if (!tip) continue;
    tree = await replay(git, base, ours, tip, merged);
    parent = tip;
    await new Promise((r) => setTimeout(r, 100 * attempt + Math.floor(Math.random() * 200)));
  }
  throw new SlipwayError('STORE_PUSH_CONTENDED', `gave up pushing ${branch} after ${maxAttempts} attempts`, {
    hint: 'too many runs pushed at once; re-run the job',
  });
}
