/**
 * Seeded nonparametric bootstrap. A resample is a vector of counts (how often each row was drawn,
 * n draws with replacement); metrics take the counts as weights, so nothing is copied or re-sorted.
 * Intervals are percentile intervals (numpy's linear quantile); the paired bootstrap draws the same
 * rows for candidate and baseline and reports the interval of the difference and a two-sided p-value.
 */

import type { PreparedMetrics } from '../metrics/prepared.js';
import type { Interval } from '../report/types.js';
import { createRng } from '../util/rng.js';
import { quantileSorted } from '../util/stats.js';

export interface BootstrapOptions {
  resamples: number;
  seed: number;
  confidence: number;
  /** Metric names to resample. */
  metrics: readonly string[];
  /** Called after each resample (progress). */
  onResample?: (done: number) => void;
}

export interface BootstrapResult {
  /** Per metric: the interval of each model's value (index = model). */
  intervals: Record<string, (Interval | null)[]>;
  /** Per metric: the interval of model[1..] − model[0]... see `paired`. */
  paired: Record<string, { ci: Interval | null; pValue: number | null }> | null;
  /** Raw resampled values per metric per model (NaN where undefined in a resample). */
  samples: Record<string, Float64Array[]>;
}

export function percentileInterval(values: ArrayLike<number>, confidence: number): Interval | null {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) finite.push(v);
  }
  if (finite.length === 0) return null;
  const sorted = Float64Array.from(finite).sort();
  const alpha = 1 - confidence;
  return {
    low: quantileSorted(sorted, alpha / 2),
    high: quantileSorted(sorted, 1 - alpha / 2),
    confidence,
  };
}

/** Two-sided bootstrap p-value for "the difference is zero", with the +1 correction. */
export function bootstrapPValue(diffs: ArrayLike<number>): number | null {
  let le = 0;
  let ge = 0;
  let b = 0;
  for (let i = 0; i < diffs.length; i++) {
    const d = diffs[i] as number;
    if (!Number.isFinite(d)) continue;
    b++;
    if (d <= 0) le++;
    if (d >= 0) ge++;
  }
  if (b === 0) return null;
  return Math.min(1, (2 * (Math.min(le, ge) + 1)) / (b + 1));
}

/**
 * Bootstraps one model (models.length = 1) or a candidate and a baseline on the same rows
 * (models = [candidate, baseline]); paired results are candidate − baseline.
 */
export function bootstrap(models: PreparedMetrics[], options: BootstrapOptions): BootstrapResult {
  const first = models[0];
  if (!first) throw new RangeError('bootstrap needs at least one model');
  const n = first.n;
  for (const m of models) {
    if (m.n !== n) throw new RangeError(`bootstrap: models cover ${n} and ${m.n} rows`);
  }
  const rng = createRng(options.seed);
  const only = new Set(options.metrics);
  const samples: Record<string, Float64Array[]> = {};
  for (const metric of options.metrics) {
    samples[metric] = models.map(() => new Float64Array(options.resamples).fill(Number.NaN));
  }
  const counts = new Int32Array(n);
  // One model: draw straight into its own row order (uniform either way). Paired: draw rows, then gather.
  const direct = models.length === 1;
  const gathered = models.map((m) => (!direct && m.order ? new Int32Array(n) : null));
  for (let r = 0; r < options.resamples; r++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const j = Math.floor((rng.nextU32() * n) / 4294967296);
      counts[j] = (counts[j] as number) + 1;
    }
    models.forEach((m, mi) => {
      let w: Int32Array = counts;
      const g = gathered[mi];
      if (g && m.order) {
        const order = m.order;
        for (let k = 0; k < n; k++) g[k] = counts[order[k] as number] as number;
        w = g;
      }
      const values = m.compute(w, only);
      for (const metric of options.metrics) {
        const v = values[metric];
        (samples[metric] as Float64Array[])[mi]![r] = v === null || v === undefined ? Number.NaN : v;
      }
    });
    options.onResample?.(r + 1);
  }
  const intervals: BootstrapResult['intervals'] = {};
  let paired: BootstrapResult['paired'] = null;
  if (models.length > 1) paired = {};
  for (const metric of options.metrics) {
    const s = samples[metric] as Float64Array[];
    intervals[metric] = s.map((v) => percentileInterval(v, options.confidence));
    if (paired) {
      const a = s[0] as Float64Array;
      const b = s[1] as Float64Array;
      const d = new Float64Array(options.resamples);
      for (let r = 0; r < options.resamples; r++) d[r] = (a[r] as number) - (b[r] as number);
      paired[metric] = { ci: percentileInterval(d, options.confidence), pValue: bootstrapPValue(d) };
    }
  }
  return { intervals, paired, samples };
}
