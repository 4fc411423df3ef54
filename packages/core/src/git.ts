import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GitFacts {
  commit: string | null;
  branch: string | null;
  dirty: boolean | null;
  remoteUrl: string | null;
}

async function git(cwd: string, args: string[]): Promise<string | null> {
  try {
    const { stdout } = await run('git', args, { cwd, timeout: 10_000 });
    return stdout.trim();
  } catch {
    return null;
  }
}

/** Commit, branch, dirty flag and origin URL; nulls outside a git repository or without git. */
export async function gitFacts(cwd: string): Promise<GitFacts> {
  const commit = await git(cwd, ['rev-parse', 'HEAD']);
  if (commit === null) return { commit: null, branch: null, dirty: null, remoteUrl: null };
  const branch = await git(cwd, ['rev-parse', '--abbrev-ref', 'HEAD']);
  const status = await git(cwd, ['status', '--porcelain', '--untracked-files=no']);
  const remote = await git(cwd, ['remote', 'get-url', 'origin']);
  return {
    commit,
    branch: branch === 'HEAD' ? null : branch,
    dirty: status === null ? null : status.length > 0,
    remoteUrl: remote ? stripCredentials(remote) : null,
  };
}

/** Never record a token that someone put into a remote URL. */
export function stripCredentials(url: string): string {
  return url.replace(/^(https?:\/\/)[^@/]+@/, '$1');
}

export interface CiFacts {
  provider: 'github-actions' | null;
  runUrl: string | null;
  actor: string | null;
  event: string | null;
  prNumber: number | null;
  repository: string | null;
  sha: string | null;
}

/** Facts from the GitHub Actions environment, or nulls when not running there. */
export async function ciFacts(env: NodeJS.ProcessEnv = process.env): Promise<CiFacts> {
  if (env.GITHUB_ACTIONS !== 'true') {
    return {
      provider: null,
      runUrl: null,
      actor: null,
      event: null,
      prNumber: null,
      repository: null,
      sha: null,
    };
  }
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
  const repository = env.GITHUB_REPOSITORY ?? null;
  const runUrl =
    repository && env.GITHUB_RUN_ID ? `${server}/${repository}/actions/runs/${env.GITHUB_RUN_ID}` : null;
  let prNumber: number | null = null;
  if (env.GITHUB_EVENT_PATH) {
    try {
      const payload = JSON.parse(await readFile(env.GITHUB_EVENT_PATH, 'utf8')) as {
        pull_request?: { number?: number };
        number?: number;
      };
      prNumber = payload.pull_request?.number ?? null;
    } catch {}
  }
  if (prNumber === null) {
    const m = /^refs\/pull\/(\d+)\//.exec(env.GITHUB_REF ?? '');
    if (m) prNumber = Number(m[1]);
  }
  return {
    provider: 'github-actions',
    runUrl,
    actor: env.GITHUB_ACTOR ?? null,
    event: env.GITHUB_EVENT_NAME ?? null,
    prNumber,
    repository,
    sha: env.GITHUB_SHA ?? null,
  };
}
