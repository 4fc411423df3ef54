import type { Table } from '@slipway/data';
import type { LoadedModelPackage, Predictions } from '@slipway/training';
import { describe, expect, it } from 'vitest';
import { createRng } from '../util/rng.js';
import { explainModel } from './explain.js';

/** A 3-class model: class 0 when a < 0, else class 1 when b < 0, else class 2; c is ignored. */
function model(): LoadedModelPackage {
  const predictTable = async (t: Table): Promise<Predictions> => {
    const get = (name: string) => t.columns.find((c) => c.name === name)?.values as Float64Array;
    const a = get('a');
    const b = get('b');
    const values = new Float64Array(t.rowCount);
    const probabilities = new Float64Array(t.rowCount * 3);
    for (let i = 0; i < t.rowCount; i++) {
      const za = 1 / (1 + Math.exp(4 * (a[i] as number)));
      const zb = 1 / (1 + Math.exp(4 * (b[i] as number)));
      const p = [za, (1 - za) * zb, (1 - za) * (1 - zb)];
      p.forEach((v, j) => {
        probabilities[i * 3 + j] = v;
      });
      values[i] = p.indexOf(Math.max(...p));
    }
    return { task: 'multiclass', n: t.rowCount, values, probabilities };
  };
  return {
    signature: {
      inputs: ['a', 'b', 'c'].map((name) => ({ name, kind: 'number' })),
      classes: ['low', 'mid', 'high'],
    },
    predictTable,
  } as unknown as LoadedModelPackage;
}

describe('explainModel, multiclass', () => {
  it('attributes each class probability and each class recall to the features that drive it', async () => {
    const rng = createRng(3);
    const n = 300;
    const cols = ['a', 'b', 'c'].map((name) => ({
      name,
      kind: 'number' as const,
      sqlType: 'DOUBLE',
      values: Float64Array.from({ length: n }, () => rng.next() * 4 - 2),
      valid: new Uint8Array(n).fill(1),
    }));
    const table: Table = { rowCount: n, columns: cols };
    const m = model();
    const y = (await m.predictTable(table)).values;
    const r = await explainModel({
      model: m,
      table,
      y,
      task: 'multiclass',
      metric: 'accuracy',
      threshold: 0.5,
      k: 3,
      sample: 200,
      background: 20,
      shapRows: 6,
      repeats: 3,
      permutations: 4,
      seed: 1,
      classes: ['low', 'mid', 'high'],
    });
    const by = Object.fromEntries(r.importances.map((e) => [e.feature, e]));
    const cls = (f: string, label: string) => by[f]?.perClass?.find((c) => c.label === label);
    // P(low) depends on a only; b matters for mid and high; c for nothing.
    expect(cls('b', 'low')?.meanAbsShap).toBeLessThan(1e-12);
    expect(cls('a', 'low')?.meanAbsShap).toBeGreaterThan(0.1);
    expect(cls('b', 'mid')?.meanAbsShap).toBeGreaterThan(0.05);
    for (const label of ['low', 'mid', 'high']) {
      expect(cls('c', label)?.meanAbsShap).toBeLessThan(1e-12);
      expect(cls('c', label)?.permutation).toBe(0);
    }
    // Recall of "low" drops far more when a is shuffled than when b is (b only moves rows near a's boundary).
    expect(cls('a', 'low')?.permutation).toBeGreaterThan(0.2);
    expect(cls('b', 'low')?.permutation).toBeLessThan((cls('a', 'low')?.permutation as number) / 5);
    // The overall value is the mean over the classes.
    const a = by.a;
    const mean = (a?.perClass ?? []).reduce((s, c) => s + (c.meanAbsShap as number), 0) / 3;
    expect(a?.meanAbsShap).toBeCloseTo(mean, 12);
    expect(r.shap.maxAdditivityError).toBeLessThan(1e-9);
    expect(r.note).toContain('SHAP of each of the 3 class probabilities');
  });
});
