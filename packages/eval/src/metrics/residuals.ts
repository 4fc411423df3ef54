/**
 * Regression residuals (truth − prediction, the sign scikit-learn's PredictionErrorDisplay plots):
 * a summary with numpy-style percentiles, a numpy.histogram-style histogram (equal-width bins over
 * [min, max], the last bin closed), the residual by prediction decile, and a seeded sample of points
 * for a residual-vs-prediction scatter. What the reports draw; no metric depends on it.
 */
import type { ResidualAnalysis } from '../report/types.js';
import { createRng, permutation } from '../util/rng.js';
import { argsortAscending, quantileSorted } from '../util/stats.js';

export interface ResidualOptions {
  bins?: number;
  /** Prediction bins (equal row counts, in prediction order). */
  groups?: number;
  /** Most scatter points kept. */
  points?: number;
}

export function residualAnalysis(
  y: ArrayLike<number>,
  pred: ArrayLike<number>,
  seed: number,
  options: ResidualOptions = {},
): ResidualAnalysis {
  const n = y.length;
  const bins = options.bins ?? 20;
  const groups = Math.min(options.groups ?? 10, n);
  const r = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    r[i] = (y[i] as number) - (pred[i] as number);
    sum += r[i] as number;
  }
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += ((r[i] as number) - mean) ** 2;
  const sorted = Float64Array.from(r).sort();
  const q = (p: number) => quantileSorted(sorted, p);
  const min = sorted[0] as number;
  const max = sorted[n - 1] as number;

  // numpy.histogram: a degenerate range becomes [min − 0.5, max + 0.5].
  const lo = min === max ? min - 0.5 : min;
  const hi = min === max ? max + 0.5 : max;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < n; i++) {
    const v = r[i] as number;
    let b = Math.floor(((v - lo) / (hi - lo)) * bins);
    if (b >= bins) b = bins - 1;
    // Float rounding near an edge: settle against the edges themselves, as numpy does.
    while (b > 0 && v < (edges[b] as number)) b--;
    while (b < bins - 1 && v >= (edges[b + 1] as number)) b++;
    counts[b] = (counts[b] as number) + 1;
  }

  const order = argsortAscending(pred);
  const byPrediction: ResidualAnalysis['byPrediction'] = {
    predicted: [],
    mean: [],
    p10: [],
    p90: [],
    count: [],
  };
  for (let g = 0; g < groups; g++) {
    const start = Math.floor((g * n) / groups);
    const end = Math.floor(((g + 1) * n) / groups);
    if (end <= start) continue;
    let sp = 0;
    let sr = 0;
    const rs = new Float64Array(end - start);
    for (let k = start; k < end; k++) {
      const i = order[k] as number;
      sp += pred[i] as number;
      sr += r[i] as number;
      rs[k - start] = r[i] as number;
    }
    rs.sort();
    byPrediction.predicted.push(sp / rs.length);
    byPrediction.mean.push(sr / rs.length);
    byPrediction.p10.push(quantileSorted(rs, 0.1));
    byPrediction.p90.push(quantileSorted(rs, 0.9));
    byPrediction.count.push(rs.length);
  }

  const keep = Math.min(options.points ?? 500, n);
  const idx =
    n <= keep
      ? Int32Array.from({ length: n }, (_, i) => i)
      : permutation(n, createRng(seed)).slice(0, keep).sort();
  return {
    summary: {
      mean,
      std: Math.sqrt(ss / n),
      min,
      p05: q(0.05),
      p25: q(0.25),
      median: q(0.5),
      p75: q(0.75),
      p95: q(0.95),
      max,
    },
    histogram: { edges, counts },
    byPrediction,
    points: {
      predicted: Array.from(idx, (i) => pred[i] as number),
      residual: Array.from(idx, (i) => r[i] as number),
    },
  };
}
