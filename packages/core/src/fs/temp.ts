/**
 * Names of temp files and directories that say who made them, and the sweep that removes those left by
 * a process that is gone (killed mid-write). Every temp Slipway creates next to its target ends in
 * `.<host>-<pid>-<start>-<random>.tmp`.
 */
import { randomBytes } from 'node:crypto';
import { lstat, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { OWNER_TAG_SOURCE, ownerGone, ownerTag, parseOwnerTag } from './owner.js';

const TEMP_RE = new RegExp(`\\.${OWNER_TAG_SOURCE}-[0-9a-f]{8}\\.tmp$`);

/** A temp on another host is only taken for abandoned after a day: its writer cannot be asked. */
const FOREIGN_TEMP_MS = 24 * 3600_000;

/** `<prefix>.<owner>-<random>.tmp`. */
export function tempName(prefix: string): string {
  return `${prefix}.${ownerTag()}-${randomBytes(4).toString('hex')}.tmp`;
}

/** A hidden temp path beside `path`, in the same directory so that a rename can replace it. */
export function tempPathFor(path: string): string {
  return join(dirname(path), tempName(`.${basename(path)}`));
}

/** Whether `name` is a temp of this naming whose writer is gone. */
export function isAbandonedTemp(name: string, mtimeMs?: number): boolean {
  const m = TEMP_RE.exec(name);
  if (!m) return false;
  return ownerGone(parseOwnerTag(m[1] as string, m[2] as string, m[3] as string), {
    lastSignMs: mtimeMs,
    staleMs: FOREIGN_TEMP_MS,
  });
}

/**
 * Removes the temps in `dir` (not below) whose writer is gone; returns their names. Callers run it
 * under the lock of the directory, so no live writer is between creating and renaming one.
 */
export async function sweepTemps(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!TEMP_RE.test(name)) continue;
    const path = join(dir, name);
    const st = await lstat(path).catch(() => undefined);
    if (!st || !isAbandonedTemp(name, st.mtimeMs)) continue;
    await rm(path, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
