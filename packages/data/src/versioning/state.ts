import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@slipway/core';

/** What identifies an unchanged file: same inode, same mtime (ms, sub-µs precision), same size. */
export interface FileKey {
  ino: string;
  mtime: string;
  size: number;
}

const MAX_ENTRIES = 1_000_000;

/**
 * Remembers md5s by (inode, mtime, size), like DVC's state database, so unchanged files are never
 * re-read. Kept in `.dvc/tmp/` (git-ignored); losing it only costs a re-hash.
 */
export class HashState {
  private readonly file: string | undefined;
  private readonly entries: Map<string, string>;
  private dirty = false;

  private constructor(file: string | undefined, entries: Map<string, string>) {
    this.file = file;
    this.entries = entries;
  }

  static memory(): HashState {
    return new HashState(undefined, new Map());
  }

  static async load(dvcDir: string): Promise<HashState> {
    const file = join(dvcDir, 'tmp', 'slipway-state.json');
    let entries = new Map<string, string>();
    try {
      const raw = JSON.parse(await readFile(file, 'utf8')) as { v: number; e: Record<string, string> };
      if (raw.v === 2 && raw.e && typeof raw.e === 'object') entries = new Map(Object.entries(raw.e));
    } catch {
      // Missing or damaged: start empty, everything gets hashed once.
    }
    return new HashState(file, entries);
  }

  get(key: FileKey): string | undefined {
    const v = this.entries.get(key.ino);
    // "<mtime> <size> <md5>": compare the prefix instead of splitting (this runs once per file).
    if (!v || v.length !== key.mtime.length + String(key.size).length + 34) return undefined;
    return v.startsWith(`${key.mtime} ${key.size} `) ? v.slice(-32) : undefined;
  }

  set(key: FileKey, md5: string): void {
    const value = `${key.mtime} ${key.size} ${md5}`;
    if (this.entries.get(key.ino) === value) return;
    this.entries.delete(key.ino);
    this.entries.set(key.ino, value);
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (!this.file || !this.dirty) return;
    let list = [...this.entries];
    if (list.length > MAX_ENTRIES) list = list.slice(list.length - MAX_ENTRIES);
    await writeFileAtomic(this.file, JSON.stringify({ v: 2, e: Object.fromEntries(list) }));
    this.dirty = false;
  }
}
