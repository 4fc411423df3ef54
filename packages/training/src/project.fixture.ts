/** Small synthetic projects for the unit tests: a config module and CSV splits in a temp directory. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LoadedConfig, loadConfig } from '@slipway/core';
import { mulberry32 } from './random.js';

export interface FixtureRow {
  x1: number | null;
  x2: number;
  cat: string;
  when: string;
  label: number | string;
}

/** Deterministic rows where the label depends on x1, x2 and cat (learnable in an epoch or two). */
export function syntheticRows(n: number, seed = 1, classes: 2 | 3 = 2): FixtureRow[] {
  const rng = mulberry32(seed);
  const cats = ['a', 'b', 'c', 'd'];
  return Array.from({ length: n }, (_, i) => {
    const x1 = rng() * 4 - 2;
    const x2 = rng() * 100;
    const cat = cats[Math.floor(rng() * cats.length)]!;
    const score = x1 + (cat === 'a' ? 1.5 : cat === 'b' ? -1 : 0) + (x2 - 50) / 50 + (rng() - 0.5);
    const label = classes === 2 ? (score > 0 ? 1 : 0) : score > 1 ? 'high' : score > -0.5 ? 'mid' : 'low';
    const when = new Date(Date.UTC(2001, 0, 1) + i * 3_600_000 * 7).toISOString();
    return { x1: Math.round(x1 * 1000) / 1000, x2: Math.round(x2 * 100) / 100, cat, when, label };
  });
}

export function toCsv(rows: Record<string, unknown>[]): string {
  const header = Object.keys(rows[0]!);
  const cell = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  return `${header.join(',')}\n${rows.map((r) => header.map((h) => cell(r[h])).join(',')).join('\n')}\n`;
}

export interface FixtureOptions {
  train?: Record<string, unknown>[] | string;
  eval?: Record<string, unknown>[] | string;
  /** Replaces parts of the default config (shallow per section). */
  config?: Record<string, unknown>;
  /** Extra lines at the top of the config module (imports, registerTransform calls). */
  prelude?: string;
}

export const DEFAULT_FEATURES = [
  { column: 'x1', transform: 'standardize' },
  { column: 'x2', transform: 'minmax' },
  { column: 'cat', transform: 'oneHot' },
  { column: 'when', transform: 'datetime', parts: ['hour', 'dayOfWeek'], cyclical: true },
];

export async function makeProject(
  options: FixtureOptions = {},
): Promise<{ dir: string; load: () => Promise<LoadedConfig> }> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-train-'));
  const write = async (name: string, rows: Record<string, unknown>[] | string) =>
    writeFile(join(dir, name), typeof rows === 'string' ? rows : toCsv(rows));
  await write('train.csv', options.train ?? (syntheticRows(300, 1) as unknown as Record<string, unknown>[]));
  await write('eval.csv', options.eval ?? (syntheticRows(100, 2) as unknown as Record<string, unknown>[]));
  const base: Record<string, unknown> = {
    project: { name: 'fixture' },
    data: { train: 'train.csv', eval: 'eval.csv', label: 'label' },
    features: DEFAULT_FEATURES,
    model: { task: 'binary', type: 'mlp', hidden: [8] },
    training: { backend: 'cpu', epochs: 2, batchSize: 32, seed: 7, validationSplit: 0.2 },
  };
  const config = { ...base, ...(options.config ?? {}) };
  await writeFile(
    join(dir, 'slipway.config.mjs'),
    `${options.prelude ?? ''}\nexport default ${JSON.stringify(config, null, 2)};\n`,
  );
  return { dir, load: () => loadConfig({ cwd: dir }) };
}
