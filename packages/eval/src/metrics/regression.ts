/**
 * Regression metrics as scikit-learn 1.9 computes them: RMSE is root_mean_squared_error, R² uses
 * force_finite (constant truth: 1 if perfect else 0), MAPE divides by max(|y|, machine epsilon), the
 * median absolute error of an even count is the mean of the two middle values (numpy.median).
 */
import { argsortAscending } from '../util/stats.js';
import type { MetricValues } from './binary.js';

export interface PreparedRegression {
  n: number;
  compute(w?: ArrayLike<number>, only?: ReadonlySet<string>): MetricValues;
}

const EPS = 2 ** -52;

export function prepareRegression(y: ArrayLike<number>, pred: ArrayLike<number>): PreparedRegression {
  const n = y.length;
  const ae = new Float64Array(n);
  const ape = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const yi = y[i] as number;
    const d = Math.abs(yi - (pred[i] as number));
    ae[i] = d;
    ape[i] = d / Math.max(Math.abs(yi), EPS);
  }
  // Absolute errors in ascending order, so a weighted median is one scan.
  const order = argsortAscending(ae);
  const compute = (w?: ArrayLike<number>, only?: ReadonlySet<string>): MetricValues => {
    const want = (m: string) => !only || only.has(m);
    let total = 0;
    let sumAe = 0;
    let sumSq = 0;
    let sumApe = 0;
    let sumY = 0;
    for (let i = 0; i < n; i++) {
      const wi = w === undefined ? 1 : (w[i] as number);
      if (wi === 0) continue;
      total += wi;
      const a = ae[i] as number;
      sumAe += wi * a;
      sumSq += wi * a * a;
      sumApe += wi * (ape[i] as number);
      sumY += wi * (y[i] as number);
    }
    const out: MetricValues = {};
    if (total === 0) return out;
    if (want('mae')) out.mae = sumAe / total;
    if (want('rmse')) out.rmse = Math.sqrt(sumSq / total);
    if (want('mape')) out.mape = sumApe / total;
    if (want('r2')) {
      const mean = sumY / total;
      let ssTot = 0;
      let ssRes = 0;
      for (let i = 0; i < n; i++) {
        const wi = w === undefined ? 1 : (w[i] as number);
        if (wi === 0) continue;
        const d = (y[i] as number) - mean;
        ssTot += wi * d * d;
        const r = (y[i] as number) - (pred[i] as number);
        ssRes += wi * r * r;
      }
      out.r2 = ssTot === 0 ? (ssRes === 0 ? 1 : 0) : 1 - ssRes / ssTot;
    }
    if (want('median_absolute_error')) {
      // Integer weights are multiplicities: the median of the expanded multiset.
      const lo = Math.floor((total - 1) / 2);
      const hi = Math.floor(total / 2);
      let seen = 0;
      let a = Number.NaN;
      let b = Number.NaN;
      for (let k = 0; k < n; k++) {
        const i = order[k] as number;
        const wi = w === undefined ? 1 : (w[i] as number);
        if (wi === 0) continue;
        const next = seen + wi;
        if (Number.isNaN(a) && lo < next) a = ae[i] as number;
        if (hi < next) {
          b = ae[i] as number;
          break;
        }
        seen = next;
      }
      out.median_absolute_error = lo === hi ? a : (a + b) / 2;
    }
    return out;
  };
  return { n, compute };
}
