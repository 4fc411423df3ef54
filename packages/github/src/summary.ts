/**
 * The job summary: Markdown appended to the file in GITHUB_STEP_SUMMARY. The runner refuses a step's
 * summary over 1 MiB ("upload aborted"), so what we append is cut to the room left in the file.
 */
import { appendFile, stat } from 'node:fs/promises';
import { SlipwayError } from '@slipway/core';
import { truncateMarkdown } from './comment.js';

export const SUMMARY_MAX_BYTES = 1024 * 1024;

export interface SummaryResult {
  written: boolean;
  bytes: number;
  truncated: boolean;
}

export async function appendJobSummary(
  markdown: string,
  options: { env?: NodeJS.ProcessEnv; fullReportUrl?: string | null } = {},
): Promise<SummaryResult> {
  const file = (options.env ?? process.env).GITHUB_STEP_SUMMARY;
  if (!file) return { written: false, bytes: 0, truncated: false };
  let used = 0;
  try {
    used = (await stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw summaryError(file, err);
  }
  const room = SUMMARY_MAX_BYTES - used - 1;
  let text = markdown.endsWith('\n') ? markdown : `${markdown}\n`;
  let truncated = false;
  if (Buffer.byteLength(text) > room) {
    truncated = true;
    // Characters can be up to 4 bytes; shrink until the UTF-8 size fits.
    let chars = Math.min(text.length, room);
    do {
      text = truncateMarkdown(markdown, chars, options.fullReportUrl ?? null);
      chars = Math.floor(chars * 0.9);
    } while (Buffer.byteLength(text) > room && chars > 0);
    if (Buffer.byteLength(text) > room) return { written: false, bytes: 0, truncated };
  }
  try {
    await appendFile(file, text);
  } catch (err) {
    throw summaryError(file, err);
  }
  return { written: true, bytes: Buffer.byteLength(text), truncated };
}

function summaryError(file: string, err: unknown): SlipwayError {
  return new SlipwayError(
    'SUMMARY_UNWRITABLE',
    `${file}: cannot write the job summary (${(err as Error).message})`,
    {
      hint: 'GITHUB_STEP_SUMMARY must name a writable file (the runner sets it)',
      cause: err,
    },
  );
}
