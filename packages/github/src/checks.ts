/**
 * Check runs with annotations. GitHub takes at most 50 annotations per request, so the run is created
 * with the first 50 and the rest are appended with PATCH, 50 at a time. Text fields are capped to the
 * limits of the API (summary/text 65,535 characters, title 255).
 */
import { readFile } from 'node:fs/promises';
import type { GitHubClient } from './client.js';
import { truncateMarkdown } from './comment.js';

export const ANNOTATIONS_PER_REQUEST = 50;
export const CHECK_TEXT_MAX = 65_535;

export type AnnotationLevel = 'notice' | 'warning' | 'failure';

export interface Annotation {
  /** Repository-relative path, e.g. `data/train.csv` or `slipway.config.ts`. */
  path: string;
  startLine: number;
  endLine?: number;
  level: AnnotationLevel;
  message: string;
  title?: string;
  rawDetails?: string;
}

export type CheckConclusion =
  | 'success'
  | 'failure'
  | 'neutral'
  | 'cancelled'
  | 'skipped'
  | 'timed_out'
  | 'action_required';

export interface CheckRunOptions {
  owner: string;
  repo: string;
  name: string;
  headSha: string;
  conclusion: CheckConclusion;
  title: string;
  summary: string;
  text?: string;
  detailsUrl?: string | null;
  annotations?: Annotation[];
  fullReportUrl?: string | null;
}

export interface CheckRunResult {
  id: number;
  url: string;
  annotations: number;
  requests: number;
}

interface CheckRunResponse {
  id: number;
  html_url: string | null;
}

function toApi(a: Annotation) {
  return {
    path: a.path,
    start_line: Math.max(1, a.startLine),
    end_line: Math.max(1, a.endLine ?? a.startLine),
    annotation_level: a.level,
    message: a.message.slice(0, 64 * 1024),
    ...(a.title ? { title: a.title.slice(0, 255) } : {}),
    ...(a.rawDetails ? { raw_details: a.rawDetails.slice(0, 64 * 1024) } : {}),
  };
}

export async function createCheckRun(client: GitHubClient, o: CheckRunOptions): Promise<CheckRunResult> {
  const annotations = (o.annotations ?? []).map(toApi);
  const output = (batch: ReturnType<typeof toApi>[]) => ({
    title: o.title.slice(0, 255),
    summary: truncateMarkdown(o.summary, CHECK_TEXT_MAX, o.fullReportUrl ?? null),
    ...(o.text ? { text: truncateMarkdown(o.text, CHECK_TEXT_MAX, o.fullReportUrl ?? null) } : {}),
    annotations: batch,
  });
  const path = `/repos/${o.owner}/${o.repo}/check-runs`;
  const first = annotations.slice(0, ANNOTATIONS_PER_REQUEST);
  const created = await client.request<CheckRunResponse>('POST', path, {
    body: {
      name: o.name,
      head_sha: o.headSha,
      status: 'completed',
      conclusion: o.conclusion,
      completed_at: new Date().toISOString(),
      ...(o.detailsUrl ? { details_url: o.detailsUrl } : {}),
      output: output(first),
    },
  });
  let requests = 1;
  for (let i = ANNOTATIONS_PER_REQUEST; i < annotations.length; i += ANNOTATIONS_PER_REQUEST) {
    await client.request('PATCH', `${path}/${created.data.id}`, {
      body: { output: output(annotations.slice(i, i + ANNOTATIONS_PER_REQUEST)) },
    });
    requests++;
  }
  return { id: created.data.id, url: created.data.html_url ?? '', annotations: annotations.length, requests };
}

/**
 * The 1-based line of the first line in `file` that matches `pattern` (e.g. a gate's metric name in
 * slipway.config.ts), or 1 when the file has no such line: annotations need a line to point at.
 */
export async function locateLine(file: string, pattern: string | RegExp): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return 1;
  }
  const lines = text.split('\n');
  const test =
    typeof pattern === 'string' ? (l: string) => l.includes(pattern) : (l: string) => pattern.test(l);
  const i = lines.findIndex(test);
  return i === -1 ? 1 : i + 1;
}
