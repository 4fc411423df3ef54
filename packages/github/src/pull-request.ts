/**
 * One open pull request per head branch, created or edited in place: the retraining workflow proposes
 * its candidate on the same branch every time, so a second alert refreshes the PR instead of opening a
 * second one.
 */
import { GitHubApiError, type GitHubClient } from './client.js';
import { COMMENT_MAX_CHARS, truncateMarkdown } from './comment.js';

export interface UpsertPullRequestOptions {
  owner: string;
  repo: string;
  /** A branch of the same repository. */
  head: string;
  base: string;
  title: string;
  body: string;
  draft?: boolean;
  /** Added to a new pull request (through the issues API, as GitHub has it). */
  labels?: string[];
  fullReportUrl?: string | null;
}

export interface UpsertPullRequestResult {
  action: 'created' | 'updated';
  number: number;
  url: string;
  truncated: boolean;
}

interface PullJson {
  number: number;
  html_url: string;
}

export async function upsertPullRequest(
  client: GitHubClient,
  o: UpsertPullRequestOptions,
): Promise<UpsertPullRequestResult> {
  const truncated = o.body.length > COMMENT_MAX_CHARS;
  const body = truncateMarkdown(o.body, COMMENT_MAX_CHARS, o.fullReportUrl ?? null);
  const base = `/repos/${o.owner}/${o.repo}/pulls`;
  const open = await client.paginate<PullJson>(base, {
    state: 'open',
    head: `${o.owner}:${o.head}`,
    base: o.base,
  });
  const existing = open[0];
  if (existing) {
    const res = await client.request<PullJson>('PATCH', `${base}/${existing.number}`, {
      body: { title: o.title, body },
    });
    return { action: 'updated', number: res.data.number, url: res.data.html_url, truncated };
  }
  let res: { data: PullJson };
  try {
    res = await client.request<PullJson>('POST', base, {
      body: { title: o.title, head: o.head, base: o.base, body, draft: o.draft ?? false },
    });
  } catch (err) {
    if (err instanceof GitHubApiError && err.status === 422) {
      throw new GitHubApiError(
        err.method,
        err.path,
        err.status,
        err.githubMessage,
        `GitHub refused the pull request from ${o.head} into ${o.base}: check that both branches exist and differ, and that "Allow GitHub Actions to create and approve pull requests" is on in the repository's Actions settings when the job token opens it`,
      );
    }
    throw err;
  }
  if (o.labels && o.labels.length > 0) {
    await client.request('POST', `/repos/${o.owner}/${o.repo}/issues/${res.data.number}/labels`, {
      body: { labels: o.labels },
    });
  }
  return { action: 'created', number: res.data.number, url: res.data.html_url, truncated };
}
