import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '@slipway/core/base';

/** pathspec's `GitWildMatchPattern.escape`, which DVC applies to the entry. */
const escapeGitPattern = (s: string) => s.replace(/[[\]!*#?]/g, (c) => `\\${c}`);

/**
 * Adds `/<name>` to the `.gitignore` beside the output, as DVC does: appended once, with a newline
 * first when the file does not end in one.
 */
export async function ignoreOutput(abs: string, root?: string): Promise<string | undefined> {
  const file = join(dirname(abs), '.gitignore');
  const entry = `/${escapeGitPattern(basename(abs))}`;
  const text = existsSync(file) ? await readFile(file, 'utf8') : '';
  const lines = new Set(text.split('\n'));
  if (lines.has(entry)) return undefined;
  const prefix = text === '' || text.endsWith('\n') ? '' : '\n';
  await writeFileAtomic(file, `${text}${prefix}${entry}\n`, root ? { root } : {});
  return file;
}
