import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '@slipway/core/base';

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
  // A plain object straight from JSON.parse: no second copy into a Map for tens of thousands of files.
  private entries: Record<string, string>;
  private dirty = false;

  private constructor(file: string | undefined, entries: Record<string, string>) {
    this.file = file;
    this.entries = entries;
  }

  static memory(): HashState {
    return new HashState(undefined, Object.create(null));
  }

  static async load(dvcDir: string): Promise<HashState> {
    const file = join(dvcDir, 'tmp', 'slipway-state.json');
    let entries: Record<string, string> = Object.create(null);
    try {
      const raw = JSON.parse(await readFile(file, 'utf8')) as { v: number; e: Record<string, string> };
      if (raw.v === 2 && raw.e && typeof raw.e === 'object' && !Array.isArray(raw.e)) entries = raw.e;
    } catch {
      // Missing or damaged: start empty, everything gets hashed once.
    }
    return new HashState(file, entries);
  }

  get(key: FileKey): string | undefined {
    const v = this.entries[key.ino];
    // "<mtime> <size> <md5>": compare the prefix instead of splitting (this runs once per file).
    if (typeof v !== 'string' || v.length !== key.mtime.length + String(key.size).length + 34)
      return undefined;
    return v.startsWith(`${key.mtime} ${key.size} `) ? v.slice(-32) : undefined;
  }

  set(key: FileKey, md5: string): void {
    const value = `${key.mtime} ${key.size} ${md5}`;
    if (this.entries[key.ino] === value) return;
    this.entries[key.ino] = value;
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (!this.file || !this.dirty) return;
    const keys = Object.keys(this.entries);
    if (keys.length > MAX_ENTRIES) {
      // Forget an arbitrary surplus; they are only re-hashed if seen again.
      const kept: Record<string, string> = Object.create(null);
      for (const k of keys.slice(keys.length - MAX_ENTRIES)) kept[k] = this.entries[k] as string;
      this.entries = kept;
    }
    // The project root is two levels up (<root>/.dvc/tmp/…): no link on the way is followed.
    await writeFileAtomic(this.file, JSON.stringify({ v: 2, e: this.entries }), {
      root: dirname(dirname(dirname(this.file))),
    });
    this.dirty = false;
  }
}
