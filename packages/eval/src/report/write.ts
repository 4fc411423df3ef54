/** report.json, report.md and report.html side by side, each written atomically. */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fsError, writeFileAtomic, writeJsonAtomic } from '@slipway/core';
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
  options: MarkdownOptions = {},
): Promise<WrittenReports> {
  const out = resolve(dir);
  try {
    await mkdir(out, { recursive: true });
  } catch (err) {
    throw fsError(err, out, 'creating the report directory');
  }
  const paths = {
    json: join(out, 'report.json'),
    markdown: join(out, 'report.md'),
    html: join(out, 'report.html'),
  };
  await writeJsonAtomic(paths.json, report);
  await writeFileAtomic(paths.markdown, renderMarkdown(report, options));
  await writeFileAtomic(paths.html, renderHtml(report));
  return paths;
}
