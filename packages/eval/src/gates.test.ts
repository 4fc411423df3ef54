import { describe, expect, it } from 'vitest';
import { applyGates } from './gates.js';
import type { MetricResult } from './report/types.js';

function metric(
  name: string,
  candidate: number | null,
  baseline: number | null,
  pValue: number | null = null,
): MetricResult {
  return {
    name,
    candidate,
    baseline,
    delta: candidate !== null && baseline !== null ? candidate - baseline : null,
    ci: null,
    deltaCi: null,
    pValue,
    greaterIsBetter: true,
  };
}

const rule = (r: ReturnType<typeof applyGates>, name: string) => r.gates.find((g) => g.rule === name);

describe('applyGates: MLflow MetricThreshold semantics', () => {
  it('threshold is inclusive in both directions', () => {
    const g = applyGates({
      metrics: [metric('f1', 0.8, null), metric('log_loss', 0.3, null)],
      gates: { f1: { threshold: 0.8 }, log_loss: { threshold: 0.3 } },
      hasBaseline: false,
    });
    expect(g.gates.map((x) => x.passed)).toEqual([true, true]);
    const h = applyGates({
      metrics: [metric('f1', 0.79, null), metric('log_loss', 0.31, null)],
      gates: { f1: { threshold: 0.8 }, log_loss: { threshold: 0.3 } },
      hasBaseline: false,
    });
    expect(h.gates.map((x) => x.passed)).toEqual([false, false]);
    expect(h.verdict).toBe('fail');
  });

  it('absolute change adds in float first: 0.85 vs 0.8 + 0.05 fails, as in MLflow', () => {
    const g = applyGates({
      metrics: [metric('f1', 0.85, 0.8)],
      gates: { f1: { minAbsoluteChange: 0.05 } },
      hasBaseline: true,
    });
    expect(0.8 + 0.05).toBe(0.8500000000000001);
    expect(rule(g, 'minAbsoluteChange')?.passed).toBe(false);
    const lower = applyGates({
      metrics: [{ ...metric('log_loss', 0.25, 0.3), greaterIsBetter: false }],
      gates: { log_loss: { minAbsoluteChange: 0.05 } },
      hasBaseline: true,
    });
    expect(rule(lower, 'minAbsoluteChange')?.passed).toBe(0.25 <= 0.3 - 0.05);
  });

  it('relative change: equality passes, zero baseline uses the 1e-10 rule, negative baseline divides by |b|', () => {
    const eq = applyGates({
      metrics: [metric('f1', 0.55, 0.5)],
      gates: { f1: { minRelativeChange: (0.55 - 0.5) / 0.5 } },
      hasBaseline: true,
    });
    expect(rule(eq, 'minRelativeChange')?.passed).toBe(true);
    const zeroPass = applyGates({
      metrics: [metric('r2', 1e-10, 0)],
      gates: { r2: { minRelativeChange: 0.5 } },
      hasBaseline: true,
    });
    expect(rule(zeroPass, 'minRelativeChange')?.passed).toBe(true);
    const zeroFail = applyGates({
      metrics: [metric('r2', 9e-11, 0)],
      gates: { r2: { minRelativeChange: 0.5 } },
      hasBaseline: true,
    });
    expect(rule(zeroFail, 'minRelativeChange')?.passed).toBe(false);
    // baseline −10 → candidate −5 is a 50 % improvement; MLflow's signed division would call it −0.5.
    const neg = applyGates({
      metrics: [metric('r2', -5, -10)],
      gates: { r2: { minRelativeChange: 0.5 } },
      hasBaseline: true,
    });
    expect(rule(neg, 'minRelativeChange')?.passed).toBe(true);
    expect(rule(neg, 'minRelativeChange')?.reason).toMatch(/\|baseline\|/);
  });

  it('a missing, null or NaN candidate fails with the reason; a missing baseline metric fails change rules', () => {
    const g = applyGates({
      metrics: [
        {
          ...metric('roc_auc', null, 0.7),
          note: 'roc_auc is undefined: the evaluation data has one class (no positives)',
        },
        metric('f1', Number.NaN, 0.5),
      ],
      gates: { roc_auc: { threshold: 0.6 }, f1: { threshold: 0.1 }, accuracy: { threshold: 0.1 } },
      hasBaseline: true,
    });
    expect(g.gates.map((x) => [x.metric, x.rule, x.passed])).toEqual([
      ['roc_auc', 'missing', false],
      ['f1', 'missing', false],
      ['accuracy', 'missing', false],
    ]);
    expect(g.gates[0]?.reason).toMatch(/one class/);
    const mb = applyGates({
      metrics: [metric('f1', 0.7, null)],
      gates: { f1: { minAbsoluteChange: 0.01 } },
      hasBaseline: true,
    });
    expect(rule(mb, 'missing_baseline')?.passed).toBe(false);
  });

  it('first run: change rules are skipped and reported, thresholds still apply; 0 is unset as in MLflow', () => {
    const g = applyGates({
      metrics: [metric('f1', 0.7, null)],
      gates: { f1: { threshold: 0.6, minAbsoluteChange: 0.01, significance: 0.05 } },
      hasBaseline: false,
    });
    expect(g.gates.map((x) => x.rule)).toEqual(['threshold']);
    expect(g.skipped[0]).toMatch(/minAbsoluteChange, significance \(first run/);
    const zero = applyGates({
      metrics: [metric('f1', 0.4, 0.5)],
      gates: { f1: { minAbsoluteChange: 0 } },
      hasBaseline: true,
    });
    expect(zero.gates).toEqual([]);
  });

  it('significance: noise-level regressions pass, significant ones fail; improvements must be significant', () => {
    const noise = applyGates({
      metrics: [metric('f1', 0.69, 0.7, 0.4)],
      gates: { f1: { significance: 0.05 } },
      hasBaseline: true,
    });
    expect(rule(noise, 'significance')?.passed).toBe(true);
    const real = applyGates({
      metrics: [metric('f1', 0.6, 0.7, 0.001)],
      gates: { f1: { significance: 0.05 } },
      hasBaseline: true,
    });
    expect(rule(real, 'significance')?.passed).toBe(false);
    const weak = applyGates({
      metrics: [metric('f1', 0.75, 0.7, 0.2)],
      gates: { f1: { minAbsoluteChange: 0.01, significance: 0.05 } },
      hasBaseline: true,
    });
    expect(rule(weak, 'minAbsoluteChange')?.passed).toBe(false);
    expect(rule(weak, 'minAbsoluteChange')?.reason).toMatch(/not significant/);
    const strong = applyGates({
      metrics: [metric('f1', 0.75, 0.7, 0.001)],
      gates: { f1: { minAbsoluteChange: 0.01, significance: 0.05 } },
      hasBaseline: true,
    });
    expect(strong.verdict).toBe('pass');
  });

  it('slice and fairness gates', () => {
    const slices = [
      { slice: 'a = x', column: 'a', support: 500, metrics: { roc_auc: 0.55 } },
      { slice: 'a = y', column: 'a', support: 20, metrics: { roc_auc: 0.1 } },
      { slice: 'a = z', column: 'a', support: 300, metrics: { roc_auc: null } },
    ];
    const g = applyGates({
      metrics: [],
      gates: {},
      hasBaseline: false,
      slices,
      sliceGates: [{ metric: 'roc_auc', minSupport: 100, threshold: 0.6 }],
    });
    expect(g.gates[0]?.passed).toBe(false);
    expect(g.gates[0]?.reason).toMatch(/2 slice\(s\).*a = x/);
    expect(g.gates[0]?.reason).not.toMatch(/a = y/);
    const f = applyGates({
      metrics: [],
      gates: {},
      hasBaseline: false,
      fairness: {
        sensitive: 's',
        demographicParityDifference: 0.2,
        equalizedOddsDifference: null,
        groups: [],
      },
      fairnessConfig: {
        sensitive: 's',
        maxDemographicParityDifference: 0.1,
        maxEqualizedOddsDifference: 0.3,
      },
    });
    expect(f.gates.map((x) => x.passed)).toEqual([false, false]);
  });
});
