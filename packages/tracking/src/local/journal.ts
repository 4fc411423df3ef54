import { open, readFile } from 'node:fs/promises';
import { fsError, SlipwayError } from '@slipway/core';
import { parseJson } from '../json.js';

/**
 * Append-only files (one JSON object or one text line per line). A writer that dies mid-append leaves at most
 * one unterminated last line: readers ignore it, and the next writer (under the lock) cuts it off before
 * appending, so every complete line is always intact.
 */
export async function appendLines(file: string, text: string): Promise<void> {
  const handle = await open(file, 'a+').catch((err) => {
    throw fsError(err, file, 'open the store file for appending');
  });
  try {
    const { size } = await handle.stat();
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) await handle.truncate(await lastNewlineEnd(handle, size));
    }
    await handle.appendFile(text);
  } finally {
    await handle.close();
  }
}

async function lastNewlineEnd(handle: import('node:fs/promises').FileHandle, size: number): Promise<number> {
  const chunk = Buffer.alloc(65_536);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const idx = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (idx >= 0) return start + idx + 1;
    end = start;
  }
  return 0;
}

/** Complete lines of a file ('' when it does not exist); an unterminated tail is a torn write and dropped. */
export async function readLines(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw fsError(err, file, 'read the store file');
  }
  const lines = text.split('\n');
  lines.pop(); // '' after the final newline, or the torn tail
  return lines;
}

export function corrupt(file: string, detail: string): SlipwayError {
  return new SlipwayError('TRACKING_STORE_CORRUPT', `${file}: ${detail}`, {
    hint: 'the local tracking store file was edited or damaged; restore it from a backup or remove the broken entry',
  });
}

/** Each complete line parsed as a JSON object; a bad line is an error naming the file and line. */
export async function readJsonLines(file: string): Promise<Record<string, unknown>[]> {
  const lines = await readLines(file);
  return lines.map((line, i) => {
    let value: unknown;
    try {
      value = parseJson(line);
    } catch (err) {
      throw corrupt(file, `line ${i + 1} is not valid JSON (${(err as Error).message})`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw corrupt(file, `line ${i + 1} is not a JSON object`);
    return value as Record<string, unknown>;
  });
}

/** A JSON file of the store (written atomically); a missing file is `undefined`, a broken one an error. */
export async function readJsonFile<T>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fsError(err, file, 'read the store file');
  }
  try {
    const value = parseJson(text);
    if (value === null || typeof value !== 'object') throw new Error('not a JSON object');
    return value as T;
  } catch (err) {
    throw corrupt(file, `is not valid JSON (${(err as Error).message})`);
  }
}
