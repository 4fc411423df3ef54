/**
 * SHAP values of a model's scalar output over its raw input features, against a background sample:
 * v(S) = mean over background rows b of f(x on S, b elsewhere). Up to 10 features every coalition is
 * evaluated (exact Shapley weights |S|!(M−|S|−1)!/M!); beyond, antithetic permutation sampling (each
 * permutation walked forward and backward, as shap's PermutationExplainer does). Both are exactly
 * additive: Σφ = f(x) − E[f(background)].
 */
import type { Table } from '@slipway/data';
import { createRng, permutation } from '../util/rng.js';
import { gatherColumn, stackTables } from './table.js';

/**
 * The model's output for each row of a table (P(positive), the value): one number per row, or with
 * `outputs` = d > 1 (a multiclass model's class probabilities) d numbers per row, row-major.
 */
export type ScalarModel = (table: Table) => Promise<Float64Array>;

export interface ShapOptions {
  model: ScalarModel;
  /** Rows to explain. */
  rows: Table;
  /** Background rows (the reference distribution). */
  background: Table;
  /** Feature columns (the model's raw inputs). */
  features: readonly string[];
  /** Above this many features, sample permutations instead of enumerating coalitions (default 10). */
  exactMaxFeatures?: number;
  permutations?: number;
  seed?: number;
  /** Numbers per row the model returns (default 1); every output is explained from the same coalitions. */
  outputs?: number;
}

export interface ShapResult {
  features: string[];
  /** E[f] over the background (of the first output). */
  expectedValue: number;
  /** E[f] per output. */
  expectedValues: number[];
  /** f(x) per explained row (rows × outputs). */
  fx: Float64Array;
  /** rows × features × outputs, row-major (rows × features with one output). */
  values: Float64Array;
  method: 'exact' | 'permutation';
}

/** Table of coalitions: for coalition c and background row b, feature f comes from x when bit f of masks[c]. */
function coalitionTable(
  source: Table,
  features: readonly string[],
  xRow: number,
  nx: number,
  nb: number,
  masks: Uint8Array[],
): Table {
  const rows = masks.length * nb;
  const columns = features.map((name, f) => {
    const col = source.columns.find((c) => c.name === name);
    if (!col) throw new RangeError(`feature ${name} is missing`);
    const idx = new Int32Array(rows);
    let j = 0;
    for (const mask of masks) {
      const fromX = mask[f] === 1;
      for (let b = 0; b < nb; b++) idx[j++] = fromX ? xRow : nx + b;
    }
    return gatherColumn(col, idx);
  });
  return { rowCount: rows, columns };
}

/** Mean of output j over `count` rows starting at row `start` (d outputs per row). */
function mean(values: Float64Array, start: number, count: number, d = 1, j = 0): number {
  let s = 0;
  for (let i = start; i < start + count; i++) s += values[i * d + j] as number;
  return s / count;
}

export async function shapValues(options: ShapOptions): Promise<ShapResult> {
  const { model, rows, background, features } = options;
  const m = features.length;
  const nx = rows.rowCount;
  const nb = background.rowCount;
  if (nb === 0) throw new RangeError('SHAP needs at least one background row');
  const pick = (t: Table): Table => ({
    rowCount: t.rowCount,
    columns: features.map((f) => {
      const c = t.columns.find((col) => col.name === f);
      if (!c) throw new RangeError(`feature ${f} is missing`);
      return c;
    }),
  });
  const d = options.outputs ?? 1;
  const source = stackTables(pick(rows), pick(background));
  const fBackground = await model(pick(background));
  const expectedValues = Array.from({ length: d }, (_, j) => mean(fBackground, 0, nb, d, j));
  const expectedValue = expectedValues[0] as number;
  const fx = await model(pick(rows));
  const values = new Float64Array(nx * m * d);
  const exact = m <= (options.exactMaxFeatures ?? 10);
  if (exact) {
    const total = 1 << m;
    const masks = Array.from({ length: total }, (_, s) =>
      Uint8Array.from({ length: m }, (_, f) => (s >> f) & 1),
    );
    // Shapley weight by coalition size: s!(M−s−1)!/M!.
    const fact = [1];
    for (let i = 1; i <= m; i++) fact.push((fact[i - 1] as number) * i);
    const weight = Array.from(
      { length: m },
      (_, s) => ((fact[s] as number) * (fact[m - s - 1] as number)) / (fact[m] as number),
    );
    for (let r = 0; r < nx; r++) {
      const out = await model(coalitionTable(source, features, r, nx, nb, masks));
      for (let j = 0; j < d; j++) {
        const v = new Float64Array(total);
        for (let s = 0; s < total; s++) v[s] = mean(out, s * nb, nb, d, j);
        for (let f = 0; f < m; f++) {
          let phi = 0;
          const bit = 1 << f;
          for (let s = 0; s < total; s++) {
            if (s & bit) continue;
            let size = 0;
            for (let t = s; t; t &= t - 1) size++;
            phi += (weight[size] as number) * ((v[s | bit] as number) - (v[s] as number));
          }
          values[(r * m + f) * d + j] = phi;
        }
      }
    }
    return { features: [...features], expectedValue, expectedValues, fx, values, method: 'exact' };
  }
  const rng = createRng(options.seed ?? 7);
  const perms = Math.max(1, options.permutations ?? 10);
  for (let r = 0; r < nx; r++) {
    const orders: Int32Array[] = [];
    for (let p = 0; p < perms; p++) {
      const order = permutation(m, rng);
      orders.push(order, order.slice().reverse());
    }
    // Each walk: M + 1 prefixes, from the empty coalition to all features.
    const masks: Uint8Array[] = [];
    for (const order of orders) {
      const mask = new Uint8Array(m);
      masks.push(mask.slice());
      for (const f of order) {
        mask[f] = 1;
        masks.push(mask.slice());
      }
    }
    const out = await model(coalitionTable(source, features, r, nx, nb, masks));
    for (let j = 0; j < d; j++) {
      for (let w = 0; w < orders.length; w++) {
        const order = orders[w] as Int32Array;
        let prev = mean(out, w * (m + 1) * nb, nb, d, j);
        for (let step = 0; step < m; step++) {
          const cur = mean(out, (w * (m + 1) + step + 1) * nb, nb, d, j);
          const at = (r * m + (order[step] as number)) * d + j;
          values[at] = (values[at] as number) + (cur - prev) / orders.length;
          prev = cur;
        }
      }
    }
  }
  return { features: [...features], expectedValue, expectedValues, fx, values, method: 'permutation' };
}
