import type { Table } from '@slipway/data';
import type { Predictions } from '@slipway/training';
import { describe, expect, it } from 'vitest';
import { evaluatePredictions, parseEvalConfig } from './evaluate-predictions.js';
import { createRng } from './util/rng.js';

function binaryData(n: number, seed: number, skill = 0.4) {
  const rng = createRng(seed);
  const y: number[] = [];
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const yi = rng.next() < 0.4 ? 1 : 0;
    y.push(yi);
    p[i] = Math.min(1, Math.max(0, skill * yi + (1 - skill) * rng.next()));
  }
  return { y, p };
}

const binary = (values: Float64Array): Predictions => ({ task: 'binary', n: values.length, values });
const fast = { bootstrap: { resamples: 200, seed: 3, confidence: 0.95 } };

describe('evaluatePredictions', () => {
  it('computes metrics with seeded intervals, paired deltas and McNemar', () => {
    const { y, p } = binaryData(800, 1);
    const worse = binaryData(800, 1, 0.1).p;
    const a = evaluatePredictions({
      task: 'binary',
      labels: y,
      predictions: binary(p),
      baselinePredictions: binary(worse),
      config: {
        ...fast,
        gates: { roc_auc: { threshold: 0.6, minAbsoluteChange: 0.01, significance: 0.05 } },
      },
    });
    const b = evaluatePredictions({
      task: 'binary',
      labels: y,
      predictions: binary(p),
      baselinePredictions: binary(worse),
      config: {
        ...fast,
        gates: { roc_auc: { threshold: 0.6, minAbsoluteChange: 0.01, significance: 0.05 } },
      },
    });
    expect(a.metrics).toEqual(b.metrics);
    const auc = a.metrics.find((m) => m.name === 'roc_auc');
    expect(auc?.ci?.low).toBeLessThan(auc?.candidate as number);
    expect(auc?.ci?.high).toBeGreaterThan(auc?.candidate as number);
    expect(auc?.delta).toBeGreaterThan(0.1);
    expect(auc?.deltaCi?.low).toBeGreaterThan(0);
    expect(auc?.pValue).toBeLessThan(0.05);
    expect(a.verdict).toBe('pass');
    expect(a.mcnemar?.pValue).toBeLessThan(0.05);
    expect(a.firstRun).toBe(false);
    expect(a.operatingPoints?.maxF1?.f1).toBeGreaterThan(0);
    expect(a.curves.roc?.fpr.at(-1)).toBe(1);
  });

  it('identical candidate and baseline: Δ = 0, p = 1, no significant regression', () => {
    const { y, p } = binaryData(300, 2);
    const r = evaluatePredictions({
      task: 'binary',
      labels: y,
      predictions: binary(p),
      baselinePredictions: binary(p),
      config: { ...fast, gates: { f1: { significance: 0.05 } } },
    });
    const f1 = r.metrics.find((m) => m.name === 'f1');
    expect(f1?.delta).toBe(0);
    expect(f1?.pValue).toBe(1);
    expect(r.verdict).toBe('pass');
    expect(r.mcnemar).toEqual({ b: 0, c: 0, pValue: 1 });
  });

  it('each model is scored at its own decision threshold', () => {
    const { y, p } = binaryData(300, 5);
    const r = evaluatePredictions({
      task: 'binary',
      labels: y,
      predictions: binary(p),
      baselinePredictions: binary(p),
      threshold: 0.5,
      baselineThreshold: 0.95,
      config: fast,
    });
    const recall = r.metrics.find((m) => m.name === 'recall');
    expect(recall?.baseline).toBeLessThan(0.2);
    expect(recall?.candidate).toBeGreaterThan(0.5);
    expect(r.metrics.find((m) => m.name === 'roc_auc')?.delta).toBe(0);
  });

  it('first run: only absolute thresholds, and the report says so', () => {
    const { y, p } = binaryData(300, 3);
    const r = evaluatePredictions({
      task: 'binary',
      labels: y,
      predictions: binary(p),
      config: { ...fast, gates: { roc_auc: { threshold: 0.5, minRelativeChange: 0.1 } } },
    });
    expect(r.firstRun).toBe(true);
    expect(r.gates.map((g) => g.rule)).toEqual(['threshold']);
    expect(r.notes[0]).toMatch(/First run.*only absolute thresholds.*minRelativeChange/);
    expect(r.metrics.every((m) => m.baseline === null && m.pValue === null)).toBe(true);
  });

  it('single-class data: roc_auc is undefined, said so, and a gate on it fails with that reason', () => {
    const y = [0, 0, 0, 0, 0, 0];
    const r = evaluatePredictions({
      task: 'binary',
      labels: y,
      predictions: binary(Float64Array.from([0.1, 0.2, 0.6, 0.3, 0.9, 0.4])),
      config: { ...fast, gates: { roc_auc: { threshold: 0.5 } } },
    });
    const auc = r.metrics.find((m) => m.name === 'roc_auc');
    expect(auc?.candidate).toBeNull();
    expect(auc?.ci).toBeNull();
    expect(auc?.note).toMatch(/one class/);
    expect(r.verdict).toBe('fail');
    expect(r.gates[0]).toMatchObject({ metric: 'roc_auc', rule: 'missing', passed: false });
    expect(r.gates[0]?.reason).toMatch(/undefined: the evaluation data has one class/);
  });

  it('rejects predictions and labels of different lengths, and labels outside the classes', () => {
    expect(() =>
      evaluatePredictions({
        task: 'binary',
        labels: [0, 1, 1],
        predictions: binary(Float64Array.from([0.2, 0.4])),
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'LENGTH_MISMATCH',
        message: expect.stringMatching(/2 predictions for 3 labels/),
      }),
    );
    expect(() =>
      evaluatePredictions({
        task: 'binary',
        labels: ['no', 'yes', 'maybe'],
        classes: ['no', 'yes'],
        predictions: binary(Float64Array.from([0.2, 0.4, 0.5])),
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'LABEL_NOT_IN_CLASSES',
        message: expect.stringMatching(/row 2 has label "maybe"/),
      }),
    );
    expect(() =>
      evaluatePredictions({
        task: 'multiclass',
        labels: [0, 1, 5],
        classes: ['a', 'b', 'c'],
        predictions: { task: 'multiclass', n: 3, values: Float64Array.from([0, 1, 2]) },
      }),
    ).toThrow(expect.objectContaining({ code: 'LABEL_NOT_IN_CLASSES' }));
    expect(() =>
      evaluatePredictions({
        task: 'binary',
        labels: [0, 1],
        predictions: binary(Float64Array.from([0.2, 1.4])),
      }),
    ).toThrow(expect.objectContaining({ code: 'PREDICTION_INVALID' }));
    expect(() =>
      evaluatePredictions({
        task: 'binary',
        labels: [0, 1],
        predictions: binary(Float64Array.from([0.2, 0.4])),
        config: { gates: { rmse: { threshold: 1 } } },
      }),
    ).toThrow(expect.objectContaining({ code: 'METRIC_UNKNOWN' }));
  });

  it('slices: categorical and bucketed numeric, an empty bucket is skipped, worst slices and fairness', () => {
    const n = 600;
    const { y, p } = binaryData(n, 4);
    const rng = createRng(9);
    const group = Array.from({ length: n }, () => (rng.next() < 0.5 ? 'a' : 'b'));
    // The model is useless on group b.
    for (let i = 0; i < n; i++) if (group[i] === 'b') p[i] = rng.next();
    const dist = Float64Array.from({ length: n }, () => rng.next() * 100);
    const table: Table = {
      rowCount: n,
      columns: [
        { name: 'group', kind: 'string', sqlType: 'VARCHAR', values: group },
        { name: 'dist', kind: 'number', sqlType: 'DOUBLE', values: dist, valid: new Uint8Array(n).fill(1) },
      ],
    };
    const r = evaluatePredictions({
      task: 'binary',
      labels: y,
      predictions: binary(p),
      table,
      config: {
        ...fast,
        gates: { roc_auc: { threshold: 0.5 } },
        slices: {
          columns: ['group'],
          numeric: { dist: [50, 200] },
          minSupport: 50,
          gates: [{ metric: 'roc_auc', minSupport: 100, threshold: 0.7 }],
        },
        fairness: { sensitive: 'group', maxDemographicParityDifference: 0.9 },
      },
    });
    expect(r.slices.map((s) => s.slice).sort()).toEqual([
      'dist < 50',
      'dist in [50, 200)',
      'group = a',
      'group = b',
    ]);
    expect(r.skippedSlices).toEqual([
      { slice: 'dist ≥ 200', column: 'dist', support: 0, reason: 'empty: no rows fall in this slice' },
    ]);
    expect(r.worstSlices[0]?.slice).toBe('group = b');
    const sliceGate = r.gates.find((g) => g.rule === 'slice');
    expect(sliceGate?.passed).toBe(false);
    expect(sliceGate?.reason).toMatch(/group = b/);
    expect(r.fairness?.groups.map((g) => g.group)).toEqual(['a', 'b']);
    expect(r.gates.find((g) => g.rule === 'fairness')?.passed).toBe(true);
    // Slice metrics equal the metrics of the same rows evaluated alone.
    const rows = group.flatMap((g, i) => (g === 'a' ? [i] : []));
    const alone = evaluatePredictions({
      task: 'binary',
      labels: rows.map((i) => y[i] as number),
      predictions: binary(Float64Array.from(rows, (i) => p[i] as number)),
      config: fast,
    });
    const sliceA = r.slices.find((s) => s.slice === 'group = a');
    for (const m of alone.metrics) expect(sliceA?.metrics[m.name]).toBeCloseTo(m.candidate as number, 12);
  });

  it('validates the eval config like MLflow validates MetricThreshold', () => {
    expect(() => parseEvalConfig({ gates: { f1: {} } })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(/eval\.gates\.f1: a gate needs at least one of/),
      }),
    );
    expect(() => parseEvalConfig({ gates: { f1: { minRelativeChange: 1.5 } } })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    expect(
      parseEvalConfig({ gates: { roc_auc: { threshold: 0.6, minAbsoluteChange: 0, significance: 0.05 } } })
        .bootstrap.resamples,
    ).toBe(1000);
  });

  it('multiclass and regression end to end', () => {
    const mc = evaluatePredictions({
      task: 'multiclass',
      labels: ['x', 'y', 'z', 'x'],
      classes: ['x', 'y', 'z'],
      predictions: {
        task: 'multiclass',
        n: 4,
        values: Float64Array.from([0, 1, 1, 0]),
        probabilities: Float64Array.from([0.7, 0.2, 0.1, 0.1, 0.8, 0.1, 0.2, 0.5, 0.3, 0.6, 0.3, 0.1]),
      },
      config: fast,
    });
    expect(mc.metrics.find((m) => m.name === 'accuracy')?.candidate).toBe(0.75);
    expect(mc.confusion?.matrix).toEqual([
      [2, 0, 0],
      [0, 1, 0],
      [0, 1, 0],
    ]);
    const rg = evaluatePredictions({
      task: 'regression',
      labels: [1, 2, 3, 4],
      predictions: { task: 'regression', n: 4, values: Float64Array.from([1, 2, 3, 5]) },
      config: fast,
    });
    expect(rg.metrics.find((m) => m.name === 'mae')?.candidate).toBe(0.25);
    expect(rg.confusion).toBeNull();
  });
});

describe('evaluatePredictions per task', () => {
  /** k-class data where the candidate is right more often than the baseline, except on class 2. */
  function multiclassData(n: number, k: number, seed: number) {
    const rng = createRng(seed);
    const y: number[] = [];
    const cand = new Float64Array(n);
    const base = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const t = rng.int(k);
      y.push(t);
      cand[i] = rng.next() < (t === 2 ? 0.4 : 0.9) ? t : rng.int(k);
      base[i] = rng.next() < 0.6 ? t : rng.int(k);
    }
    return { y, cand, base };
  }
  const mc = (values: Float64Array): Predictions => ({ task: 'multiclass', n: values.length, values });

  it('multiclass: per-class precision/recall/F1 with recall intervals, paired Δ and the significance gate', () => {
    const { y, cand, base } = multiclassData(1500, 3, 11);
    const r = evaluatePredictions({
      task: 'multiclass',
      labels: y.map((c) => ['cat', 'dog', 'emu'][c] as string),
      classes: ['cat', 'dog', 'emu'],
      predictions: mc(cand),
      baselinePredictions: mc(base),
      config: { ...fast, gates: { macro_f1: { significance: 0.05 }, weighted_f1: { threshold: 0.5 } } },
    });
    expect(r.perClass?.map((c) => c.label)).toEqual(['cat', 'dog', 'emu']);
    const matrix = r.confusion?.matrix as number[][];
    r.perClass?.forEach((c, j) => {
      const tp = matrix[j]?.[j] as number;
      expect(c.support).toBe(matrix[j]?.reduce((a, b) => a + b, 0));
      expect(c.recall).toBeCloseTo(tp / c.support, 12);
      expect(c.precision).toBeCloseTo(tp / c.predicted, 12);
      expect(c.recallCi?.low).toBeLessThan(c.recall as number);
      expect(c.recallCi?.high).toBeGreaterThan(c.recall as number);
      expect(c.recallDelta).toBeCloseTo((c.recall as number) - (c.baselineRecall as number), 12);
    });
    // The candidate is better on cat and dog, significantly worse on emu.
    const emu = r.perClass?.[2];
    expect(emu?.recallDelta).toBeLessThan(0);
    expect(emu?.recallDeltaCi?.high).toBeLessThan(0);
    expect(emu?.recallPValue).toBeLessThan(0.05);
    expect(r.perClass?.[0]?.recallDeltaCi?.low).toBeGreaterThan(0);
    // Macro F1 improves significantly: the significance rule passes; weighted F1 clears its threshold.
    expect(r.gates.map((g) => [g.metric, g.rule, g.passed])).toEqual([
      ['macro_f1', 'significance', true],
      ['weighted_f1', 'threshold', true],
    ]);
    expect(r.mcnemar?.pValue).toBeLessThan(0.05);
    expect(r.residuals).toBeNull();
  });

  it('multiclass: gates on one class by name (recall:emu) get intervals, paired p and the significance rule', () => {
    const { y, cand, base } = multiclassData(1500, 3, 11);
    const labels = y.map((c) => ['cat', 'dog', 'emu'][c] as string);
    const run = (gates: Record<string, object>) =>
      evaluatePredictions({
        task: 'multiclass',
        labels,
        classes: ['cat', 'dog', 'emu'],
        predictions: mc(cand),
        baselinePredictions: mc(base),
        config: { ...fast, gates },
      });
    const r = run({ 'recall:emu': { significance: 0.05 }, 'recall:cat': { threshold: 0.8 } });
    const emu = r.metrics.find((m) => m.name === 'recall:emu');
    expect(emu?.candidate).toBe(r.perClass?.[2]?.recall);
    expect(emu?.deltaCi).toEqual(r.perClass?.[2]?.recallDeltaCi);
    expect(emu?.greaterIsBetter).toBe(true);
    expect(r.gates.map((g) => [g.metric, g.rule, g.passed])).toEqual([
      ['recall:emu', 'significance', false],
      ['recall:cat', 'threshold', true],
    ]);
    expect(r.verdict).toBe('fail');
    expect(() => run({ 'recall:emus': { threshold: 0.5 } })).toThrow(
      expect.objectContaining({
        code: 'METRIC_UNKNOWN',
        message: 'eval.gates.recall:emus: "emus" is not a class of the model (did you mean "emu"?)',
      }),
    );
  });

  it('multiclass: a class never predicted has null precision, one absent from the truth null recall', () => {
    const r = evaluatePredictions({
      task: 'multiclass',
      labels: ['a', 'a', 'b', 'b'],
      classes: ['a', 'b', 'c'],
      predictions: mc(Float64Array.from([0, 2, 0, 0])),
      config: fast,
    });
    expect(r.perClass?.map((c) => [c.label, c.support, c.predicted, c.precision, c.recall])).toEqual([
      ['a', 2, 3, 1 / 3, 0.5],
      ['b', 2, 0, null, 0],
      ['c', 0, 1, 0, null],
    ]);
  });

  it('regression: residual analysis and a significance gate on RMSE against the baseline', () => {
    const rng = createRng(5);
    const y: number[] = [];
    const good = new Float64Array(600);
    const bad = new Float64Array(600);
    for (let i = 0; i < 600; i++) {
      const t = rng.next() * 100;
      y.push(t);
      good[i] = t + (rng.next() - 0.5) * 4;
      bad[i] = t + (rng.next() - 0.5) * 20 + 3;
    }
    const reg = (values: Float64Array): Predictions => ({ task: 'regression', n: values.length, values });
    const r = evaluatePredictions({
      task: 'regression',
      labels: y,
      predictions: reg(good),
      baselinePredictions: reg(bad),
      config: {
        ...fast,
        gates: { rmse: { significance: 0.05, minAbsoluteChange: 0.5 }, r2: { threshold: 0.9 } },
      },
    });
    const rmse = r.metrics.find((m) => m.name === 'rmse');
    expect(rmse?.greaterIsBetter).toBe(false);
    expect(rmse?.delta).toBeLessThan(0);
    expect(rmse?.deltaCi?.high).toBeLessThan(0);
    expect(r.verdict).toBe('pass');
    expect(r.perClass).toBeNull();
    const res = r.residuals;
    expect(res?.histogram.counts.reduce((a, b) => a + b, 0)).toBe(600);
    expect(res?.histogram.edges).toHaveLength(21);
    expect(Math.abs(res?.summary.mean as number)).toBeLessThan(0.5);
    expect(res?.summary.min).toBeGreaterThanOrEqual(-2);
    expect(res?.summary.max).toBeLessThanOrEqual(2);
    expect(res?.byPrediction.count.reduce((a, b) => a + b, 0)).toBe(600);
    expect(res?.byPrediction.predicted).toEqual(
      [...(res?.byPrediction.predicted ?? [])].sort((a, b) => a - b),
    );
    expect(res?.points.predicted).toHaveLength(500);
    // Swapped, the candidate is significantly worse on RMSE and the gate fails.
    const worse = evaluatePredictions({
      task: 'regression',
      labels: y,
      predictions: reg(bad),
      baselinePredictions: reg(good),
      config: { ...fast, gates: { rmse: { significance: 0.05 } } },
    });
    expect(worse.gates[0]).toMatchObject({ metric: 'rmse', rule: 'significance', passed: false });
  });

  it('slices per task: regression ranks the highest RMSE worst, multiclass the lowest macro F1', () => {
    const n = 300;
    const group = Array.from({ length: n }, (_, i) => ['a', 'b', 'c'][i % 3] as string);
    const table: Table = {
      rowCount: n,
      columns: [{ name: 'g', kind: 'string', sqlType: 'VARCHAR', values: group }],
    };
    const y = Array.from({ length: n }, (_, i) => i / 10);
    // Group b's predictions are off by 3, the others by 0.5.
    const pred = Float64Array.from(y, (v, i) => v + (group[i] === 'b' ? 3 : 0.5));
    const rg = evaluatePredictions({
      task: 'regression',
      labels: y,
      predictions: { task: 'regression', n, values: pred },
      table,
      config: {
        ...fast,
        gates: { rmse: { threshold: 5 } },
        slices: { columns: ['g'], minSupport: 10, gates: [{ metric: 'rmse', minSupport: 10, threshold: 1 }] },
      },
    });
    expect(rg.worstSlices[0]?.slice).toBe('g = b');
    expect(rg.worstSlices[0]?.metrics.rmse).toBeCloseTo(3, 12);
    expect(rg.gates.find((g) => g.rule === 'slice')).toMatchObject({ passed: false });
    const labels = Array.from({ length: n }, (_, i) => i % 2);
    const mcPred = Float64Array.from(labels, (t, i) => (group[i] === 'c' ? 1 - t : t));
    const mcr = evaluatePredictions({
      task: 'multiclass',
      labels,
      predictions: mc(mcPred),
      table,
      config: {
        ...fast,
        gates: { macro_f1: { threshold: 0.1 } },
        slices: { columns: ['g'], minSupport: 10 },
      },
    });
    expect(mcr.worstSlices[0]?.slice).toBe('g = c');
    expect(mcr.worstSlices[0]?.metrics.macro_f1).toBe(0);
  });
});
