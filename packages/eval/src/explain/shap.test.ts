import type { Table } from '@slipway/data';
import { describe, expect, it } from 'vitest';
import { createRng } from '../util/rng.js';
import { permutationImportance } from './permutation.js';
import { shapValues } from './shap.js';

function table(m: number, n: number, seed: number): Table {
  const rng = createRng(seed);
  return {
    rowCount: n,
    columns: Array.from({ length: m }, (_, f) => ({
      name: `x${f}`,
      kind: 'number' as const,
      sqlType: 'DOUBLE',
      values: Float64Array.from({ length: n }, () => rng.next() * 4 - 2),
      valid: new Uint8Array(n).fill(1),
    })),
  };
}

const col = (t: Table, f: number) => t.columns[f]?.values as Float64Array;

describe('SHAP', () => {
  it('exact enumeration matches the closed form of a linear model', async () => {
    const w = [0.5, -2, 1.25, 0, 3];
    const linear = async (t: Table) =>
      Float64Array.from({ length: t.rowCount }, (_, i) =>
        w.reduce((s, wf, f) => s + wf * (col(t, f)[i] as number), 1),
      );
    const rows = table(5, 4, 1);
    const background = table(5, 30, 2);
    const r = await shapValues({ model: linear, rows, background, features: w.map((_, f) => `x${f}`) });
    expect(r.method).toBe('exact');
    for (let i = 0; i < 4; i++) {
      for (let f = 0; f < 5; f++) {
        const meanB = (col(background, f) as Float64Array).reduce((a, b) => a + b, 0) / 30;
        expect(r.values[i * 5 + f]).toBeCloseTo((w[f] as number) * ((col(rows, f)[i] as number) - meanB), 10);
      }
    }
  });

  it.each([
    [4, 'exact'],
    [10, 'exact'],
    [12, 'permutation'],
  ])('values sum to f(x) − E[f(x)] with interactions (%i features, %s)', async (m, method) => {
    const model = async (t: Table) =>
      Float64Array.from({ length: t.rowCount }, (_, i) => {
        const x = (f: number) => col(t, f % m)[i] as number;
        return 1 / (1 + Math.exp(-(x(0) * x(1) - Math.sin(x(2)) + 0.3 * x(3) * x(0) * x(m - 1))));
      });
    const rows = table(m, 3, 5);
    const background = table(m, 8, 6);
    const r = await shapValues({
      model,
      rows,
      background,
      features: Array.from({ length: m }, (_, f) => `x${f}`),
      permutations: 4,
      seed: 11,
    });
    expect(r.method).toBe(method);
    const fb = await model(background);
    const expected = fb.reduce((a, b) => a + b, 0) / fb.length;
    expect(r.expectedValue).toBeCloseTo(expected, 12);
    const fx = await model(rows);
    for (let i = 0; i < 3; i++) {
      let sum = 0;
      for (let f = 0; f < m; f++) sum += r.values[i * m + f] as number;
      expect(sum).toBeCloseTo((fx[i] as number) - expected, 10);
    }
    // A feature the model ignores gets no attribution (x4.. unused when m ≥ 5 except the last).
    if (m >= 6)
      for (let i = 0; i < 3; i++) expect(Math.abs(r.values[i * m + 4] as number)).toBeLessThan(1e-12);
  });
});

describe('SHAP of several outputs', () => {
  it.each([
    [4, 'exact'],
    [12, 'permutation'],
  ])('explains each output as if it were alone (%i features, %s)', async (m, method) => {
    const outputs = 3;
    // Output j depends on its own features; the rows are the softmax-free "class scores".
    const score = (t: Table, i: number, j: number) => {
      const x = (f: number) => col(t, f % m)[i] as number;
      return j === 0 ? x(0) * x(1) : j === 1 ? Math.sin(x(2)) + x(3) : 0.5 * x(0) - x(m - 1) * x(1);
    };
    const vector = async (t: Table) => {
      const out = new Float64Array(t.rowCount * outputs);
      for (let i = 0; i < t.rowCount; i++)
        for (let j = 0; j < outputs; j++) out[i * outputs + j] = score(t, i, j);
      return out;
    };
    const rows = table(m, 3, 21);
    const background = table(m, 6, 22);
    const features = Array.from({ length: m }, (_, f) => `x${f}`);
    const all = await shapValues({
      model: vector,
      rows,
      background,
      features,
      permutations: 3,
      seed: 4,
      outputs,
    });
    expect(all.method).toBe(method);
    for (let j = 0; j < outputs; j++) {
      const alone = await shapValues({
        model: async (t) => Float64Array.from({ length: t.rowCount }, (_, i) => score(t, i, j)),
        rows,
        background,
        features,
        permutations: 3,
        seed: 4,
      });
      expect(all.expectedValues[j]).toBeCloseTo(alone.expectedValue, 12);
      for (let i = 0; i < 3; i++)
        for (let f = 0; f < m; f++)
          expect(all.values[(i * m + f) * outputs + j]).toBeCloseTo(alone.values[i * m + f] as number, 12);
    }
  });
});

describe('permutation importance', () => {
  it('ranks the feature the score depends on first and an unused one at 0', async () => {
    const t = table(3, 200, 9);
    const y = Float64Array.from(col(t, 0), (v, i) => 2 * v + 0.1 * (col(t, 1)[i] as number));
    const predict = async (x: Table) =>
      Float64Array.from(col(x, 0), (v, i) => 2 * v + 0.1 * (col(x, 1)[i] as number));
    const score = (p: Float64Array, offset: number, rows: number) => {
      let s = 0;
      for (let i = 0; i < rows; i++) s += ((p[offset + i] as number) - (y[i] as number)) ** 2;
      return -s / rows;
    };
    const r = await permutationImportance({
      predict,
      score,
      table: t,
      features: ['x0', 'x1', 'x2'],
      repeats: 3,
      seed: 1,
    });
    expect(r.importances[0]?.mean).toBeGreaterThan(1);
    expect(r.importances[1]?.mean).toBeGreaterThan(0);
    expect(r.importances[1]?.mean).toBeLessThan(0.1);
    expect(r.importances[2]?.mean).toBe(0);
  });
});
