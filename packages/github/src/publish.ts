/**
 * Where a report goes on GitHub: the job summary always; the PR comment (one per key, edited in place)
 * on pull requests; a check run on the head commit. A token that may not write (fork pull requests get a
 * read-only GITHUB_TOKEN) turns the comment/check into a warning, never a failed job: the summary still
 * carries the report.
 */
import { type Annotation, type CheckConclusion, type CheckRunResult, createCheckRun } from './checks.js';
import { GitHubApiError, type GitHubClient } from './client.js';
import { resolveIdentity, type UpsertCommentResult, upsertComment } from './comment.js';
import type { ActionContext } from './context.js';
import { appendJobSummary, type SummaryResult } from './summary.js';

export interface PublishReportOptions {
  client: GitHubClient;
  context: ActionContext;
  /** One PR comment per key. */
  key: string;
  markdown: string;
  /** The caller's own shortening (e.g. renderMarkdown(report, { maxChars })). */
  shorten?: (maxChars: number) => string;
  comment?: boolean;
  /** Check run name; no check run when absent. */
  checkName?: string;
  conclusion?: CheckConclusion;
  checkTitle?: string;
  annotations?: Annotation[];
  /** Login our comments are written by when the token cannot say (`github-actions[bot]`). */
  identity?: string;
  env?: NodeJS.ProcessEnv;
}

export interface PublishReportResult {
  summary: SummaryResult;
  comment: UpsertCommentResult | null;
  check: CheckRunResult | null;
  /** Human sentences for what could not be done (the Action prints them as warnings). */
  warnings: string[];
}

function notAllowed(err: unknown): err is GitHubApiError {
  return err instanceof GitHubApiError && (err.status === 403 || err.status === 401);
}

export async function publishReport(o: PublishReportOptions): Promise<PublishReportResult> {
  const warnings: string[] = [];
  const { context } = o;
  const summary = await appendJobSummary(o.markdown, { env: o.env, fullReportUrl: context.runUrl });
  const pr = context.pullRequest;
  const readOnly = (what: string, err: GitHubApiError) =>
    pr?.fork
      ? `${what} skipped: this pull request comes from the fork ${pr.headRepo ?? '(deleted)'}, and GitHub gives fork pull requests a read-only token (${err.githubMessage}). The report is in the job summary; see docs/security.md for the workflow_run pattern that comments on fork PRs.`
      : `${what} skipped: the token may not write (${err.githubMessage}). Add the permission to the job (see docs/security.md).`;

  let comment: UpsertCommentResult | null = null;
  if (o.comment !== false && pr) {
    try {
      const identity = await resolveIdentity(o.client, o.identity);
      comment = await upsertComment(o.client, {
        owner: context.owner,
        repo: context.repo,
        issueNumber: pr.number,
        key: o.key,
        body: o.markdown,
        identity,
        shorten: o.shorten,
        fullReportUrl: context.runUrl,
      });
      if (comment.ignored > 0) {
        warnings.push(
          `${comment.ignored} comment(s) by other users carry the Slipway marker for "${o.key}"; they were left alone.`,
        );
      }
    } catch (err) {
      if (!notAllowed(err)) throw err;
      warnings.push(readOnly('PR comment', err));
    }
  }

  let check: CheckRunResult | null = null;
  if (o.checkName && context.sha) {
    try {
      check = await createCheckRun(o.client, {
        owner: context.owner,
        repo: context.repo,
        name: o.checkName,
        headSha: context.sha,
        conclusion: o.conclusion ?? 'neutral',
        title: o.checkTitle ?? o.checkName,
        summary: o.markdown,
        detailsUrl: context.runUrl,
        annotations: o.annotations,
        fullReportUrl: context.runUrl,
      });
    } catch (err) {
      if (!notAllowed(err)) throw err;
      warnings.push(readOnly('Check run', err));
    }
  }
  return { summary, comment, check, warnings };
}
