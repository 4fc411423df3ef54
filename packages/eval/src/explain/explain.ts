/**
 * Explanations of a loaded model on a seeded sample of the evaluation rows: permutation importance of
 * the primary metric, and mean |SHAP| per raw input feature (see shap.ts). The scalar explained is
 * P(positive) for binary models, the value for regression, and the top class probability for
 * multiclass models.
 */
import { greaterIsBetter, type Task } from '@slipway/core';
import type { Table } from '@slipway/data';
import type { LoadedModelPackage, Predictions } from '@slipway/training';
import { prepareBinary } from '../metrics/binary.js';
import { prepareMulticlass } from '../metrics/multiclass.js';
import { prepareRegression } from '../metrics/regression.js';
import type { FeatureImportance } from '../report/types.js';
import { createRng, permutation } from '../util/rng.js';
import { permutationImportance } from './permutation.js';
import { shapValues } from './shap.js';
import { takeRows } from './table.js';

export interface ExplainOptions {
  model: LoadedModelPackage;
  table: Table;
  /** Encoded labels (0/1, class index or value) aligned with `table`. */
  y: ArrayLike<number>;
  task: Task;
  metric: string;
  threshold: number;
  k: number;
  sample: number;
  background: number;
  shapRows: number;
  repeats: number;
  permutations: number;
  seed: number;
  topK?: number;
}

export interface ExplainResult {
  importances: FeatureImportance[];
  note: string;
  shap: { method: 'exact' | 'permutation'; expectedValue: number; rows: number; maxAdditivityError: number };
}

function sampleIndex(n: number, size: number, seed: number): Int32Array {
  const perm = permutation(n, createRng(seed));
  return perm.slice(0, Math.min(size, n)).sort();
}

function score(
  task: Task,
  metric: string,
  y: ArrayLike<number>,
  p: Predictions,
  offset: number,
  rows: number,
  threshold: number,
  k: number,
  topK: number,
): number {
  const ys = Array.prototype.slice.call(y, 0, rows) as number[];
  const values = p.values.subarray(offset, offset + rows);
  let v: number | null | undefined;
  if (task === 'binary')
    v = prepareBinary({ y: ys, p: values, threshold }).compute(undefined, new Set([metric]))[metric];
  else if (task === 'multiclass') {
    const proba = p.probabilities?.subarray(offset * k, (offset + rows) * k);
    v = prepareMulticlass({ y: ys, pred: values, k, topK, ...(proba ? { proba } : {}) }).compute(
      undefined,
      new Set([metric]),
    )[metric];
  } else v = prepareRegression(ys, values).compute(undefined, new Set([metric]))[metric];
  const x = typeof v === 'number' ? v : Number.NaN;
  return greaterIsBetter(metric) ? x : -x;
}

export async function explainModel(o: ExplainOptions): Promise<ExplainResult> {
  const features = o.model.signature.inputs.map((i) => i.name);
  const n = o.table.rowCount;
  const idx = sampleIndex(n, o.sample, o.seed);
  const sample = takeRows(o.table, idx);
  const ySample = Array.from(idx, (i) => o.y[i] as number);
  const pi = await permutationImportance({
    predict: (t) => o.model.predictTable(t),
    score: (p, offset, rows) =>
      score(o.task, o.metric, ySample, p, offset, rows, o.threshold, o.k, o.topK ?? 2),
    table: sample,
    features,
    repeats: o.repeats,
    seed: o.seed,
  });
  const scalar = async (t: Table): Promise<Float64Array> => {
    const p = await o.model.predictTable(t);
    if (o.task !== 'multiclass' || !p.probabilities) return Float64Array.from(p.values);
    const out = new Float64Array(p.n);
    for (let i = 0; i < p.n; i++) {
      let m = 0;
      for (let j = 0; j < o.k; j++) m = Math.max(m, p.probabilities[i * o.k + j] as number);
      out[i] = m;
    }
    return out;
  };
  const bgIdx = sampleIndex(n, o.background, o.seed + 1);
  const shapIdx = sampleIndex(n, o.shapRows, o.seed + 2);
  const shap = await shapValues({
    model: scalar,
    rows: takeRows(o.table, shapIdx),
    background: takeRows(o.table, bgIdx),
    features,
    permutations: o.permutations,
    seed: o.seed,
  });
  const m = features.length;
  let maxErr = 0;
  const meanAbs = new Float64Array(m);
  for (let r = 0; r < shapIdx.length; r++) {
    let sum = 0;
    for (let f = 0; f < m; f++) {
      const v = shap.values[r * m + f] as number;
      sum += v;
      meanAbs[f] = (meanAbs[f] as number) + Math.abs(v) / shapIdx.length;
    }
    maxErr = Math.max(maxErr, Math.abs(sum - ((shap.fx[r] as number) - shap.expectedValue)));
  }
  const importances = features.map((feature, f) => ({
    feature,
    permutation: Number.isFinite(pi.importances[f]?.mean) ? (pi.importances[f]?.mean as number) : null,
    meanAbsShap: meanAbs[f] as number,
  }));
  importances.sort((a, b) => (b.meanAbsShap ?? 0) - (a.meanAbsShap ?? 0));
  return {
    importances,
    note: `Explanations on a seeded sample: permutation importance of ${o.metric} on ${idx.length} rows × ${o.repeats} repeats; ${shap.method === 'exact' ? 'exact' : `permutation-sampled (${o.permutations} antithetic permutations)`} SHAP for ${shapIdx.length} rows against ${bgIdx.length} background rows (E[f] = ${shap.expectedValue.toPrecision(4)}).`,
    shap: {
      method: shap.method,
      expectedValue: shap.expectedValue,
      rows: shapIdx.length,
      maxAdditivityError: maxErr,
    },
  };
}
