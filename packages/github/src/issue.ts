/**
 * One open issue per key (e.g. one per monitored model), edited in place: the monitor re-runs on a
 * schedule and must not open a new issue every night while the drift lasts. The issue carries a hidden
 * marker and only an issue our own identity opened counts. Editing a body notifies nobody, so a changed
 * issue also gets a short comment. A closed issue is history: the next alert opens a new one.
 */
import type { GitHubClient } from './client.js';
import { COMMENT_MAX_CHARS, carriesMarker, commentMarker, sameLogin, truncateMarkdown } from './comment.js';

export interface UpsertIssueOptions {
  owner: string;
  repo: string;
  /** One open issue per key, e.g. `monitor/flight-delay`. */
  key: string;
  title: string;
  body: string;
  /** Put on a new issue; the first one also narrows the search for an existing issue. */
  labels?: string[];
  /** The login that writes (see resolveIdentity); issues opened by anyone else are never touched. */
  identity: string;
  /** Comment posted when an existing issue's body changes (GitHub sends no notification for edits). */
  updateComment?: string;
  /** Where the full report is, linked when the body had to be shortened. */
  fullReportUrl?: string | null;
  maxChars?: number;
}

export interface UpsertIssueResult {
  action: 'created' | 'updated' | 'unchanged';
  number: number;
  url: string;
  truncated: boolean;
  commented: boolean;
  /** Open issues that carried our marker but were opened by someone else (left alone). */
  ignored: number;
}

interface IssueJson {
  number: number;
  html_url: string;
  body?: string | null;
  user: { login: string } | null;
  pull_request?: unknown;
}

export function issueMarker(key: string): string {
  return commentMarker(key).replace('slipway:report', 'slipway:issue');
}

export async function upsertIssue(client: GitHubClient, o: UpsertIssueOptions): Promise<UpsertIssueResult> {
  const marker = issueMarker(o.key);
  const max = o.maxChars ?? COMMENT_MAX_CHARS;
  const room = max - marker.length - 1;
  const truncated = o.body.length > room;
  const body = `${marker}\n${truncated ? truncateMarkdown(o.body, room, o.fullReportUrl ?? null) : o.body}`;
  const base = `/repos/${o.owner}/${o.repo}/issues`;
  const labels = o.labels ?? [];
  const open = await client.paginate<IssueJson>(base, {
    state: 'open',
    sort: 'created',
    direction: 'asc',
    ...(labels[0] ? { labels: labels[0] } : {}),
  });
  // The issues list also returns pull requests; those never count.
  const marked = open.filter((i) => !i.pull_request && carriesMarker(i.body, marker));
  const ours = marked.filter((i) => i.user && sameLogin(i.user.login, o.identity));
  const ignored = marked.length - ours.length;
  const existing = ours[0];
  if (!existing) {
    const res = await client.request<IssueJson>('POST', base, {
      body: { title: o.title, body, ...(labels.length > 0 ? { labels } : {}) },
    });
    return {
      action: 'created',
      number: res.data.number,
      url: res.data.html_url,
      truncated,
      commented: false,
      ignored,
    };
  }
  if (existing.body === body) {
    return {
      action: 'unchanged',
      number: existing.number,
      url: existing.html_url,
      truncated,
      commented: false,
      ignored,
    };
  }
  const res = await client.request<IssueJson>('PATCH', `${base}/${existing.number}`, {
    body: { title: o.title, body },
  });
  let commented = false;
  if (o.updateComment) {
    await client.request('POST', `${base}/${existing.number}/comments`, {
      body: { body: truncateMarkdown(o.updateComment, COMMENT_MAX_CHARS, o.fullReportUrl ?? null) },
    });
    commented = true;
  }
  return {
    action: 'updated',
    number: res.data.number,
    url: res.data.html_url,
    truncated,
    commented,
    ignored,
  };
}
