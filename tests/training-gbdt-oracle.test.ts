/**
 * Oracle tests of the tree trainer: the same matrices and hyper-parameters through @slipway/training's
 * boost() and scikit-learn's HistGradientBoosting (pinned in .venv-interop), on seeded synthetic data and
 * on two real sets from vega-datasets (penguins: multiclass; cars: regression). Few-iteration runs on
 * data with < 255 distinct values per column must agree to float precision (same bins, same splits,
 * same leaf values); full runs must reach the same quality.
 *
 * TreeSHAP is checked against shap's TreeExplainer (pinned in .venv-interop by
 * scripts/interop-requirements-explain.txt).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type BoostInput, boost, type GbdtParams, predictRaw, predictTrees, rocAuc } from '@slipway/training';
import { describe, expect, it } from 'vitest';
import { treeShap } from '../packages/eval/src/explain/treeshap.js';

const PY = join(process.cwd(), '.venv-interop/bin/python');
const vega = join(
  dirname(
    dirname(createRequire(join(process.cwd(), 'apps/flight-delay/package.json')).resolve('vega-datasets')),
  ),
  'data',
);

const SKLEARN = `
import json, sys
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
c = json.load(open(sys.argv[1]))
X = np.array(c["x"], dtype=np.float32).reshape(-1, c["width"]).astype(np.float64)
y = np.array(c["y"])
tr, te = np.array(c["train"]), np.array(c["test"])
p = c["params"]
kw = dict(max_iter=p["iterations"], learning_rate=p["learningRate"], max_leaf_nodes=p["maxLeaves"],
          max_depth=p["maxDepth"], min_samples_leaf=p["minSamplesLeaf"], l2_regularization=p["l2"],
          max_bins=p["maxBins"], early_stopping=False, random_state=0)
if c["task"] == "regression":
    m = HistGradientBoostingRegressor(**kw).fit(X[tr], y[tr])
    out = {"raw": m.predict(X[te]).tolist()}
elif c["task"] == "binary":
    m = HistGradientBoostingClassifier(**kw).fit(X[tr], y[tr].astype(int))
    out = {"raw": m.decision_function(X[te]).tolist(), "proba": m.predict_proba(X[te])[:, 1].tolist()}
else:
    m = HistGradientBoostingClassifier(**kw).fit(X[tr], y[tr].astype(int))
    out = {"proba": m.predict_proba(X[te]).ravel().tolist()}
json.dump(out, sys.stdout)
`;

interface Data {
  x: Float32Array;
  y: Float32Array;
  width: number;
  n: number;
}

const work = mkdtempSync(join(tmpdir(), 'slipway-gbdt-oracle-'));

function sklearn(
  task: BoostInput['task'],
  d: Data,
  train: Uint32Array,
  test: Uint32Array,
  params: GbdtParams,
) {
  const file = join(work, 'case.json');
  writeFileSync(
    file,
    JSON.stringify({
      task,
      x: Array.from(d.x),
      y: Array.from(d.y),
      width: d.width,
      train: Array.from(train),
      test: Array.from(test),
      params,
    }),
  );
  const script = join(work, 'hgb.py');
  writeFileSync(script, SKLEARN);
  return JSON.parse(
    execFileSync(PY, [script, file], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
      env: { ...process.env, OMP_NUM_THREADS: '1' },
    }),
  ) as {
    raw?: number[];
    proba?: number[];
  };
}

async function ours(
  task: BoostInput['task'],
  d: Data,
  train: Uint32Array,
  test: Uint32Array,
  params: GbdtParams,
  units = 1,
) {
  const { trees } = await boost({
    task,
    x: d.x,
    width: d.width,
    y: d.y,
    units,
    trainRows: train,
    valRows: new Uint32Array(0),
    params,
    seed: 1,
  });
  const xt = new Float32Array(test.length * d.width);
  test.forEach((r, i) => {
    xt.set(d.x.subarray(r * d.width, (r + 1) * d.width), i * d.width);
  });
  return {
    raw: predictRaw(trees, xt, test.length, d.width),
    out: predictTrees(trees, xt, test.length, d.width),
  };
}

/** Seeded split: every fourth row (after a fixed shuffle) is a test row. */
function split(n: number, seed: number): { train: Uint32Array; test: Uint32Array } {
  let s = seed;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    s = (s * 16807) % 2147483647;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const test = order.filter((_, i) => i % 4 === 0).sort((a, b) => a - b);
  const train = order.filter((_, i) => i % 4 !== 0).sort((a, b) => a - b);
  return { train: Uint32Array.from(train), test: Uint32Array.from(test) };
}

function synthetic(n: number, distinct: number | null): Data {
  let s = 42;
  const rnd = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  const width = 6;
  const x = new Float32Array(n * width);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < width; f++) {
      const u = rnd();
      x[i * width + f] = distinct ? Math.floor(u * distinct) / distinct : u * 2 - 1;
    }
    const a = x[i * width]!;
    const b = x[i * width + 1]!;
    const z = 1.5 * a - b + 2 * a * b + (x[i * width + 2]! > 0.3 ? 0.8 : 0) + 0.8 * (rnd() - 0.5);
    y[i] = z > 0.3 ? 1 : 0;
  }
  return { x, y, width, n };
}

/** Numeric and one-hot columns from JSON records; rows with a missing value are left out. */
function records(
  file: string,
  numeric: string[],
  categorical: string[],
  label: string,
  labelClasses?: string[],
) {
  const rows = (JSON.parse(readFileSync(join(vega, file), 'utf8')) as Record<string, unknown>[]).filter((r) =>
    [...numeric, ...categorical, label].every((k) => r[k] !== null && r[k] !== undefined && r[k] !== ''),
  );
  const levels = categorical.map((c) => [...new Set(rows.map((r) => String(r[c])))].sort());
  const width = numeric.length + levels.reduce((a, l) => a + l.length, 0);
  const x = new Float32Array(rows.length * width);
  const y = new Float32Array(rows.length);
  rows.forEach((r, i) => {
    let j = 0;
    for (const c of numeric) x[i * width + j++] = Number(r[c]);
    categorical.forEach((c, ci) => {
      for (const level of levels[ci]!) x[i * width + j++] = String(r[c]) === level ? 1 : 0;
    });
    y[i] = labelClasses ? labelClasses.indexOf(String(r[label])) : Number(r[label]);
  });
  return { x, y, width, n: rows.length };
}

const defaults: GbdtParams = {
  iterations: 100,
  learningRate: 0.1,
  maxLeaves: 31,
  maxDepth: null,
  minSamplesLeaf: 20,
  minHessianLeaf: 1e-3,
  l2: 0,
  maxBins: 255,
  minGainToSplit: 0,
};

function macroF1(y: ArrayLike<number>, pred: ArrayLike<number>, k: number): number {
  let sum = 0;
  for (let c = 0; c < k; c++) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < y.length; i++) {
      if (pred[i] === c && y[i] === c) tp++;
      else if (pred[i] === c) fp++;
      else if (y[i] === c) fn++;
    }
    sum += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  return sum / k;
}

const argmax = (p: ArrayLike<number>, k: number) =>
  Array.from({ length: p.length / k }, (_, i) => {
    let b = 0;
    for (let c = 1; c < k; c++) if (p[i * k + c]! > p[i * k + b]!) b = c;
    return b;
  });

describe('gbdt vs scikit-learn HistGradientBoosting', () => {
  it('binary, few iterations, < 255 distinct values: the same model to float precision', async () => {
    const d = synthetic(3000, 50);
    const { train, test } = split(d.n, 7);
    const params = { ...defaults, iterations: 5, maxLeaves: 6 };
    const a = await ours('binary', d, train, test, params);
    const b = sklearn('binary', d, train, test, params);
    let worst = 0;
    for (let i = 0; i < test.length; i++) worst = Math.max(worst, Math.abs(a.raw[i]! - b.raw![i]!));
    expect(worst).toBeLessThan(1e-5);
  });

  it('regression (cars), few iterations: the same model to float precision', async () => {
    const d = records(
      'cars.json',
      ['Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration'],
      ['Origin'],
      'Miles_per_Gallon',
    );
    const { train, test } = split(d.n, 3);
    const params = { ...defaults, iterations: 3, maxLeaves: 4, minSamplesLeaf: 10 };
    const a = await ours('regression', d, train, test, params);
    const b = sklearn('regression', d, train, test, params);
    let worst = 0;
    for (let i = 0; i < test.length; i++) worst = Math.max(worst, Math.abs(a.raw[i]! - b.raw![i]!));
    expect(worst).toBeLessThan(1e-4);
  });

  it('binary, continuous features, 100 iterations: AUC within 0.01', async () => {
    const d = synthetic(6000, null);
    const { train, test } = split(d.n, 11);
    const a = await ours('binary', d, train, test, defaults);
    const b = sklearn('binary', d, train, test, defaults);
    const yt = Array.from(test, (r) => d.y[r]!);
    const ours_ = rocAuc(a.out, yt);
    const theirs = rocAuc(b.proba!, yt);
    expect(ours_).toBeGreaterThan(0.85);
    expect(Math.abs(ours_ - theirs)).toBeLessThan(0.01);
  });

  it('multiclass (penguins): macro-F1 within 0.03, probabilities close', async () => {
    const species = ['Adelie', 'Chinstrap', 'Gentoo'];
    const d = records(
      'penguins.json',
      ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)'],
      ['Island', 'Sex'],
      'Species',
      species,
    );
    const { train, test } = split(d.n, 5);
    const params = { ...defaults, iterations: 50, minSamplesLeaf: 5 };
    const a = await ours('multiclass', d, train, test, params, 3);
    const b = sklearn('multiclass', d, train, test, params);
    const yt = Array.from(test, (r) => d.y[r]!);
    const f1Ours = macroF1(yt, argmax(a.out, 3), 3);
    const f1Theirs = macroF1(yt, argmax(b.proba!, 3), 3);
    expect(f1Ours).toBeGreaterThan(0.9);
    expect(Math.abs(f1Ours - f1Theirs)).toBeLessThan(0.03);
    let meanAbs = 0;
    for (let i = 0; i < a.out.length; i++) meanAbs += Math.abs(a.out[i]! - b.proba![i]!) / a.out.length;
    expect(meanAbs).toBeLessThan(0.02);
  });

  it('regression (cars), 100 iterations: RMSE within 3%', async () => {
    const d = records(
      'cars.json',
      ['Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration'],
      ['Origin'],
      'Miles_per_Gallon',
    );
    const { train, test } = split(d.n, 13);
    const params = { ...defaults, minSamplesLeaf: 10 };
    const a = await ours('regression', d, train, test, params);
    const b = sklearn('regression', d, train, test, params);
    const rmse = (p: ArrayLike<number>) =>
      Math.sqrt(Array.from(test).reduce((s, r, i) => s + (p[i]! - d.y[r]!) ** 2, 0) / test.length);
    expect(rmse(a.out)).toBeLessThan(4);
    expect(Math.abs(rmse(a.out) / rmse(b.raw!) - 1)).toBeLessThan(0.03);
  });

  const shapPython = PY;
  it('TreeSHAP equals shap.TreeExplainer (path-dependent) per output', async () => {
    const d = synthetic(800, null);
    const y3 = Float32Array.from(d.y, (v, i) => (v === 0 ? 0 : d.x[i * d.width + 3]! > 0 ? 1 : 2));
    const rows = split(d.n, 1).train;
    const params = { ...defaults, iterations: 30, maxLeaves: 15, minSamplesLeaf: 10 };
    const script = join(work, 'shap_check.py');
    writeFileSync(
      script,
      `
import json, sys
import numpy as np, shap
c = json.load(open(sys.argv[1]))
X = np.array(c["x"], dtype=np.float32).reshape(-1, c["width"]).astype(np.float64)
t = c["trees"]; k = t["outputs"]; out = []
for cls in range(k):
    trees = []
    for i, tr in enumerate(t["trees"]):
        if i % k != cls: continue
        left = np.array(tr["left"])
        trees.append({"children_left": left, "children_right": np.array(tr["right"]), "children_default": left.copy(),
                      "features": np.array(tr["feature"]), "thresholds": np.array(tr["threshold"], dtype=np.float64),
                      "values": np.array(tr["value"], dtype=np.float64).reshape(-1, 1),
                      "node_sample_weight": np.array(tr["cover"], dtype=np.float64)})
    ex = shap.TreeExplainer({"trees": trees, "base_offset": t["baseScore"][cls]})
    out.append({"values": ex.shap_values(X).ravel().tolist(), "expected": float(np.ravel(ex.expected_value)[0])})
json.dump(out, sys.stdout)
`,
    );
    for (const [task, y, k] of [
      ['binary', d.y, 1],
      ['multiclass', y3, 3],
    ] as const) {
      const { trees } = await boost({
        task,
        x: d.x,
        width: d.width,
        y,
        units: k,
        trainRows: rows,
        valRows: new Uint32Array(0),
        params,
        seed: 1,
      });
      const ours = treeShap(trees, d.x, d.n);
      const file = join(work, 'shap.json');
      writeFileSync(file, JSON.stringify({ x: Array.from(d.x), width: d.width, trees }));
      const ref = JSON.parse(
        execFileSync(shapPython, [script, file], { encoding: 'utf8', maxBuffer: 1 << 28 }),
      ) as {
        values: number[];
        expected: number;
      }[];
      let worst = 0;
      for (let c = 0; c < k; c++) {
        expect(ref[c]!.expected).toBeCloseTo(ours.expected[c]!, 10);
        for (let r = 0; r < d.n; r++)
          for (let f = 0; f < d.width; f++)
            worst = Math.max(
              worst,
              Math.abs(ref[c]!.values[r * d.width + f]! - ours.values[(r * k + c) * d.width + f]!),
            );
      }
      expect(worst).toBeLessThan(1e-9);
    }
  });
});
