import type { Predictions } from '@slipway/training';
import { describe, expect, it } from 'vitest';
import { evaluatePredictions } from './evaluate-predictions.js';
import { pValue } from './report/format.js';
import { renderMarkdown } from './report/markdown.js';
import type { EvalReport } from './report/types.js';
import { createRng } from './util/rng.js';

const binary = (values: Float64Array): Predictions => ({ task: 'binary', n: values.length, values });
const fast = { bootstrap: { resamples: 200, seed: 3, confidence: 0.95 } };

function binaryData(n: number, seed: number, skill: number) {
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

describe('honest statistics', () => {
  it('flags a significant regression of a metric no gate checks, and not of a gated one', () => {
    const { y, p: good } = binaryData(2000, 1, 0.5);
    // Same ranking (roc_auc unchanged) but squeezed towards 0.5: calibration (ece, brier) regresses.
    const squeezed = Float64Array.from(good, (v) => 0.5 + (v - 0.5) * 0.2);
    const core = evaluatePredictions({
      task: 'binary',
      labels: y,
      predictions: binary(squeezed),
      baselinePredictions: binary(good),
      config: { ...fast, gates: { roc_auc: { threshold: 0.6 }, brier: { threshold: 0.5 } } },
    });
    expect(core.verdict).toBe('pass');
    const text = core.warnings?.join('\n') ?? '';
    expect(text).toMatch(/log_loss regressed significantly \(Δ [0-9.e-]+, 95% CI \[[^\]]+\], p ≤ 0\.00995\)/);
    expect(text).not.toMatch(/brier regressed/); // gated: the gate speaks for it
    expect(text).not.toMatch(/roc_auc regressed/);
    // Without a baseline there is nothing to regress from.
    const first = evaluatePredictions({
      task: 'binary',
      labels: y,
      predictions: binary(squeezed),
      config: { ...fast, gates: { roc_auc: { threshold: 0.6 } } },
    });
    expect(first.warnings?.some((w) => w.includes('regressed'))).toBe(false);
  });

  it('warns when the evaluation set is too small to decide a gate, not when it is large enough', () => {
    const small = binaryData(59, 4, 0.25);
    const s = evaluatePredictions({
      task: 'binary',
      labels: small.y,
      predictions: binary(small.p),
      config: { ...fast, gates: { roc_auc: { threshold: 0.75 } } },
    });
    expect(s.warnings?.join('\n')).toMatch(
      /evaluation set \(59 rows\) is too small to decide the roc_auc threshold 0\.75/,
    );
    const large = binaryData(20_000, 4, 0.5);
    const l = evaluatePredictions({
      task: 'binary',
      labels: large.y,
      predictions: binary(large.p),
      config: { ...fast, gates: { roc_auc: { threshold: 0.75 } } },
    });
    expect(l.warnings).toEqual([]);
    const md = renderMarkdown({
      schema: 'slipway.eval-report/v1',
      candidate: { name: 'm', version: null, packageHash: 'a'.repeat(64) },
      baseline: null,
      dataset: { path: 'eval.csv', md5: null, rows: 59 },
      createdAt: '2026-12-01T00:00:00.000Z',
      ...s,
    } as EvalReport);
    expect(md).toMatch(/> \[!WARNING\]\n> - The evaluation set \(59 rows\) is too small/);
  });

  it('MAPE over zero targets is undefined (with the reason), not 1e15', () => {
    const y = [0, 1, 2, 3, 4, 5, 6, 7];
    const pred = Float64Array.from(y, (v) => v + 0.5);
    const core = evaluatePredictions({
      task: 'regression',
      labels: y,
      predictions: { task: 'regression', n: y.length, values: pred },
      config: fast,
    });
    const mape = core.metrics.find((m) => m.name === 'mape');
    expect(mape?.candidate).toBeNull();
    expect(mape?.note).toBe(
      'mape is undefined: 1 of 8 evaluation targets are 0 (MAPE divides by the target)',
    );
    const nonzero = evaluatePredictions({
      task: 'regression',
      labels: y.map((v) => v + 1),
      predictions: { task: 'regression', n: y.length, values: Float64Array.from(y, (v) => v + 1.5) },
      config: fast,
    });
    expect(nonzero.metrics.find((m) => m.name === 'mape')?.candidate).toBeCloseTo(
      y.reduce((s, v) => s + 0.5 / (v + 1), 0) / y.length,
      12,
    );
  });

  it("a p-value at the bootstrap's floor 2/(B+1) is shown as a bound", () => {
    expect(pValue(2 / 201, 200)).toBe('≤ 0.00995');
    expect(pValue(4 / 201, 200)).toBe('0.020');
    expect(pValue(2 / 10_001, 10_000)).toBe('≤ 0.0002');
    expect(pValue(0.0004)).toBe('< 0.001');
  });
});
