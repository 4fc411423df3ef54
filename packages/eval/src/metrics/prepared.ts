import type { MetricValues } from './binary.js';

/**
 * What the bootstrap needs from a model's predictions: `compute(w)` evaluates the metrics for
 * integer row weights (resample counts). When `order` is set, `w` is indexed in that order
 * (order[k] = original row), which lets sorted metrics skip re-sorting.
 */
export interface PreparedMetrics {
  n: number;
  order?: Int32Array;
  compute(w?: ArrayLike<number>, only?: ReadonlySet<string>): MetricValues;
}
