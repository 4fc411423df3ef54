/**
 * What the runner tells a step about the run: repository, event, pull request, head commit, actor.
 * On `pull_request` GITHUB_SHA is the test merge commit; checks and statuses belong on the PR head.
 */
import { readFileSync } from 'node:fs';
import { SlipwayError } from '@slipway/core';

export interface PullRequestFacts {
  number: number;
  headSha: string;
  headRef: string;
  baseRef: string;
  /** `owner/name` of the head repository. */
  headRepo: string | null;
  /** True when the head lives in another repository: GITHUB_TOKEN is then read-only. */
  fork: boolean;
  htmlUrl: string | null;
}

export interface ActionContext {
  owner: string;
  repo: string;
  eventName: string;
  payload: Record<string, unknown>;
  /** The commit checks and deployments refer to (the PR head on pull_request events). */
  sha: string;
  ref: string;
  actor: string;
  pullRequest: PullRequestFacts | null;
  apiUrl: string;
  serverUrl: string;
  runId: string | null;
  runUrl: string | null;
  /** The repository's default branch, from the event payload (null when the event has no repository). */
  defaultBranch: string | null;
}

export function readActionContext(env: NodeJS.ProcessEnv = process.env): ActionContext {
  const repository = env.GITHUB_REPOSITORY ?? '';
  const [owner, repo] = repository.split('/');
  if (!owner || !repo) {
    throw new SlipwayError('GITHUB_CONTEXT_MISSING', 'GITHUB_REPOSITORY is not set (expected `owner/name`)', {
      hint: 'run this inside GitHub Actions, or set GITHUB_REPOSITORY, GITHUB_EVENT_NAME and GITHUB_EVENT_PATH',
    });
  }
  let payload: Record<string, unknown> = {};
  if (env.GITHUB_EVENT_PATH) {
    try {
      payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new SlipwayError(
        'GITHUB_EVENT_UNREADABLE',
        `${env.GITHUB_EVENT_PATH}: cannot read the event payload (${(err as Error).message})`,
        { hint: 'GITHUB_EVENT_PATH must name the JSON webhook payload the runner wrote', cause: err },
      );
    }
  }
  const serverUrl = (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, '');
  const runId = env.GITHUB_RUN_ID ?? null;
  const pullRequest = pullRequestFacts(payload, repository);
  return {
    owner,
    repo,
    eventName: env.GITHUB_EVENT_NAME ?? '',
    payload,
    sha: pullRequest?.headSha ?? env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    actor: env.GITHUB_TRIGGERING_ACTOR || env.GITHUB_ACTOR || '',
    pullRequest,
    apiUrl: (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, ''),
    serverUrl,
    runId,
    runUrl: runId ? `${serverUrl}/${repository}/actions/runs/${runId}` : null,
    defaultBranch: (payload.repository as { default_branch?: string } | undefined)?.default_branch ?? null,
  };
}

interface PrPayload {
  number?: number;
  html_url?: string;
  head?: { sha?: string; ref?: string; repo?: { full_name?: string; fork?: boolean } | null };
  base?: { ref?: string; repo?: { full_name?: string } };
}

/** The pull request of a pull_request / pull_request_target / pull_request_review event, or null. */
export function pullRequestFacts(
  payload: Record<string, unknown>,
  repository: string,
): PullRequestFacts | null {
  const pr = payload.pull_request as PrPayload | undefined;
  if (!pr || typeof pr.number !== 'number' || !pr.head?.sha) return null;
  const headRepo = pr.head.repo?.full_name ?? null;
  const baseRepo = pr.base?.repo?.full_name ?? repository;
  return {
    number: pr.number,
    headSha: pr.head.sha,
    headRef: pr.head.ref ?? '',
    baseRef: pr.base?.ref ?? '',
    headRepo,
    // A deleted head repository (null) is treated as a fork: its token is read-only too.
    fork: headRepo === null || headRepo.toLowerCase() !== baseRepo.toLowerCase(),
    htmlUrl: pr.html_url ?? null,
  };
}

export function isForkPullRequest(payload: Record<string, unknown>, repository: string): boolean {
  return pullRequestFacts(payload, repository)?.fork ?? false;
}
