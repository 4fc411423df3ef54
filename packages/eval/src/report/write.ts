/** report.json, report.md and report.html side by side, each written atomically. */
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  componentsBelow,
  EVAL_REPORT_SCHEMA,
  evalReportHeaderSchema,
  fsError,
  isSlipwayError,
  mkdirInside,
  SlipwayError,
  writeFileAtomic,
  writeJsonAtomic,
} from '@slipway/core';
import { renderHtml } from './html.js';
import { type MarkdownOptions, renderMarkdown } from './markdown.js';
import type { EvalReport } from './types.js';

export interface WrittenReports {
  json: string;
  markdown: string;
  html: string;
}

export async function writeReports(
  report: EvalReport,
  dir: string,
  options: MarkdownOptions & { root?: string } = {},
): Promise<WrittenReports> {
  const out = resolve(dir);
  // Inside the repository, no directory on the way may be a link (a clone can commit one).
  const place = options.root ? { root: options.root } : {};
  try {
    if (options.root && componentsBelow(options.root, out)) mkdirInside(options.root, out);
    else await mkdir(out, { recursive: true });
  } catch (err) {
    if (isSlipwayError(err)) throw err;
    throw fsError(err, out, 'creating the report directory');
  }
  const paths = {
    json: join(out, 'report.json'),
    markdown: join(out, 'report.md'),
    html: join(out, 'report.html'),
  };
  await writeJsonAtomic(paths.json, report, place);
  await writeFileAtomic(paths.markdown, renderMarkdown(report, options), place);
  await writeFileAtomic(paths.html, renderHtml(report), place);
  return paths;
}

/** Reads a report.json written by `writeReports`, checking its schema version and header. */
export async function readEvalReport(path: string): Promise<EvalReport> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw fsError(err, path, 'reading the evaluation report');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SlipwayError('EVAL_REPORT_INVALID', `${path}: not JSON (${(err as Error).message})`, {
      hint: 'regenerate it with `slipway eval`',
    });
  }
  const schema = (value as { schema?: unknown } | null)?.schema;
  if (schema !== EVAL_REPORT_SCHEMA) {
    throw new SlipwayError(
      'EVAL_REPORT_INVALID',
      `${path}: schema is ${JSON.stringify(schema ?? null)}, expected "${EVAL_REPORT_SCHEMA}"`,
      {
        hint: 'regenerate it with this version of `slipway eval`',
      },
    );
  }
  const header = evalReportHeaderSchema.safeParse(value);
  if (!header.success) {
    const issue = header.error.issues[0];
    throw new SlipwayError(
      'EVAL_REPORT_INVALID',
      `${path}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
      {
        hint: 'regenerate it with `slipway eval`',
      },
    );
  }
  return value as EvalReport;
}
