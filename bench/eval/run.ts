// bench/eval: 1,000,000 binary predictions: every binary metric, the confusion matrix and the max-F1
// threshold, plus 1,000-resample bootstrap intervals for ROC AUC and F1. Slipway vs scikit-learn +
// numpy doing the same work, in one run; prints both times and the ratio.
//   pnpm --filter @slipway/eval build
//   node bench/eval/run.ts [rows] [resamples]
// Needs .venv-interop (scikit-learn, numpy): bash scripts/interop-venv.sh
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  binaryConfusion,
  bootstrap,
  createRng,
  prepareBinary,
  selectThreshold,
} from '../../packages/eval/dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const python = join(root, '.venv-interop/bin/python');
const n = Number(process.argv[2] ?? 1_000_000);
const resamples = Number(process.argv[3] ?? 1000);
const seed = 7;

// Data: 30 % positives, scores with 4 decimals (so there are ties), a useful but imperfect model.
const rng = createRng(2026);
const y = new Float64Array(n);
const p = new Float64Array(n);
for (let i = 0; i < n; i++) {
  const yi = rng.next() < 0.3 ? 1 : 0;
  y[i] = yi;
  p[i] = Math.round(Math.min(1, Math.max(0, 0.25 * yi + 0.75 * rng.next())) * 1e4) / 1e4;
}
const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-eval-'));
writeFileSync(join(dir, 'y.f64'), new Uint8Array(y.buffer));
writeFileSync(join(dir, 'p.f64'), new Uint8Array(p.buffer));

// Slipway.
const t0 = performance.now();
const prepared = prepareBinary({ y, p, threshold: 0.5 });
const metrics = prepared.compute();
const confusion = binaryConfusion(y, p, 0.5);
const maxF1 = selectThreshold(prepared, { kind: 'maxF1' });
const tPoint = performance.now();
const boot = bootstrap([prepared], { resamples, seed, confidence: 0.95, metrics: ['roc_auc', 'f1'] });
const t1 = performance.now();
const ours = {
  seconds: (t1 - t0) / 1000,
  pointSeconds: (tPoint - t0) / 1000,
  metrics,
  confusion,
  maxF1,
  aucCi: boot.intervals.roc_auc?.[0],
  f1Ci: boot.intervals.f1?.[0],
};

// scikit-learn + numpy, same work, timed inside Python (data loading excluded on both sides).
const script = `
import json, sys, time
import numpy as np
from sklearn import metrics as M
d = sys.argv[1]; B = int(sys.argv[2]); seed = int(sys.argv[3])
y = np.fromfile(d + "/y.f64").astype(np.int64); p = np.fromfile(d + "/p.f64")
t0 = time.perf_counter()
yp = (p >= 0.5).astype(np.int64)
out = {
  "accuracy": M.accuracy_score(y, yp), "precision": M.precision_score(y, yp), "recall": M.recall_score(y, yp),
  "f1": M.f1_score(y, yp), "roc_auc": M.roc_auc_score(y, p), "pr_auc": M.average_precision_score(y, p),
  "log_loss": M.log_loss(y, p, labels=[0, 1]), "brier": M.brier_score_loss(y, p),
}
edges = np.linspace(0.0, 1.0, 11); ids = np.searchsorted(edges[1:-1], p)
tot = np.bincount(ids, minlength=10); sy = np.bincount(ids, weights=y, minlength=10); sp = np.bincount(ids, weights=p, minlength=10)
nz = tot > 0
out["ece"] = float(np.sum(tot[nz] / tot.sum() * np.abs(sy[nz] / tot[nz] - sp[nz] / tot[nz])))
cm = M.confusion_matrix(y, yp, labels=[0, 1])
prec, rec, thr = M.precision_recall_curve(y, p)
f1c = np.where(prec[:-1] + rec[:-1] == 0, 0, 2 * prec[:-1] * rec[:-1] / np.maximum(prec[:-1] + rec[:-1], 1e-300))
best = int(np.argmax(f1c))
t_point = time.perf_counter()
rng = np.random.default_rng(seed); n = len(y)
aucs = np.empty(B); f1s = np.empty(B)
for b in range(B):
  idx = rng.integers(0, n, n)
  aucs[b] = M.roc_auc_score(y[idx], p[idx])
  f1s[b] = M.f1_score(y[idx], yp[idx])
t1 = time.perf_counter()
print(json.dumps({"seconds": t1 - t0, "pointSeconds": t_point - t0, "metrics": out, "maxF1": [float(thr[best]), float(f1c[best])],
  "aucCi": [float(np.quantile(aucs, 0.025)), float(np.quantile(aucs, 0.975))], "f1Ci": [float(np.quantile(f1s, 0.025)), float(np.quantile(f1s, 0.975))]}))
`;
const py = JSON.parse(
  execFileSync(python, ['-c', script, dir, String(resamples), String(seed)], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  }),
);
rmSync(dir, { recursive: true, force: true });

let maxDiff = 0;
for (const [k, v] of Object.entries(py.metrics as Record<string, number>))
  maxDiff = Math.max(maxDiff, Math.abs((metrics[k] as number) - v));
const fmt = (x: number) => x.toFixed(2).padStart(8);
console.log(
  `bench/eval: ${n.toLocaleString('en-US')} binary predictions, ${resamples} bootstrap resamples (ROC AUC + F1)`,
);
console.log(`  slipway        ${fmt(ours.seconds)} s   (point metrics ${ours.pointSeconds.toFixed(3)} s)`);
console.log(`  scikit-learn   ${fmt(py.seconds)} s   (point metrics ${py.pointSeconds.toFixed(3)} s)`);
console.log(
  `  ratio          ${(py.seconds / ours.seconds).toFixed(1)}× faster (scikit-learn time / slipway time)`,
);
console.log(
  `  point metrics: max |slipway − scikit-learn| = ${maxDiff.toExponential(2)}; max-F1 threshold ${maxF1?.threshold} vs ${py.maxF1[0]}`,
);
console.log(
  `  95% CI roc_auc: slipway [${ours.aucCi?.low.toFixed(5)}, ${ours.aucCi?.high.toFixed(5)}]  scikit-learn [${py.aucCi[0].toFixed(5)}, ${py.aucCi[1].toFixed(5)}]`,
);
console.log(
  `  95% CI f1:      slipway [${ours.f1Ci?.low.toFixed(5)}, ${ours.f1Ci?.high.toFixed(5)}]  scikit-learn [${py.f1Ci[0].toFixed(5)}, ${py.f1Ci[1].toFixed(5)}]`,
);
