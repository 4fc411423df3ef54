/**
 * Prediction drift: the model's outputs on a window against its outputs on reference data, as a
 * population stability index (PSI) per task. binary: P(positive) over ten equal-width bins of [0, 1];
 * multiclass: the shares of rows predicted as each class; regression: predicted values over the
 * reference predictions' deciles. Empty bins count as a share of 1e-4 so that the log stays finite.
 */
import type { Task } from '@slipway/core';
import type { Predictions } from '@slipway/training';
import { quantileSorted } from '../util/stats.js';
import type { MonitorReport } from './types.js';

/** The conventional PSI alarm level ("significant shift"). */
export const PREDICTION_PSI_THRESHOLD = 0.2;

const FLOOR = 1e-4;

function shares(counts: Float64Array, n: number): Float64Array {
  return counts.map((c) => Math.max(c / Math.max(1, n), FLOOR));
}

export function psi(window: Float64Array, reference: Float64Array): number {
  let out = 0;
  for (let i = 0; i < window.length; i++)
    out +=
      ((window[i] as number) - (reference[i] as number)) *
      Math.log((window[i] as number) / (reference[i] as number));
  return out;
}

function histogram(values: ArrayLike<number>, bin: (x: number) => number, bins: number): Float64Array {
  const counts = new Float64Array(bins);
  for (let i = 0; i < values.length; i++) counts[bin(values[i] as number)]! += 1;
  return shares(counts, values.length);
}

const mean = (xs: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] as number;
  return xs.length ? s / xs.length : Number.NaN;
};

export function predictionDrift(
  task: Task,
  window: Predictions,
  reference: Predictions,
  classes: readonly (string | number)[] | null = null,
): NonNullable<MonitorReport['predictionDrift']> {
  const verdict = (statistic: number) => ({
    method: 'psi' as const,
    statistic,
    threshold: PREDICTION_PSI_THRESHOLD,
    drifted: statistic >= PREDICTION_PSI_THRESHOLD,
  });
  if (task === 'binary') {
    const bin = (x: number) => Math.min(9, Math.max(0, Math.floor(x * 10)));
    return {
      ...verdict(psi(histogram(window.values, bin, 10), histogram(reference.values, bin, 10))),
      over: 'score',
      windowMean: mean(window.values),
      referenceMean: mean(reference.values),
    };
  }
  if (task === 'multiclass') {
    const k = Math.max(
      classes?.length ?? 0,
      ...Array.from(window.values, (v) => v + 1),
      ...Array.from(reference.values, (v) => v + 1),
    );
    const w = histogram(window.values, (x) => x, k);
    const r = histogram(reference.values, (x) => x, k);
    const raw = (p: Predictions, c: number) => p.values.filter((v) => v === c).length / Math.max(1, p.n);
    return {
      ...verdict(psi(w, r)),
      over: 'class',
      windowMean: null,
      referenceMean: null,
      classShares: Array.from({ length: k }, (_, c) => ({
        label: String(classes?.[c] ?? c),
        window: raw(window, c),
        reference: raw(reference, c),
      })),
    };
  }
  // Regression: bins at the reference deciles (repeated edges merged), so each holds ~10% of the reference.
  const sorted = Float64Array.from(reference.values).sort();
  const edges = [...new Set(Array.from({ length: 9 }, (_, i) => quantileSorted(sorted, (i + 1) / 10)))];
  const bin = (x: number) => {
    let b = 0;
    while (b < edges.length && x >= (edges[b] as number)) b++;
    return b;
  };
  return {
    ...verdict(
      psi(
        histogram(window.values, bin, edges.length + 1),
        histogram(reference.values, bin, edges.length + 1),
      ),
    ),
    over: 'value',
    windowMean: mean(window.values),
    referenceMean: mean(reference.values),
    edges,
  };
}
