/**
 * Who is acting. In GitHub Actions the actor comes from the event payload (`sender.login`) or
 * GITHUB_ACTOR, which the runner sets; an Action input (INPUT_ACTOR) or a CLI argument never counts.
 * Outside CI it is `git config user.name`, else $USER, else the OS account: matched only by `@local`.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { promisify } from 'node:util';
import { SlipwayError } from '@slipway/core';

const exec = promisify(execFile);

export type IdentitySource = 'github-event' | 'github-actor' | 'git-config' | 'user-env' | 'os-user';

export interface PullRequestFacts {
  number: number | null;
  /** The PR author's login. */
  author: string | null;
  headRepo: string | null;
  baseRepo: string | null;
  baseRef: string | null;
  baseSha: string | null;
  /** True when the head branch lives in another repository (a fork). */
  fromFork: boolean;
}

export interface Identity {
  login: string;
  source: IdentitySource;
  /** True inside GitHub Actions. */
  ci: boolean;
  /** `owner/repo` in CI. */
  repository: string | null;
  eventName: string | null;
  pullRequest: PullRequestFacts | null;
  /** The ref the policy must be read from in CI: the PR's base sha/branch, else the pushed sha. */
  policyRef: string | null;
  /** A requested actor (action input, flag) that differed and was ignored; recorded for the audit log. */
  ignoredRequestedActor?: string;
}

interface EventPayload {
  sender?: { login?: string };
  repository?: { default_branch?: string; full_name?: string };
  pull_request?: {
    number?: number;
    user?: { login?: string };
    head?: { repo?: { full_name?: string; fork?: boolean } | null };
    base?: { ref?: string; sha?: string; repo?: { full_name?: string } };
  };
}

export interface ResolveIdentityOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** An actor someone asked for (e.g. an Action input or `--actor`); never trusted, only recorded. */
  requested?: string | null;
}

async function gitUserName(cwd: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  try {
    const { stdout } = await exec('git', ['config', 'user.name'], { cwd, env, timeout: 10_000 });
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

export async function resolveIdentity(options: ResolveIdentityOptions = {}): Promise<Identity> {
  const env = options.env ?? process.env;
  const requested = options.requested ?? env.INPUT_ACTOR ?? null;
  const identity = await resolveTrusted(env, options.cwd ?? process.cwd());
  if (requested && requested !== identity.login) identity.ignoredRequestedActor = requested;
  return identity;
}

async function resolveTrusted(env: NodeJS.ProcessEnv, cwd: string): Promise<Identity> {
  if (env.GITHUB_ACTIONS === 'true') {
    let payload: EventPayload = {};
    if (env.GITHUB_EVENT_PATH) {
      try {
        payload = JSON.parse(await readFile(env.GITHUB_EVENT_PATH, 'utf8')) as EventPayload;
      } catch (err) {
        throw new SlipwayError(
          'IDENTITY_UNKNOWN',
          `${env.GITHUB_EVENT_PATH}: cannot read the GitHub event payload (${(err as Error).message})`,
          { hint: 'run inside a GitHub Actions job; the runner writes GITHUB_EVENT_PATH' },
        );
      }
    }
    const fromEvent = payload.sender?.login;
    // GITHUB_ACTOR is set by the runner for every step and no step can overwrite it (GITHUB_ENV refuses
    // GITHUB_*); the event file is a file in the job's workspace that an earlier step could rewrite.
    if (fromEvent && env.GITHUB_ACTOR && fromEvent !== env.GITHUB_ACTOR) {
      throw new SlipwayError(
        'IDENTITY_MISMATCH',
        `the event payload (${env.GITHUB_EVENT_PATH}) names sender ${fromEvent}, but the runner says the actor is ${env.GITHUB_ACTOR}; the payload was altered, denied`,
        {
          hint: 'run governance steps in a job where no step before them runs code from the pull request',
        },
      );
    }
    const pr = payload.pull_request;
    if (pr?.base?.ref && env.GITHUB_BASE_REF && pr.base.ref !== env.GITHUB_BASE_REF) {
      throw new SlipwayError(
        'IDENTITY_MISMATCH',
        `the event payload names base branch ${pr.base.ref}, but the runner says ${env.GITHUB_BASE_REF}; the payload was altered, denied`,
        {
          hint: 'run governance steps in a job where no step before them runs code from the pull request',
        },
      );
    }
    const login = fromEvent ?? env.GITHUB_ACTOR;
    if (!login) {
      throw new SlipwayError(
        'IDENTITY_UNKNOWN',
        'GitHub Actions run without GITHUB_ACTOR or an event sender',
        {
          hint: 'Slipway reads the actor only from the runner-provided event; it cannot be passed as an input',
        },
      );
    }
    const baseRepo = pr?.base?.repo?.full_name ?? null;
    const headRepo = pr?.head?.repo?.full_name ?? null;
    const pullRequest: PullRequestFacts | null = pr
      ? {
          number: pr.number ?? null,
          author: pr.user?.login ?? null,
          headRepo,
          baseRepo,
          baseRef: pr.base?.ref ?? env.GITHUB_BASE_REF ?? null,
          baseSha: pr.base?.sha ?? null,
          // A deleted fork has head.repo = null: treat it as a fork, never as the base repository.
          fromFork: headRepo === null || headRepo !== baseRepo || pr.head?.repo?.fork === true,
        }
      : null;
    const baseRef = pullRequest
      ? (pullRequest.baseSha ??
        (pullRequest.baseRef
          ? `origin/${pullRequest.baseRef}`
          : env.GITHUB_BASE_REF
            ? `origin/${env.GITHUB_BASE_REF}`
            : null))
      : // push, workflow_dispatch, …: the default branch, never the branch that triggered the run.
        payload.repository?.default_branch
        ? `origin/${payload.repository.default_branch}`
        : (env.GITHUB_SHA ?? null);
    return {
      login,
      source: fromEvent ? 'github-event' : 'github-actor',
      ci: true,
      repository: env.GITHUB_REPOSITORY ?? null,
      eventName: env.GITHUB_EVENT_NAME ?? null,
      pullRequest,
      policyRef: baseRef,
    };
  }
  const gitName = await gitUserName(cwd, env);
  const user = env.USER ?? env.USERNAME ?? null;
  const osUser = gitName || user ? null : osUserName();
  const login = gitName ?? user ?? osUser;
  if (!login) {
    throw new SlipwayError('IDENTITY_UNKNOWN', 'cannot tell who you are: no git user.name and no $USER', {
      hint: 'set one with `git config user.name <name>`',
    });
  }
  return {
    login,
    source: gitName ? 'git-config' : user ? 'user-env' : 'os-user',
    ci: false,
    repository: null,
    eventName: null,
    pullRequest: null,
    policyRef: null,
  };
}

/** The operating-system account running the process (no $USER in minimal environments such as CI). */
function osUserName(): string | null {
  try {
    return userInfo().username || null;
  } catch {
    return null;
  }
}
