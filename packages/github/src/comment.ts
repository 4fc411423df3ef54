/**
 * One PR comment per report key, edited in place. The comment carries a hidden marker; we read every
 * comment (all pages), and only a comment written by our own identity counts — a user who quotes our
 * marker keeps their comment. GitHub rejects bodies over 65,536 characters, so long bodies are shortened
 * here (or by the caller's own renderer) before they are sent.
 */
import { SlipwayError } from '@slipway/core';
import { GitHubApiError, type GitHubClient } from './client.js';

export const COMMENT_MAX_CHARS = 65_536;
/** The login GITHUB_TOKEN writes as. */
export const ACTIONS_BOT_LOGIN = 'github-actions[bot]';

export interface IssueComment {
  id: number;
  body?: string;
  html_url: string;
  user: { login: string; type?: string } | null;
}

/**
 * Whether a body is one Slipway wrote for this marker: the marker is its first line, where Slipway puts
 * it. A marker anywhere else is text (a user quoting it, or data that spells another model's marker).
 */
export function carriesMarker(body: string | null | undefined, marker: string): boolean {
  return typeof body === 'string' && (body === marker || body.startsWith(`${marker}\n`));
}

export function commentMarker(key: string): string {
  if (!/^[\w.:/-]{1,100}$/.test(key)) {
    throw new SlipwayError('COMMENT_KEY_INVALID', `comment key "${key}" is not usable in a marker`, {
      hint: 'use 1–100 characters from letters, digits, `_ . : / -`',
    });
  }
  return `<!-- slipway:report key=${key} -->`;
}

/**
 * The login our comments carry. A PAT or user token can ask `GET /user`; an installation token
 * (GITHUB_TOKEN, GitHub Apps) cannot, and writes as `<app>[bot]` — `github-actions[bot]` unless told.
 */
export async function resolveIdentity(client: GitHubClient, fallback = ACTIONS_BOT_LOGIN): Promise<string> {
  try {
    const res = await client.request<{ login: string }>('GET', '/user');
    return res.data.login;
  } catch (err) {
    if (err instanceof GitHubApiError && (err.status === 403 || err.status === 401 || err.status === 404)) {
      return fallback;
    }
    throw err;
  }
}

export function sameLogin(a: string, b: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/\[bot\]$/, '');
  return norm(a) === norm(b);
}

export interface UpsertCommentOptions {
  owner: string;
  repo: string;
  issueNumber: number;
  /** One comment per key, e.g. `eval/flight-delay`. */
  key: string;
  body: string;
  /** The login that writes (see resolveIdentity); comments by anyone else are never touched. */
  identity: string;
  /** Called when `body` (with the marker) is too long: return a version of at most `maxChars`. */
  shorten?: (maxChars: number) => string;
  /** Link put at the end of a generically shortened body (e.g. the run URL with the full report). */
  fullReportUrl?: string | null;
  maxChars?: number;
}

export interface UpsertCommentResult {
  action: 'created' | 'updated' | 'unchanged';
  id: number;
  url: string;
  truncated: boolean;
  /** Comments that carried our marker but were written by someone else (left alone). */
  ignored: number;
}

export async function upsertComment(
  client: GitHubClient,
  o: UpsertCommentOptions,
): Promise<UpsertCommentResult> {
  const marker = commentMarker(o.key);
  const max = o.maxChars ?? COMMENT_MAX_CHARS;
  const { body, truncated } = composeBody(marker, o.body, max, o.shorten, o.fullReportUrl ?? null);
  const base = `/repos/${o.owner}/${o.repo}/issues`;
  const comments = await client.paginate<IssueComment>(`${base}/${o.issueNumber}/comments`);
  const marked = comments.filter((c) => carriesMarker(c.body, marker));
  const ours = marked.filter((c) => c.user && sameLogin(c.user.login, o.identity));
  const ignored = marked.length - ours.length;
  // Ascending id order: the oldest of ours is the one that stays (a duplicate from an old race is left).
  const existing = ours[0];
  if (existing) {
    if (existing.body === body) {
      return { action: 'unchanged', id: existing.id, url: existing.html_url, truncated, ignored };
    }
    const res = await client.request<IssueComment>('PATCH', `${base}/comments/${existing.id}`, {
      body: { body },
    });
    return { action: 'updated', id: res.data.id, url: res.data.html_url, truncated, ignored };
  }
  const res = await client.request<IssueComment>('POST', `${base}/${o.issueNumber}/comments`, {
    body: { body },
  });
  return { action: 'created', id: res.data.id, url: res.data.html_url, truncated, ignored };
}

function composeBody(
  marker: string,
  body: string,
  max: number,
  shorten: UpsertCommentOptions['shorten'],
  link: string | null,
): { body: string; truncated: boolean } {
  const full = `${marker}\n${body}`;
  if (full.length <= max) return { body: full, truncated: false };
  const room = max - marker.length - 1;
  let short = shorten ? shorten(room) : truncateMarkdown(body, room, link);
  // A caller's renderer that overshoots still must not get the comment rejected.
  if (short.length > room) short = truncateMarkdown(short, room, link);
  return { body: `${marker}\n${short}`, truncated: true };
}

/**
 * Cuts Markdown at a line boundary to at most `maxChars`, closing an open code fence and `<details>`,
 * and ends with a note that links the full report. The top of a report (verdict, gates) survives.
 */
export function truncateMarkdown(markdown: string, maxChars: number, fullReportUrl: string | null): string {
  if (markdown.length <= maxChars) return markdown;
  const note = fullReportUrl
    ? `\n\n> [!NOTE]\n> This report was shortened to fit GitHub's comment limit. [Full report](${fullReportUrl})\n`
    : "\n\n> [!NOTE]\n> This report was shortened to fit GitHub's comment limit; the job summary has the rest.\n";
  let budget = maxChars - note.length;
  for (;;) {
    if (budget <= 0) return note.trim().slice(0, maxChars);
    let cut = markdown.slice(0, budget);
    const nl = cut.lastIndexOf('\n');
    if (nl > budget / 2) cut = cut.slice(0, nl);
    let tail = '';
    const fences = cut.match(/^\s*(```|~~~)/gm)?.length ?? 0;
    if (fences % 2 === 1) tail += '\n```';
    const opened = (cut.match(/<details\b/gi) ?? []).length - (cut.match(/<\/details>/gi) ?? []).length;
    if (opened > 0) tail += '\n</details>'.repeat(opened);
    const out = `${cut}${tail}${note}`;
    if (out.length <= maxChars) return out;
    budget -= out.length - maxChars;
  }
}
