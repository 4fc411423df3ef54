/** The few metrics the trainer reports per epoch (full evaluation is @slipway/eval's job). */

/** ROC AUC by the rank-sum formula, ties sharing their average rank. NaN when one class is absent. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!]! > 0.5) {
        positives++;
        rankSum += rank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

const EPS = 1e-7;

export interface EvalOutput {
  loss: number;
  metrics: Record<string, number>;
}

/** Loss and metrics of predictions `p` (n × units) against encoded labels `y`. */
export function evaluate(
  task: 'binary' | 'multiclass' | 'regression',
  p: Float32Array,
  y: Float32Array,
  units: number,
): EvalOutput {
  const n = y.length;
  if (n === 0) return { loss: Number.NaN, metrics: {} };
  if (task === 'binary') {
    let loss = 0;
    let correct = 0;
    for (let i = 0; i < n; i++) {
      const q = Math.min(Math.max(p[i]!, EPS), 1 - EPS);
      loss -= y[i]! > 0.5 ? Math.log(q) : Math.log(1 - q);
      if (q >= 0.5 === y[i]! > 0.5) correct++;
    }
    return { loss: loss / n, metrics: { auc: rocAuc(p, y), accuracy: correct / n } };
  }
  if (task === 'multiclass') {
    let loss = 0;
    let correct = 0;
    for (let i = 0; i < n; i++) {
      const base = i * units;
      let best = 0;
      for (let k = 1; k < units; k++) if (p[base + k]! > p[base + best]!) best = k;
      if (best === y[i]) correct++;
      loss -= Math.log(Math.min(Math.max(p[base + y[i]!]!, EPS), 1 - EPS));
    }
    return { loss: loss / n, metrics: { accuracy: correct / n } };
  }
  let se = 0;
  let ae = 0;
  for (let i = 0; i < n; i++) {
    const d = p[i]! - y[i]!;
    se += d * d;
    ae += Math.abs(d);
  }
  return { loss: se / n, metrics: { rmse: Math.sqrt(se / n), mae: ae / n } };
}
