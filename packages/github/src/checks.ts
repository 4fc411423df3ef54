/**
 * Check runs with annotations. GitHub takes at most 50 annotations per request, so the run is created
 * with the first 50 and the rest are appended with PATCH, 50 at a time. Text fields are capped to the
 * limits of the API (summary/text 65,535 characters, title 255).
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
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

/** Splits one CSV line into fields (RFC 4180 quotes; a quoted field spanning lines is not followed). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/**
 * The 1-based line of the first row of a CSV file whose `column` holds one of `values` (e.g. a
 * validation failure's sample), so an annotation can point at the offending row. Streams the file and
 * stops at the first match or after `maxLines`; null for other formats or when nothing matches.
 */
export async function locateCsvRow(
  file: string,
  column: string,
  values: readonly unknown[],
  maxLines = 1_000_000,
): Promise<number | null> {
  if (!/\.csv$/i.test(file) || values.length === 0) return null;
  const wanted = new Set(values.map((v) => (v === null || v === undefined ? '' : String(v))));
  const numeric = new Set([...wanted].map(Number).filter((n) => Number.isFinite(n)));
  let stream: ReturnType<typeof createReadStream>;
  try {
    stream = createReadStream(file, { encoding: 'utf8' });
  } catch {
    return null;
  }
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let index = -1;
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (n === 1) {
        index = csvFields(line).indexOf(column);
        if (index === -1) return null;
        continue;
      }
      const field = csvFields(line)[index] ?? '';
      if (wanted.has(field) || (field !== '' && numeric.has(Number(field)))) return n;
      if (n >= maxLines) return null;
    }
  } catch {
    return null;
  } finally {
    lines.close();
    stream.destroy();
  }
  return null;
}
