/**
 * Binary classification metrics, defined as scikit-learn 1.9 computes them (checked by the oracle
 * tests in tests/eval-oracle.test.ts). Everything is computed from rows sorted by score once, so a
 * bootstrap resample is only a vector of integer weights over those sorted rows: no re-sorting.
 */
import { argsortAscending } from '../util/stats.js';

export interface BinaryInputs {
  /** 1 = positive class, 0 = negative. */
  y: ArrayLike<number>;
  /** P(positive) per row, in [0, 1]. */
  p: ArrayLike<number>;
  /** Decision threshold: predicted positive iff p ≥ threshold. */
  threshold: number;
  /** Bins of the expected calibration error (uniform over [0, 1], as sklearn's calibration_curve). */
  eceBins?: number;
}

export type MetricValues = Record<string, number | null>;

/** Rows sorted by score plus per-row terms; `compute(w)` evaluates every metric for weights `w`. */
export interface PreparedBinary {
  n: number;
  /** order[k] = original row of the k-th smallest score. */
  order: Int32Array;
  /** Sorted labels and scores. */
  ys: Uint8Array;
  ps: Float64Array;
  /** Start of each tie group (scores equal) in sorted order, plus n at the end. */
  groupStart: Int32Array;
  compute(w?: ArrayLike<number>, only?: ReadonlySet<string>): MetricValues;
}

const EPS = 2 ** -52;

export function validateBinary(inputs: BinaryInputs): void {
  const { y, p } = inputs;
  if (y.length !== p.length) {
    throw new RangeError(`labels have ${y.length} rows but predictions have ${p.length}`);
  }
}

export function prepareBinary(inputs: BinaryInputs): PreparedBinary {
  validateBinary(inputs);
  const n = inputs.y.length;
  const t = inputs.threshold;
  const nb = inputs.eceBins ?? 10;
  const order = argsortAscending(inputs.p);
  const ys = new Uint8Array(n);
  const ps = new Float64Array(n);
  const correct = new Uint8Array(n);
  const predPos = new Uint8Array(n);
  const ll = new Float64Array(n);
  const sq = new Float64Array(n);
  const bin = new Int32Array(n);
  // Bin edges as numpy.linspace(0, 1, nb + 1) makes them; a score on an inner edge goes to the lower bin
  // (numpy.searchsorted(edges[1:-1], p), side="left"), exactly as calibration_curve bins it.
  const step = 1 / nb;
  const inner: number[] = [];
  for (let i = 1; i < nb; i++) inner.push(i * step);
  const groups: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = order[k] as number;
    const yi = inputs.y[i] === 1 ? 1 : 0;
    const pi = inputs.p[i] as number;
    ys[k] = yi;
    ps[k] = pi;
    if (k === 0 || pi !== ps[k - 1]) groups.push(k);
    const pred = pi >= t ? 1 : 0;
    predPos[k] = pred;
    correct[k] = pred === yi ? 1 : 0;
    const q = yi === 1 ? pi : 1 - pi;
    ll[k] = -Math.log(Math.min(Math.max(q, EPS), 1 - EPS));
    sq[k] = (pi - yi) * (pi - yi);
    let lo = 0;
    let hi = inner.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((inner[mid] as number) < pi) lo = mid + 1;
      else hi = mid;
    }
    bin[k] = lo;
  }
  groups.push(n);
  const groupStart = Int32Array.from(groups);
  const g = groupStart.length - 1;
  const gPos = new Float64Array(g);
  const gNeg = new Float64Array(g);
  const binW = new Float64Array(nb);
  const binY = new Float64Array(nb);
  const binP = new Float64Array(nb);

  const compute = (w?: ArrayLike<number>, only?: ReadonlySet<string>): MetricValues => {
    const want = (m: string) => !only || only.has(m);
    let total = 0;
    let pos = 0;
    let tp = 0;
    let fp = 0;
    let nCorrect = 0;
    let llSum = 0;
    let sqSum = 0;
    let aucNum = 0;
    let negBelow = 0;
    const needProb = want('log_loss') || want('brier') || want('ece');
    if (needProb) {
      binW.fill(0);
      binY.fill(0);
      binP.fill(0);
    }
    for (let j = 0; j < g; j++) {
      let gp = 0;
      let gn = 0;
      const end = groupStart[j + 1] as number;
      for (let k = groupStart[j] as number; k < end; k++) {
        const wk = w === undefined ? 1 : (w[k] as number);
        if (wk === 0) continue;
        const yk = ys[k] as number;
        if (yk === 1) gp += wk;
        else gn += wk;
        if (predPos[k] === 1) {
          if (yk === 1) tp += wk;
          else fp += wk;
        }
        if (correct[k] === 1) nCorrect += wk;
        if (needProb) {
          llSum += wk * (ll[k] as number);
          sqSum += wk * (sq[k] as number);
          const b = bin[k] as number;
          binW[b] = (binW[b] as number) + wk;
          binY[b] = (binY[b] as number) + wk * yk;
          binP[b] = (binP[b] as number) + wk * (ps[k] as number);
        }
      }
      gPos[j] = gp;
      gNeg[j] = gn;
      // Mann–Whitney count with ties as one half: equals sklearn's trapezoidal area under roc_curve.
      aucNum += gp * (negBelow + 0.5 * gn);
      negBelow += gn;
      pos += gp;
      total += gp + gn;
    }
    const neg = total - pos;
    const fn = pos - tp;
    const out: MetricValues = {};
    if (total === 0) return out;
    if (want('accuracy')) out.accuracy = nCorrect / total;
    // sklearn's zero_division default: 0 when the ratio has no denominator.
    if (want('precision')) out.precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    if (want('recall')) out.recall = pos === 0 ? 0 : tp / pos;
    if (want('f1')) out.f1 = 2 * tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
    if (want('roc_auc')) out.roc_auc = pos === 0 || neg === 0 ? null : aucNum / (pos * neg);
    if (want('pr_auc')) {
      if (pos === 0) out.pr_auc = null;
      else {
        // Average precision: Σ (R_i − R_{i−1}) · P_i over distinct thresholds, highest score first.
        let ap = 0;
        let ctp = 0;
        let cfp = 0;
        for (let j = g - 1; j >= 0; j--) {
          const gp = gPos[j] as number;
          ctp += gp;
          cfp += gNeg[j] as number;
          if (gp > 0) ap += (gp / pos) * (ctp / (ctp + cfp));
        }
        out.pr_auc = ap;
      }
    }
    if (want('log_loss')) out.log_loss = llSum / total;
    if (want('brier')) out.brier = sqSum / total;
    if (want('ece')) {
      let ece = 0;
      for (let b = 0; b < nb; b++) {
        const bw = binW[b] as number;
        if (bw > 0) ece += (bw / total) * Math.abs((binY[b] as number) / bw - (binP[b] as number) / bw);
      }
      out.ece = ece;
    }
    return out;
  };
  return { n, order, ys, ps, groupStart, compute };
}

/** Why a binary metric is null, for the report. */
export function binaryNullReason(metric: string, y: ArrayLike<number>): string | undefined {
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i] === 1 ? 1 : 0;
  const neg = y.length - pos;
  if (y.length === 0) return `${metric} is undefined: there are no rows`;
  if (metric === 'roc_auc' && (pos === 0 || neg === 0)) {
    return `roc_auc is undefined: the evaluation data has one class (${pos === 0 ? 'no positives' : 'no negatives'})`;
  }
  if (metric === 'pr_auc' && pos === 0) return 'pr_auc is undefined: the evaluation data has no positives';
  return undefined;
}

/** Confusion matrix at the threshold: rows = truth [neg, pos], columns = prediction. */
export function binaryConfusion(y: ArrayLike<number>, p: ArrayLike<number>, threshold: number): number[][] {
  const m = [
    [0, 0],
    [0, 0],
  ];
  for (let i = 0; i < y.length; i++) {
    const t = y[i] === 1 ? 1 : 0;
    const q = (p[i] as number) >= threshold ? 1 : 0;
    (m[t] as number[])[q] = ((m[t] as number[])[q] as number) + 1;
  }
  return m;
}

export interface ThresholdChoice {
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
}

/**
 * Operating points over the distinct scores (as sklearn's precision_recall_curve lists them):
 * `maxF1` (lowest threshold among equal F1), `forPrecision` (lowest threshold whose precision reaches the
 * target, i.e. the most recall), `forRecall` (highest threshold whose recall reaches the target).
 */
export function selectThreshold(
  prepared: PreparedBinary,
  goal: { kind: 'maxF1' } | { kind: 'precision'; target: number } | { kind: 'recall'; target: number },
): ThresholdChoice | null {
  const { ys, ps, groupStart } = prepared;
  const g = groupStart.length - 1;
  let pos = 0;
  for (let k = 0; k < ys.length; k++) pos += ys[k] as number;
  if (pos === 0) return null;
  const points: ThresholdChoice[] = [];
  let tp = 0;
  let fp = 0;
  for (let j = g - 1; j >= 0; j--) {
    for (let k = groupStart[j] as number; k < (groupStart[j + 1] as number); k++) {
      if (ys[k] === 1) tp++;
      else fp++;
    }
    const precision = tp / (tp + fp);
    const recall = tp / pos;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    points.push({ threshold: ps[groupStart[j] as number] as number, precision, recall, f1 });
    if (tp === pos) break; // sklearn stops the curve once full recall is reached
  }
  // points run from the highest threshold down.
  if (goal.kind === 'maxF1') {
    let best: ThresholdChoice | null = null;
    for (const pt of points) if (!best || pt.f1 >= best.f1) best = pt;
    return best;
  }
  if (goal.kind === 'precision') {
    let best: ThresholdChoice | null = null;
    for (const pt of points) if (pt.precision >= goal.target) best = pt;
    return best;
  }
  for (const pt of points) if (pt.recall >= goal.target) return pt;
  return null;
}

/** ROC curve points (fpr, tpr) over distinct thresholds, highest first, starting at (0, 0). */
export function rocCurve(prepared: PreparedBinary): { fpr: number[]; tpr: number[] } | null {
  const { ys, groupStart } = prepared;
  const g = groupStart.length - 1;
  let pos = 0;
  for (let k = 0; k < ys.length; k++) pos += ys[k] as number;
  const neg = ys.length - pos;
  if (pos === 0 || neg === 0) return null;
  const fpr = [0];
  const tpr = [0];
  let tp = 0;
  let fp = 0;
  for (let j = g - 1; j >= 0; j--) {
    for (let k = groupStart[j] as number; k < (groupStart[j + 1] as number); k++) {
      if (ys[k] === 1) tp++;
      else fp++;
    }
    fpr.push(fp / neg);
    tpr.push(tp / pos);
  }
  return { fpr, tpr };
}

/** Calibration bins (non-empty only), as sklearn's calibration_curve(strategy="uniform"). */
export function calibrationBins(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  bins = 10,
): { predicted: number[]; observed: number[]; count: number[] } {
  const sw = new Float64Array(bins);
  const sy = new Float64Array(bins);
  const sp = new Float64Array(bins);
  const step = 1 / bins;
  for (let i = 0; i < y.length; i++) {
    const pi = p[i] as number;
    let b = 0;
    while (b < bins - 1 && (b + 1) * step < pi) b++;
    sw[b] = (sw[b] as number) + 1;
    sy[b] = (sy[b] as number) + (y[i] === 1 ? 1 : 0);
    sp[b] = (sp[b] as number) + pi;
  }
  const out = { predicted: [] as number[], observed: [] as number[], count: [] as number[] };
  for (let b = 0; b < bins; b++) {
    const c = sw[b] as number;
    if (c === 0) continue;
    out.predicted.push((sp[b] as number) / c);
    out.observed.push((sy[b] as number) / c);
    out.count.push(c);
  }
  return out;
}
