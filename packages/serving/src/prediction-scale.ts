/**
 * What the `slipway_prediction_value` histogram observes, per task. Its buckets are fixed (0.05 … 1, 2,
 * 5, 10, 100), which suits a probability (binary) and a class index (multiclass) but not a regression
 * value on an arbitrary scale: regression predictions are observed as their percentile among the
 * training labels (from the package's profile: min, p1, p5, p25, p50, p75, p95, p99, max, linearly
 * between), so the same buckets and the Argo prediction-drift query (KS over the buckets) work for any
 * target. Without a numeric label profile the raw value is observed.
 */
import type { LoadedModelPackage } from '@slipway/training';

const POINTS: [string, number][] = [
  ['p1', 0.01],
  ['p5', 0.05],
  ['p25', 0.25],
  ['p50', 0.5],
  ['p75', 0.75],
  ['p95', 0.95],
  ['p99', 0.99],
];

interface LabelProfile {
  columns?: {
    name: string;
    numeric?: { min: number | null; max: number | null; summary?: Record<string, number> };
  }[];
}

/** x → its percentile rank (0..1) among the training labels, piecewise linear between known quantiles. */
export function labelPercentile(pkg: LoadedModelPackage): ((x: number) => number) | null {
  const col = (pkg.profile as LabelProfile | null)?.columns?.find((c) => c.name === pkg.signature.label);
  const num = col?.numeric;
  if (!num || num.min === null || num.max === null || !num.summary) return null;
  const xs: number[] = [num.min];
  const qs: number[] = [0];
  for (const [key, q] of POINTS) {
    const v = num.summary[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) return null;
    xs.push(v);
    qs.push(q);
  }
  xs.push(num.max);
  qs.push(1);
  return (x: number) => {
    if (!(x > (xs[0] as number))) return 0;
    if (x >= (xs[xs.length - 1] as number)) return 1;
    let i = 1;
    while (x > (xs[i] as number)) i++;
    const x0 = xs[i - 1] as number;
    const x1 = xs[i] as number;
    const q0 = qs[i - 1] as number;
    const q1 = qs[i] as number;
    // A repeated quantile (a step in the label distribution): take the upper rank of the step.
    return x1 === x0 ? q1 : q0 + ((x - x0) / (x1 - x0)) * (q1 - q0);
  };
}

const cache = new WeakMap<LoadedModelPackage, ((x: number) => number) | null>();

/** The function applied to each prediction before it is observed (identity except for regression). */
export function observedValue(pkg: LoadedModelPackage): (x: number) => number {
  if (pkg.signature.task !== 'regression') return (x) => x;
  if (!cache.has(pkg)) cache.set(pkg, labelPercentile(pkg));
  return cache.get(pkg) ?? ((x) => x);
}
