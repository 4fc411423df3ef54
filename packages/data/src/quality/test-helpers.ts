// Shared fixtures for this folder's tests (not exported from the package).
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Column, Table } from '../table/types.js';

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'slipway-quality-'));
}

export async function writeText(name: string, text: string | Uint8Array): Promise<string> {
  const path = join(await tempDir(), name);
  await writeFile(path, text);
  return path;
}

export function numberColumn(name: string, values: (number | null)[], sqlType = 'DOUBLE'): Column {
  return {
    name,
    sqlType,
    kind: 'number',
    values: Float64Array.from(values, (v) => (v === null ? Number.NaN : v)),
    valid: Uint8Array.from(values, (v) => (v === null ? 0 : 1)),
  };
}

export function stringColumn(name: string, values: (string | null)[]): Column {
  return { name, sqlType: 'VARCHAR', kind: 'string', values };
}

export function table(...columns: Column[]): Table {
  return { rowCount: columns[0]?.values.length ?? 0, columns };
}

/** Deterministic pseudo-random numbers (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function normal(r: () => number, mean = 0, sd = 1): number {
  const u = Math.max(r(), 1e-12);
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}
