/**
 * Oracle tests: every metric of @slipway/eval against scikit-learn / numpy / scipy in the pinned
 * interop venv, on data generated here with a seeded RNG (ties, bin edges, single class, zeros,
 * constant targets), unweighted and with bootstrap-style integer weights. Tolerance 1e-9.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  binaryConfusion,
  createRng,
  fairness,
  mcnemarFromCounts,
  multiclassConfusion,
  perClassKey,
  percentileInterval,
  prepareBinary,
  prepareMulticlass,
  prepareRegression,
  residualAnalysis,
  selectThreshold,
} from '@slipway/eval';
import { describe, expect, it } from 'vitest';

const PY = join(process.cwd(), '.venv-interop/bin/python');

const ORACLE = `
import json, sys, math
import numpy as np
from sklearn import metrics as M
from sklearn.calibration import calibration_curve
from scipy.stats import binomtest

def clean(x):
    if isinstance(x, dict): return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)): return [clean(v) for v in x]
    if isinstance(x, (np.floating, float)):
        return None if math.isnan(x) else float(x)
    if isinstance(x, np.integer): return int(x)
    if isinstance(x, np.ndarray): return clean(x.tolist())
    return x

def ece(y, p, w, bins):
    edges = np.linspace(0.0, 1.0, bins + 1)
    ids = np.searchsorted(edges[1:-1], p)
    tot = np.bincount(ids, weights=w, minlength=bins)
    sy = np.bincount(ids, weights=w * y, minlength=bins)
    sp = np.bincount(ids, weights=w * p, minlength=bins)
    nz = tot > 0
    return float(np.sum(tot[nz] / tot.sum() * np.abs(sy[nz] / tot[nz] - sp[nz] / tot[nz])))

def binary(c):
    y = np.array(c["y"], dtype=int); p = np.array(c["p"], dtype=float); t = c["threshold"]
    w = np.array(c["w"], dtype=float) if c.get("w") is not None else None
    ww = w if w is not None else np.ones(len(y))
    yp = (p >= t).astype(int)
    out = {
        "accuracy": M.accuracy_score(y, yp, sample_weight=w),
        "precision": M.precision_score(y, yp, sample_weight=w, zero_division=0),
        "recall": M.recall_score(y, yp, sample_weight=w, zero_division=0),
        "f1": M.f1_score(y, yp, sample_weight=w, zero_division=0),
        "roc_auc": M.roc_auc_score(y, p, sample_weight=w) if len(set(y[ww > 0])) == 2 else None,
        "pr_auc": M.average_precision_score(y, p, sample_weight=w) if (y[ww > 0] == 1).any() else None,
        "log_loss": M.log_loss(y, p, sample_weight=w, labels=[0, 1]),
        "brier": M.brier_score_loss(y, p, sample_weight=w, pos_label=1),
        "ece": ece(y, p, ww, c.get("bins", 10)),
    }
    if w is None:
        cal_true, cal_pred = calibration_curve(y, p, n_bins=c.get("bins", 10)) if len(set(y)) == 2 else (None, None)
        out["confusion"] = M.confusion_matrix(y, yp, labels=[0, 1])
        if (y == 1).any():
            prec, rec, thr = M.precision_recall_curve(y, p)
            prec, rec = prec[:-1], rec[:-1]
            with np.errstate(invalid="ignore", divide="ignore"):
                f1 = np.where(prec + rec == 0, 0.0, 2 * prec * rec / (prec + rec))
            i = int(np.argmax(f1))
            out["maxF1"] = [thr[i], f1[i]]
            ok = np.where(prec >= 0.8)[0]
            out["forPrecision"] = [thr[ok[0]], rec[ok[0]]] if len(ok) else None
            ok = np.where(rec >= 0.6)[0]
            out["forRecall"] = [thr[ok[-1]], prec[ok[-1]]] if len(ok) else None
    return out

def multiclass(c):
    y = np.array(c["y"], dtype=int); k = c["k"]
    P = np.array(c["proba"], dtype=float).reshape(-1, k)
    pred = np.argmax(P, axis=1)
    w = np.array(c["w"], dtype=float) if c.get("w") is not None else None
    out = {
        "pred": pred,
        "accuracy": M.accuracy_score(y, pred, sample_weight=w),
        "macro_f1": M.f1_score(y, pred, average="macro", sample_weight=w, zero_division=0) if w is None else None,
        "micro_f1": M.f1_score(y, pred, average="micro", sample_weight=w),
        "weighted_f1": M.f1_score(y, pred, average="weighted", sample_weight=w, zero_division=0),
        "top_k_accuracy": M.top_k_accuracy_score(y, P, k=c["topK"], labels=list(range(k)), sample_weight=w),
        "log_loss": M.log_loss(y, P, labels=list(range(k)), sample_weight=w),
    }
    pr, rc, f1, _ = M.precision_recall_fscore_support(
        y, pred, labels=list(range(k)), average=None, sample_weight=w, zero_division=np.nan)
    out["per_class"] = {"precision": pr, "recall": rc, "f1": f1}
    if w is not None:
        keep = w > 0
        labels = sorted(set(y[keep]) | set(pred[keep]))
        out["macro_f1"] = M.f1_score(y, pred, labels=labels, average="macro", sample_weight=w, zero_division=0)
    else:
        out["confusion"] = M.confusion_matrix(y, pred, labels=list(range(k)))
    return out

def regression(c):
    y = np.array(c["y"], dtype=float); p = np.array(c["p"], dtype=float)
    w = np.array(c["w"], dtype=float) if c.get("w") is not None else None
    out = {
        "mae": M.mean_absolute_error(y, p, sample_weight=w),
        "rmse": M.root_mean_squared_error(y, p, sample_weight=w),
        "r2": M.r2_score(y, p, sample_weight=w),
        "mape": M.mean_absolute_percentage_error(y, p, sample_weight=w),
    }
    if w is None:
        out["median_absolute_error"] = M.median_absolute_error(y, p)
        r = y - p
        counts, edges = np.histogram(r, bins=20)
        out["residuals"] = {
            "mean": float(np.mean(r)), "std": float(np.std(r)), "min": float(np.min(r)), "max": float(np.max(r)),
            "p05": float(np.percentile(r, 5)), "p25": float(np.percentile(r, 25)), "median": float(np.median(r)),
            "p75": float(np.percentile(r, 75)), "p95": float(np.percentile(r, 95)),
            "counts": counts, "edges": edges,
        }
    else:
        out["median_absolute_error"] = float(np.median(np.repeat(np.abs(y - p), w.astype(int))))
    return out

def fair(c):
    y = np.array(c["y"]); p = np.array(c["p"]); g = np.array(c["g"]); yp = p >= c["threshold"]
    sel, tpr, fpr = [], [], []
    for v in sorted(set(g)):
        m = g == v
        sel.append(yp[m].mean())
        if (y[m] == 1).any(): tpr.append(yp[m & (y == 1)].mean())
        if (y[m] == 0).any(): fpr.append(yp[m & (y == 0)].mean())
    rng = lambda a: max(a) - min(a) if len(a) >= 2 else None
    t, f = rng(tpr), rng(fpr)
    return {"dpd": rng(sel), "eod": None if t is None and f is None else max(t or 0, f or 0)}

data = json.load(open(sys.argv[1]))
res = {
    "binary": [binary(c) for c in data["binary"]],
    "multiclass": [multiclass(c) for c in data["multiclass"]],
    "regression": [regression(c) for c in data["regression"]],
    "mcnemar": [binomtest(min(b, c), b + c, 0.5).pvalue if b + c > 0 else 1.0 for b, c in data["mcnemar"]],
    "quantiles": [[float(np.quantile(np.array(v), 0.025)), float(np.quantile(np.array(v), 0.975))] for v in data["quantiles"]],
    "fairness": [fair(c) for c in data["fairness"]],
}
print(json.dumps(clean(res)))
`;

// biome-ignore lint/suspicious/noExplicitAny: the oracle answers free-form JSON
function oracle(data: unknown): any {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-eval-oracle-'));
  writeFileSync(join(dir, 'in.json'), JSON.stringify(data));
  writeFileSync(join(dir, 'oracle.py'), ORACLE);
  const out = execFileSync(PY, [join(dir, 'oracle.py'), join(dir, 'in.json')], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: { ...process.env, PYTHONWARNINGS: 'ignore' },
  });
  return JSON.parse(out);
}

function close(actual: number | null | undefined, expected: number | null, label: string): void {
  if (expected === undefined) throw new Error(`${label}: the oracle gave no value`);
  if (expected === null) {
    expect(actual ?? null, label).toBeNull();
    return;
  }
  expect(typeof actual, label).toBe('number');
  const tol = 1e-9 * Math.max(1, Math.abs(expected));
  if (Math.abs((actual as number) - expected) > tol) {
    throw new Error(
      `${label}: got ${actual}, scikit-learn ${expected} (|Δ| = ${Math.abs((actual as number) - expected)})`,
    );
  }
}

const rng = createRng(20261124);
const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

function binaryCase(n: number, decimals: number, positiveRate = 0.3) {
  const y: number[] = [];
  const p: number[] = [];
  for (let i = 0; i < n; i++) {
    const yi = rng.next() < positiveRate ? 1 : 0;
    const s = Math.min(1, Math.max(0, 0.35 * yi + 0.65 * rng.next()));
    y.push(yi);
    p.push(round(s, decimals));
  }
  return { y, p, threshold: 0.5 };
}

function counts(n: number): number[] {
  const c = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    const j = rng.int(n);
    c[j] = (c[j] as number) + 1;
  }
  return c;
}

const BINARY_METRICS = [
  'accuracy',
  'precision',
  'recall',
  'f1',
  'roc_auc',
  'pr_auc',
  'log_loss',
  'brier',
  'ece',
];

describe('eval metrics vs scikit-learn', () => {
  // Binary cases: ties (2 decimals), many ties (1 decimal: every score on an ECE bin edge), continuous,
  // all scores equal, perfect separation, scores of exactly 0 and 1, one class only, a tiny sample.
  const big = binaryCase(3000, 2);
  const edges = binaryCase(800, 1);
  const continuous = binaryCase(1500, 12, 0.1);
  const binaryCases: { y: number[]; p: number[]; threshold: number; w?: number[]; bins?: number }[] = [
    big,
    { ...edges, bins: 10 },
    // Labels independent of the score: calibration gaps change sign at 0.5, so a score on a bin edge
    // (0.5 is exactly 5 × 0.1) lands in a bin that changes the ECE if it is binned on the wrong side.
    {
      y: Array.from({ length: 500 }, () => (rng.next() < 0.5 ? 1 : 0)),
      p: Array.from({ length: 500 }, (_, i) => (i % 5 === 0 ? 0.5 : round(rng.next(), 2))),
      threshold: 0.5,
    },
    { ...continuous, threshold: 0.37 },
    { y: [0, 1, 0, 1, 1, 0], p: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5], threshold: 0.5 },
    { y: [0, 0, 0, 1, 1], p: [0.1, 0.2, 0.3, 0.8, 0.9], threshold: 0.5 },
    { y: [0, 1, 1, 0, 1, 0, 1], p: [0, 1, 1, 1, 0, 0, 0.5], threshold: 0.5, bins: 4 },
    { y: [1, 1, 1, 1], p: [0.2, 0.6, 0.6, 0.9], threshold: 0.5 },
    { y: [0, 0, 0], p: [0.2, 0.6, 0.9], threshold: 0.5 },
    { y: [1, 0, 1], p: [0.3, 0.7, 0.7], threshold: 0.7 },
    { ...big, w: counts(big.y.length) },
    { ...edges, w: counts(edges.y.length) },
  ];

  const mcCases: { y: number[]; proba: number[]; k: number; topK: number; w?: number[] }[] = [];
  {
    // Probabilities that sum to exactly 1 (dyadic) with ties, plus normalized random rows.
    const fixed = [
      [0.25, 0.25, 0.25, 0.25, 0],
      [0.5, 0.25, 0.125, 0.125, 0],
      [0.375, 0.375, 0.125, 0.125, 0],
      [0, 0, 1, 0, 0],
      [0.125, 0.5, 0.125, 0.25, 0],
    ];
    const y: number[] = [];
    const proba: number[] = [];
    for (let i = 0; i < 1200; i++) {
      const row =
        i % 3 === 0
          ? (fixed[rng.int(fixed.length)] as number[])
          : Array.from({ length: 5 }, (_, j) => (j === 4 ? 0 : rng.next()));
      const s = row.reduce((a, b) => a + b, 0);
      const r = i % 3 === 0 ? row : row.map((v) => v / s);
      proba.push(...r);
      // class 4 is never true and never predicted: macro F1 must skip it as sklearn does.
      y.push(rng.next() < 0.5 ? r.indexOf(Math.max(...r)) : rng.int(4));
    }
    mcCases.push(
      { y, proba, k: 5, topK: 2 },
      { y, proba, k: 5, topK: 3 },
      { y, proba, k: 5, topK: 2, w: counts(y.length) },
    );
  }

  const regCases: { y: number[]; p: number[]; w?: number[] }[] = [];
  {
    const y: number[] = [];
    const p: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const yi = i % 50 === 0 ? 0 : round(rng.next() * 100 - 30, 1);
      y.push(yi);
      p.push(i % 7 === 0 ? yi : round(yi + (rng.next() - 0.5) * 20, 1));
    }
    regCases.push(
      { y, p },
      { y, p, w: counts(y.length) },
      { y: [3, 3, 3, 3], p: [3, 3, 3, 3] },
      { y: [3, 3, 3, 3], p: [1, 2, 3, 4] },
    );
    regCases.push({ y: [1, -2, 0, 4, 10, 7], p: [1.5, -2, 1, 3, 8, 7] });
  }

  const mcnemarCases: [number, number][] = [
    [0, 0],
    [3, 0],
    [10, 12],
    [40, 17],
    [812, 790],
    [40_000, 40_800],
  ];
  const quantileCases = [Array.from({ length: 1000 }, () => rng.next()), [1, 2, 3, 4, 5, 6, 7]];
  const fairCases = [
    { ...binaryCase(600, 2), g: Array.from({ length: 600 }, () => ['a', 'b', 'c'][rng.int(3)] as string) },
  ];

  const expected = oracle({
    binary: binaryCases,
    multiclass: mcCases,
    regression: regCases,
    mcnemar: mcnemarCases,
    quantiles: quantileCases,
    fairness: fairCases,
  });

  it('binary metrics, confusion and threshold selection', () => {
    binaryCases.forEach((c, ci) => {
      const exp = expected.binary[ci];
      const prepared = prepareBinary({ y: c.y, p: c.p, threshold: c.threshold, eceBins: c.bins ?? 10 });
      // Weights are laid out in the prepared (sorted) order.
      const w = c.w ? Array.from(prepared.order, (i) => c.w?.[i] as number) : undefined;
      const got = prepared.compute(w);
      for (const m of BINARY_METRICS) close(got[m], exp[m], `binary case ${ci} ${m}`);
      if (!c.w) {
        expect(binaryConfusion(c.y, c.p, c.threshold), `case ${ci} confusion`).toEqual(exp.confusion);
        const maxF1 = selectThreshold(prepared, { kind: 'maxF1' });
        const forP = selectThreshold(prepared, { kind: 'precision', target: 0.8 });
        const forR = selectThreshold(prepared, { kind: 'recall', target: 0.6 });
        if (exp.maxF1 === undefined) expect(maxF1).toBeNull();
        else {
          close(maxF1?.threshold, exp.maxF1[0], `case ${ci} maxF1 threshold`);
          close(maxF1?.f1, exp.maxF1[1], `case ${ci} maxF1 f1`);
          if (exp.forPrecision === null) expect(forP).toBeNull();
          else {
            close(forP?.threshold, exp.forPrecision[0], `case ${ci} precision≥0.8 threshold`);
            close(forP?.recall, exp.forPrecision[1], `case ${ci} precision≥0.8 recall`);
          }
          if (exp.forRecall === null) expect(forR).toBeNull();
          else {
            close(forR?.threshold, exp.forRecall[0], `case ${ci} recall≥0.6 threshold`);
            close(forR?.precision, exp.forRecall[1], `case ${ci} recall≥0.6 precision`);
          }
        }
      }
    });
  });

  it('multiclass metrics and confusion', () => {
    mcCases.forEach((c, ci) => {
      const exp = expected.multiclass[ci];
      const pred = exp.pred as number[];
      // Our argmax (first maximum) must match numpy's.
      for (let i = 0; i < c.y.length; i++) {
        const row = c.proba.slice(i * c.k, (i + 1) * c.k);
        expect(row.indexOf(Math.max(...row))).toBe(pred[i]);
      }
      const prepared = prepareMulticlass({ y: c.y, pred, proba: c.proba, k: c.k, topK: c.topK });
      const got = prepared.compute(c.w);
      for (const m of ['accuracy', 'macro_f1', 'micro_f1', 'weighted_f1', 'top_k_accuracy', 'log_loss']) {
        close(got[m], exp[m], `multiclass case ${ci} ${m}`);
      }
      if (!c.w) expect(multiclassConfusion(c.y, pred, c.k)).toEqual(exp.confusion);
      // Per-class precision, recall and F1 (precision_recall_fscore_support, average=None).
      for (const m of ['precision', 'recall', 'f1'] as const) {
        for (let j = 0; j < c.k; j++) {
          const want = exp.per_class[m][j] as number | null;
          const have = got[perClassKey(m, j)] ?? null;
          if (want === null) expect(have, `multiclass case ${ci} ${m}[${j}]`).toBeNull();
          else close(have, want, `multiclass case ${ci} ${m}[${j}]`);
        }
      }
    });
  });

  it('regression metrics', () => {
    regCases.forEach((c, ci) => {
      const exp = expected.regression[ci];
      const got = prepareRegression(c.y, c.p).compute(c.w);
      for (const m of ['mae', 'rmse', 'r2', 'mape', 'median_absolute_error'])
        close(got[m], exp[m], `regression case ${ci} ${m}`);
      if (!c.w) {
        // Residual summary and histogram as numpy computes them.
        const r = residualAnalysis(c.y, c.p, 1);
        for (const [k, v] of Object.entries(r.summary))
          close(v, exp.residuals[k], `regression case ${ci} residual ${k}`);
        expect(r.histogram.counts, `regression case ${ci} histogram`).toEqual(exp.residuals.counts);
        for (const [i, e] of r.histogram.edges.entries())
          close(e, exp.residuals.edges[i], `regression case ${ci} edge ${i}`);
      }
    });
  });

  it("McNemar's exact test, percentile intervals and fairness", () => {
    mcnemarCases.forEach(([b, c], i) => {
      close(mcnemarFromCounts(b, c).pValue, expected.mcnemar[i], `mcnemar ${b}/${c}`);
    });
    quantileCases.forEach((v, i) => {
      const ci = percentileInterval(v, 0.95);
      close(ci?.low, expected.quantiles[i][0], `quantile ${i} low`);
      close(ci?.high, expected.quantiles[i][1], `quantile ${i} high`);
    });
    fairCases.forEach((c, i) => {
      const f = fairness(
        { name: 'g', kind: 'string', sqlType: 'VARCHAR', values: c.g },
        c.y,
        c.p,
        c.threshold,
      );
      close(f.demographicParityDifference, expected.fairness[i].dpd, 'demographic parity difference');
      close(f.equalizedOddsDifference, expected.fairness[i].eod, 'equalized odds difference');
    });
  });
});
