/**
 * Multiclass metrics as scikit-learn 1.9 computes them. F1 averages run over the labels present in
 * the truth or the predictions (sklearn's default `labels=None`); top-k breaks score ties the way
 * sklearn's top_k_accuracy_score does (stable argsort, reversed: the higher class index ranks first).
 * Per class: precision, recall and F1 (`precision_recall_fscore_support(average=None)`), null where the
 * denominator is 0, keyed by class index (`recall[2]`) and, when class names are given, by name
 * (`recall:Gentoo`, the form a gate names).
 */
import type { MetricValues } from './binary.js';

export type PerClassMetric = 'precision' | 'recall' | 'f1';

/** Metric key of one class's value by index (`recall[2]`), as compute() returns it and the bootstrap resamples it. */
export const perClassKey = (metric: PerClassMetric, c: number) => `${metric}[${c}]`;

/** A per-class metric named by class (`recall:Gentoo`): the metric and the class name, or null. */
export function parsePerClassMetric(name: string): { metric: PerClassMetric; label: string } | null {
  const m = /^(precision|recall|f1):(.+)$/.exec(name);
  return m ? { metric: m[1] as PerClassMetric, label: m[2] as string } : null;
}

export interface MulticlassInputs {
  /** True class index per row, 0..k-1. */
  y: ArrayLike<number>;
  /** Predicted class index per row. */
  pred: ArrayLike<number>;
  /** n × k probabilities, row-major (optional: log loss and top-k need them). */
  proba?: ArrayLike<number>;
  k: number;
  topK?: number;
  /** Class names in index order: also compute `recall:<name>` (etc.) when asked for by name. */
  labels?: readonly string[];
}

export interface PreparedMulticlass {
  n: number;
  k: number;
  compute(w?: ArrayLike<number>, only?: ReadonlySet<string>): MetricValues;
}

const EPS = 2 ** -52;

export function prepareMulticlass(inputs: MulticlassInputs): PreparedMulticlass {
  const { y, pred, proba, k } = inputs;
  const n = y.length;
  const topK = inputs.topK ?? 2;
  const yi = Int32Array.from(y as ArrayLike<number>);
  const pi = Int32Array.from(pred as ArrayLike<number>);
  const ll = proba ? new Float64Array(n) : null;
  const hit = proba ? new Uint8Array(n) : null;
  if (proba && ll && hit) {
    for (let i = 0; i < n; i++) {
      const t = yi[i] as number;
      const st = proba[i * k + t] as number;
      ll[i] = -Math.log(Math.min(Math.max(st, EPS), 1 - EPS));
      let rank = 0;
      for (let j = 0; j < k; j++) {
        const s = proba[i * k + j] as number;
        if (s > st || (s === st && j > t)) rank++;
      }
      hit[i] = rank < topK ? 1 : 0;
    }
  }
  const conf = new Float64Array(k * k);
  const compute = (w?: ArrayLike<number>, only?: ReadonlySet<string>): MetricValues => {
    const want = (m: string) => !only || only.has(m);
    conf.fill(0);
    let total = 0;
    let llSum = 0;
    let hits = 0;
    for (let i = 0; i < n; i++) {
      const wi = w === undefined ? 1 : (w[i] as number);
      if (wi === 0) continue;
      total += wi;
      const c = (yi[i] as number) * k + (pi[i] as number);
      conf[c] = (conf[c] as number) + wi;
      if (ll && hit) {
        llSum += wi * (ll[i] as number);
        hits += wi * (hit[i] as number);
      }
    }
    const out: MetricValues = {};
    if (total === 0) return out;
    let diag = 0;
    let macro = 0;
    let weighted = 0;
    let present = 0;
    let tpAll = 0;
    let fpAll = 0;
    let fnAll = 0;
    for (let c = 0; c < k; c++) {
      const tp = conf[c * k + c] as number;
      let support = 0;
      let predicted = 0;
      for (let j = 0; j < k; j++) {
        support += conf[c * k + j] as number;
        predicted += conf[j * k + c] as number;
      }
      diag += tp;
      const fp = predicted - tp;
      const fn = support - tp;
      const name = inputs.labels?.[c];
      const per = (metric: PerClassMetric, value: () => number | null) => {
        const byIndex = perClassKey(metric, c);
        const byName = name === undefined ? null : `${metric}:${name}`;
        const named = byName !== null && want(byName);
        if (!want(byIndex) && !named) return;
        const v = value();
        if (want(byIndex)) out[byIndex] = v;
        if (named) out[byName] = v;
      };
      per('recall', () => (support === 0 ? null : tp / support));
      per('precision', () => (predicted === 0 ? null : tp / predicted));
      per('f1', () => (support + predicted === 0 ? null : (2 * tp) / (support + predicted)));
      if (support === 0 && predicted === 0) continue;
      present++;
      tpAll += tp;
      fpAll += fp;
      fnAll += fn;
      const f1 = 2 * tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
      macro += f1;
      weighted += f1 * support;
    }
    if (want('accuracy')) out.accuracy = diag / total;
    if (want('macro_f1')) out.macro_f1 = macro / present;
    if (want('micro_f1')) out.micro_f1 = (2 * tpAll) / (2 * tpAll + fpAll + fnAll);
    if (want('weighted_f1')) out.weighted_f1 = weighted / total;
    if (want('top_k_accuracy')) out.top_k_accuracy = hit ? hits / total : null;
    if (want('log_loss')) out.log_loss = ll ? llSum / total : null;
    return out;
  };
  return { n, k, compute };
}

export function multiclassConfusion(y: ArrayLike<number>, pred: ArrayLike<number>, k: number): number[][] {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < y.length; i++) {
    const row = m[y[i] as number] as number[];
    row[pred[i] as number] = (row[pred[i] as number] as number) + 1;
  }
  return m;
}
