/**
 * Permutation importance (scikit-learn's permutation_importance): the drop in a score when one
 * feature's values are shuffled across rows, averaged over repeats. All shuffled copies go to the
 * model in one batch. Scores are "greater is better" (pass a negated loss).
 */
import type { Table } from '@slipway/data';
import { createRng, permutation } from '../util/rng.js';
import { gatherColumn } from './table.js';

export interface PermutationImportanceOptions<P> {
  predict: (table: Table) => Promise<P>;
  /** Greater is better; receives predictions for `rows` rows starting at `offset` of a batch. */
  score: (predictions: P, offset: number, rows: number) => number;
  table: Table;
  features: readonly string[];
  repeats?: number;
  seed?: number;
  /** More scores over the same shuffled batch (e.g. one per class), reported under `extra`. */
  extraScores?: Record<string, (predictions: P, offset: number, rows: number) => number>;
}

export interface PermutationImportance {
  feature: string;
  mean: number;
  std: number;
  importances: number[];
}

export async function permutationImportance<P>(options: PermutationImportanceOptions<P>): Promise<{
  baseline: number;
  importances: PermutationImportance[];
  extra: Record<string, { baseline: number; importances: PermutationImportance[] }>;
}> {
  const { table, features } = options;
  const n = table.rowCount;
  const repeats = options.repeats ?? 5;
  const rng = createRng(options.seed ?? 7);
  const blocks = features.length * repeats;
  // One batch: the original rows, then each (feature, repeat) copy with that column shuffled.
  const total = n * (blocks + 1);
  const base = new Int32Array(total);
  for (let j = 0; j < total; j++) base[j] = j % n;
  const columns = table.columns.map((col) => {
    const f = features.indexOf(col.name);
    if (f < 0) return gatherColumn(col, base);
    const idx = base.slice();
    for (let r = 0; r < repeats; r++) {
      const perm = permutation(n, rng);
      const start = n * (1 + f * repeats + r);
      for (let i = 0; i < n; i++) idx[start + i] = perm[i] as number;
    }
    return gatherColumn(col, idx);
  });
  const preds = await options.predict({ rowCount: total, columns });
  const drops = (score: PermutationImportanceOptions<P>['score']) => {
    const baseline = score(preds, 0, n);
    const importances = features.map((feature, f) => {
      const values: number[] = [];
      for (let r = 0; r < repeats; r++) values.push(baseline - score(preds, n * (1 + f * repeats + r), n));
      const mean = values.reduce((a, b) => a + b, 0) / repeats;
      const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / repeats);
      return { feature, mean, std, importances: values };
    });
    return { baseline, importances };
  };
  const extra = Object.fromEntries(
    Object.entries(options.extraScores ?? {}).map(([k, fn]) => [k, drops(fn)]),
  );
  return { ...drops(options.score), extra };
}
