/**
 * Explanations of a loaded model on a seeded sample of the evaluation rows: permutation importance of
 * the primary metric, and mean |SHAP| per raw input feature (see shap.ts). The output explained is
 * P(positive) for binary models and the value for regression. Multiclass models are explained per
 * class: SHAP of each class probability (one pass over the coalitions explains all k outputs) and the
 * drop in each class's recall when a feature is permuted; the overall mean |SHAP| averages the classes.
 */
import { greaterIsBetter, type Task } from '@slipway/core';
import type { Table } from '@slipway/data';
import type { FeaturesJson, LoadedModelPackage, Predictions } from '@slipway/training';
import { prepareBinary } from '../metrics/binary.js';
import { prepareMulticlass } from '../metrics/multiclass.js';
import { prepareRegression } from '../metrics/regression.js';
import type { FeatureImportance } from '../report/types.js';
import { createRng, permutation } from '../util/rng.js';
import { permutationImportance } from './permutation.js';
import { shapValues } from './shap.js';
import { takeRows } from './table.js';
import { treeShapTable } from './treeshap.js';

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
  /** multiclass: class names in output order (labels of the per-class importances). */
  classes?: readonly (string | number)[] | null;
}

export interface ExplainResult {
  importances: FeatureImportance[];
  note: string;
  shap: {
    method: 'exact' | 'permutation' | 'tree';
    expectedValue: number;
    rows: number;
    maxAdditivityError: number;
  };
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

/** Recall of class c over `rows` predictions starting at `offset` (NaN when the class has no rows). */
function classRecall(y: ArrayLike<number>, p: Predictions, offset: number, rows: number, c: number): number {
  let support = 0;
  let hit = 0;
  for (let i = 0; i < rows; i++) {
    if (y[i] !== c) continue;
    support++;
    if (p.values[offset + i] === c) hit++;
  }
  return support === 0 ? Number.NaN : hit / support;
}

export async function explainModel(o: ExplainOptions): Promise<ExplainResult> {
  const features = o.model.signature.inputs.map((i) => i.name);
  const n = o.table.rowCount;
  const idx = sampleIndex(n, o.sample, o.seed);
  const sample = takeRows(o.table, idx);
  const ySample = Array.from(idx, (i) => o.y[i] as number);
  const perClass = o.task === 'multiclass';
  const classLabel = (c: number) => String(o.classes?.[c] ?? c);
  const pi = await permutationImportance({
    ...(perClass
      ? {
          extraScores: Object.fromEntries(
            Array.from({ length: o.k }, (_, c) => [
              String(c),
              (p: Predictions, offset: number, rows: number) => classRecall(ySample, p, offset, rows, c),
            ]),
          ),
        }
      : {}),
    predict: (t) => o.model.predictTable(t),
    score: (p, offset, rows) =>
      score(o.task, o.metric, ySample, p, offset, rows, o.threshold, o.k, o.topK ?? 2),
    table: sample,
    features,
    repeats: o.repeats,
    seed: o.seed,
  });
  // Multiclass: the k class probabilities, explained together (falls back to the predicted index
  // for a model that gives no probabilities).
  const probe = perClass ? await o.model.predictTable(takeRows(o.table, Int32Array.of(0))) : null;
  const d = probe?.probabilities ? o.k : 1;
  const scalar = async (t: Table): Promise<Float64Array> => {
    const p = await o.model.predictTable(t);
    return d > 1 && p.probabilities ? Float64Array.from(p.probabilities) : Float64Array.from(p.values);
  };
  const bgIdx = sampleIndex(n, o.background, o.seed + 1);
  const shapIdx = sampleIndex(n, o.shapRows, o.seed + 2);
  // Tree packages: exact TreeSHAP of the raw score (log-odds, one per class, or the value) instead.
  const trees = o.model.trees;
  const shap = trees
    ? treeShapTable(trees, o.model.features as FeaturesJson, takeRows(o.table, shapIdx), features)
    : await shapValues({
        model: scalar,
        rows: takeRows(o.table, shapIdx),
        background: takeRows(o.table, bgIdx),
        features,
        permutations: o.permutations,
        seed: o.seed,
        outputs: d,
      });
  const m = features.length;
  let maxErr = 0;
  // meanAbs[f * d + j]: mean |SHAP| of feature f on output j.
  const meanAbs = new Float64Array(m * d);
  for (let r = 0; r < shapIdx.length; r++) {
    for (let j = 0; j < d; j++) {
      let sum = 0;
      for (let f = 0; f < m; f++) {
        const v = shap.values[(r * m + f) * d + j] as number;
        sum += v;
        meanAbs[f * d + j] = (meanAbs[f * d + j] as number) + Math.abs(v) / shapIdx.length;
      }
      const fx = shap.fx[r * d + j] as number;
      maxErr = Math.max(maxErr, Math.abs(sum - (fx - (shap.expectedValues[j] as number))));
    }
  }
  const finiteOrNull = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);
  const importances: FeatureImportance[] = features.map((feature, f) => {
    let overall = 0;
    for (let j = 0; j < d; j++) overall += (meanAbs[f * d + j] as number) / d;
    const out: FeatureImportance = {
      feature,
      permutation: finiteOrNull(pi.importances[f]?.mean),
      meanAbsShap: overall,
    };
    if (perClass) {
      out.perClass = Array.from({ length: o.k }, (_, c) => ({
        label: classLabel(c),
        meanAbsShap: d > 1 ? (meanAbs[f * d + c] as number) : null,
        permutation: finiteOrNull(pi.extra[String(c)]?.importances[f]?.mean),
      }));
    }
    return out;
  });
  importances.sort((a, b) => (b.meanAbsShap ?? 0) - (a.meanAbsShap ?? 0));
  const shapMethodNote =
    shap.method === 'tree'
      ? `exact TreeSHAP (path-dependent; the trees' training covers are the background) of the raw score${d > 1 ? ` of each of the ${d} classes` : o.task === 'binary' ? ' (log-odds)' : ''} for ${shapIdx.length} rows`
      : `${shap.method === 'exact' ? 'exact' : `permutation-sampled (${o.permutations} antithetic permutations)`} SHAP${d > 1 ? ` of each of the ${d} class probabilities` : ''} for ${shapIdx.length} rows against ${bgIdx.length} background rows`;
  return {
    importances,
    note: `Explanations on a seeded sample: permutation importance of ${o.metric}${perClass ? ' (and of each class recall)' : ''} on ${idx.length} rows × ${o.repeats} repeats; ${shapMethodNote} (E[f] = ${d > 1 ? shap.expectedValues.map((v, j) => `${classLabel(j)}: ${v.toPrecision(4)}`).join(', ') : shap.expectedValue.toPrecision(4)}).`,
    shap: {
      method: shap.method,
      expectedValue: shap.expectedValue,
      rows: shapIdx.length,
      maxAdditivityError: maxErr,
    },
  };
}
