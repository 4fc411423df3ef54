import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fsError } from './errors.js';

export type HashAlgorithm = 'md5' | 'sha256';

const CHUNK = 1 << 20;

/** Hex digest of a file, read as a stream in 1 MiB chunks so memory stays flat for any size. */
export async function hashFile(path: string, algorithm: HashAlgorithm = 'sha256'): Promise<string> {
  const hash = createHash(algorithm);
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) hash.update(chunk as Buffer);
  } catch (err) {
    throw fsError(err, path, 'read the file to hash it');
  }
  return hash.digest('hex');
}

export const md5File = (path: string): Promise<string> => hashFile(path, 'md5');
export const sha256File = (path: string): Promise<string> => hashFile(path, 'sha256');

export function hashBytes(data: string | Uint8Array, algorithm: HashAlgorithm = 'sha256'): string {
  return createHash(algorithm).update(data).digest('hex');
}

export interface DirectoryEntryHash {
  /** POSIX-style path relative to the directory. */
  path: string;
  hash: string;
  size: number;
}

/** Every regular file below `dir`, sorted by relative POSIX path. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(current: string): Promise<void> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch (err) {
      throw fsError(err, current, 'list the directory');
    }
    for (const entry of entries) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push(relative(dir, full).split(sep).join('/'));
    }
  }
  await walk(dir);
  return out.sort();
}

/**
 * Content hash of a directory: the hash of "path\0hash\n" lines over its sorted files, so it changes
 * when any file's bytes or name change and never depends on mtime or listing order.
 */
export async function hashDirectory(
  dir: string,
  algorithm: HashAlgorithm = 'sha256',
): Promise<{ hash: string; files: DirectoryEntryHash[] }> {
  const { stat } = await import('node:fs/promises');
  const files: DirectoryEntryHash[] = [];
  for (const path of await listFiles(dir)) {
    const full = join(dir, path);
    files.push({ path, hash: await hashFile(full, algorithm), size: (await stat(full)).size });
  }
  const top = createHash(algorithm);
  for (const f of files) top.update(`${f.path}\0${f.hash}\n`);
  return { hash: top.digest('hex'), files };
}

/** Stable JSON (sorted keys) so that equal values hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
      );
    }
    return v;
  });
}

export function hashJson(value: unknown, algorithm: HashAlgorithm = 'sha256'): string {
  return hashBytes(canonicalJson(value), algorithm);
}
