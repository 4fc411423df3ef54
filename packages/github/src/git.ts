/**
 * git as a child process for the Actions that write to the repository (the store branch, the
 * retraining branch): a token goes in through git's environment, commits go through a temporary index
 * so the checkout's HEAD, index and working tree stay as the user left them.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlipwayError } from '@slipway/core';

export type Git = (
  args: string[],
  opts?: { env?: Record<string, string>; input?: string; allowFail?: boolean },
) => Promise<{
  code: number;
  stdout: string;
  stderr: string;
}>;

/**
 * The environment that makes git send `token` (an http.extraHeader through GIT_CONFIG_*, never argv, URL or
 * .git/config). Empty without a token, or when the checkout already carries credentials (actions/checkout
 * without `persist-credentials: false` stores an extraheader): two Authorization headers are refused.
 */
export async function gitAuthEnv(cwd: string, token: string | undefined): Promise<Record<string, string>> {
  if (!token) return {};
  const res = await gitRunner(cwd, {})(['config', '--get-regexp', '^http\\..*extraheader$'], {
    allowFail: true,
  });
  if (res.code === 0 && res.stdout.trim() !== '') return {};
  return {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.extraHeader',
    GIT_CONFIG_VALUE_0: `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`,
  };
}

export function gitRunner(cwd: string, auth: Record<string, string>): Git {
  return (args, opts = {}) =>
    new Promise((resolvePromise, reject) => {
      const child = execFile(
        'git',
        args,
        {
          cwd,
          env: { ...process.env, GIT_TERMINAL_PROMPT: '0', ...auth, ...opts.env },
          maxBuffer: 256 * 1024 * 1024,
        },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
            reject(new SlipwayError('GIT_NOT_FOUND', 'git is not installed', { hint: 'install git' }));
            return;
          }
          if (code !== 0 && !opts.allowFail) {
            reject(
              new SlipwayError('GIT_FAILED', `git ${args[0]} failed: ${stderr.trim() || stdout.trim()}`, {
                hint: 'check that the directory is a git checkout with the remote configured',
              }),
            );
            return;
          }
          resolvePromise({ code, stdout, stderr });
        },
      );
      if (opts.input !== undefined) child.stdin?.end(opts.input);
    });
}

export const IDENTITY = {
  GIT_AUTHOR_NAME: 'github-actions[bot]',
  GIT_AUTHOR_EMAIL: '41898282+github-actions[bot]@users.noreply.github.com',
  GIT_COMMITTER_NAME: 'github-actions[bot]',
  GIT_COMMITTER_EMAIL: '41898282+github-actions[bot]@users.noreply.github.com',
};

export async function withTempIndex<T>(fn: (env: Record<string, string>) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-index-'));
  try {
    return await fn({ GIT_INDEX_FILE: join(dir, 'index') });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
