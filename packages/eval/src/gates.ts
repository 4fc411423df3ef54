/**
 * Gates: MLflow's MetricThreshold semantics (mlflow/models/evaluation/validation.py), exactly, plus
 * an optional significance level, slice gates and fairness gates. See docs/eval.md for the rules.
 *
 * Per metric, in order:
 *  1. candidate missing, null or NaN → fail (nothing else is checked);
 *  2. `threshold`: pass iff candidate ≥ threshold (≤ when lower is better), inclusive;
 *  3. `minAbsoluteChange`/`minRelativeChange` only when truthy (MLflow tests `if min_absolute_change`):
 *     first run → skipped (reported); baseline value missing or NaN → fail;
 *     absolute: pass iff candidate ≥ baseline + Δ (≤ baseline − Δ), the sum done in float64 first;
 *     relative: baseline 0 → pass iff candidate ≥ 1e-10 (≤ −1e-10); else rel = (c − b)/|b|
 *     ((b − c)/|b| when lower is better) and fail iff rel < minRelativeChange. MLflow divides by the
 *     signed baseline, which inverts the test for a negative baseline (R² < 0); we divide by |b|;
 *  4. `significance` (α) with a baseline: an improvement demanded by rule 3 counts only when the paired
 *     bootstrap p-value is < α; and a `significance` rule fails iff the candidate is worse than the
 *     baseline with p < α (a regression that is not significant is noise and passes).
 */
import { type GateResult, type GateSpec, greaterIsBetter, type SlipwayConfig } from '@slipway/core';
import type { FairnessResult, MetricResult, SliceResult } from './report/types.js';

export type { GateResult };

export interface ApplyGatesInput {
  metrics: MetricResult[];
  gates: Record<string, GateSpec>;
  /** False on a first run: change rules are skipped and reported in `skipped`. */
  hasBaseline: boolean;
  slices?: SliceResult[];
  sliceGates?: SlipwayConfig['eval']['slices']['gates'];
  fairness?: FairnessResult | null;
  fairnessConfig?: SlipwayConfig['eval']['fairness'];
}

export interface ApplyGatesResult {
  gates: GateResult[];
  /** Rules not applied, with why (first run). */
  skipped: string[];
  verdict: 'pass' | 'fail';
}

const ZERO_BASELINE_EPSILON = 1e-10;

function fmt(x: number | null | undefined): string {
  if (x === null || x === undefined) return 'missing';
  if (Number.isNaN(x)) return 'NaN';
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
}

function usable(x: number | null | undefined): x is number {
  return typeof x === 'number' && !Number.isNaN(x);
}

export function applyGates(input: ApplyGatesInput): ApplyGatesResult {
  const out: GateResult[] = [];
  const skipped: string[] = [];
  const byName = new Map(input.metrics.map((m) => [m.name, m]));
  for (const [metric, gate] of Object.entries(input.gates)) {
    const m = byName.get(metric);
    const greater = greaterIsBetter(metric, gate);
    const cmp = (a: number, b: number) => (greater ? a >= b : a <= b);
    const op = greater ? '≥' : '≤';
    const candidate = m?.candidate ?? null;
    const baseline = input.hasBaseline ? (m?.baseline ?? null) : null;
    const result = (rule: string, passed: boolean, reason: string) =>
      out.push({ metric, rule, passed, candidate: usable(candidate) ? candidate : null, baseline, reason });

    if (!usable(candidate)) {
      const why = m?.note ?? (m ? `${metric} is ${fmt(candidate)}` : `${metric} was not computed`);
      result('missing', false, `${why}; a gate on a missing metric fails`);
      continue;
    }
    if (gate.threshold !== undefined) {
      const ok = cmp(candidate, gate.threshold);
      result(
        'threshold',
        ok,
        `${metric} = ${fmt(candidate)} ${ok ? op : greater ? '<' : '>'} threshold ${fmt(gate.threshold)}`,
      );
    }
    const wantsChange = Boolean(gate.minAbsoluteChange) || Boolean(gate.minRelativeChange);
    const alpha = gate.significance;
    if (!input.hasBaseline) {
      const rules = [
        gate.minAbsoluteChange ? 'minAbsoluteChange' : null,
        gate.minRelativeChange ? 'minRelativeChange' : null,
        alpha !== undefined ? 'significance' : null,
      ].filter((r): r is string => r !== null);
      if (rules.length > 0)
        skipped.push(`${metric}: ${rules.join(', ')} (first run: no baseline to compare with)`);
      continue;
    }
    const p = m?.pValue ?? null;
    const delta = usable(baseline) ? candidate - baseline : null;
    const improved = delta !== null && (greater ? delta > 0 : delta < 0);
    const significantImprovement = (): string | null => {
      if (alpha === undefined) return null;
      if (p === null)
        return `no paired p-value, so the improvement cannot be shown significant at α = ${alpha}`;
      if (!improved || p >= alpha) {
        return `the improvement is not significant (paired bootstrap p = ${fmt(p)}, α = ${alpha})`;
      }
      return null;
    };
    if (wantsChange) {
      if (!usable(baseline)) {
        result(
          'missing_baseline',
          false,
          `the baseline has no usable ${metric} (${fmt(baseline)}); a change gate cannot pass`,
        );
      } else {
        if (gate.minAbsoluteChange) {
          const target = greater ? baseline + gate.minAbsoluteChange : baseline - gate.minAbsoluteChange;
          let ok = cmp(candidate, target);
          let reason = `${metric} = ${fmt(candidate)} ${ok ? op : greater ? '<' : '>'} baseline ${fmt(baseline)} ${greater ? '+' : '−'} ${fmt(gate.minAbsoluteChange)} = ${fmt(target)}`;
          const sig = ok ? significantImprovement() : null;
          if (sig) {
            ok = false;
            reason += `, but ${sig}`;
          }
          result('minAbsoluteChange', ok, reason);
        }
        if (gate.minRelativeChange) {
          let ok: boolean;
          let reason: string;
          if (baseline === 0) {
            const target = greater ? ZERO_BASELINE_EPSILON : -ZERO_BASELINE_EPSILON;
            ok = cmp(candidate, target);
            reason = `baseline ${metric} is 0, so a relative change is undefined: MLflow's rule requires ${metric} ${op} ${target}; got ${fmt(candidate)}`;
          } else {
            const rel = (greater ? candidate - baseline : baseline - candidate) / Math.abs(baseline);
            ok = !(rel < gate.minRelativeChange);
            reason = `relative improvement ${fmt(rel)} ${ok ? '≥' : '<'} ${fmt(gate.minRelativeChange)} (${metric} ${fmt(candidate)} vs baseline ${fmt(baseline)}${baseline < 0 ? '; divided by |baseline| because it is negative' : ''})`;
          }
          const sig = ok ? significantImprovement() : null;
          if (sig) {
            ok = false;
            reason += `, but ${sig}`;
          }
          result('minRelativeChange', ok, reason);
        }
      }
    }
    if (alpha !== undefined) {
      if (!usable(baseline)) {
        result(
          'significance',
          false,
          `the baseline has no usable ${metric} (${fmt(baseline)}); cannot test for a regression`,
        );
      } else if (p === null) {
        result('significance', false, `no paired p-value for ${metric}; cannot rule out a regression`);
      } else {
        const worse = delta !== null && (greater ? delta < 0 : delta > 0);
        const ok = !(worse && p < alpha);
        const reason = worse
          ? ok
            ? `${metric} ${fmt(candidate)} is below baseline ${fmt(baseline)} but not significantly (p = ${fmt(p)} ≥ α = ${alpha})`
            : `${metric} regressed significantly: ${fmt(candidate)} vs baseline ${fmt(baseline)} (p = ${fmt(p)} < α = ${alpha})`
          : `${metric} ${fmt(candidate)} is not worse than baseline ${fmt(baseline)} (p = ${fmt(p)})`;
        result('significance', ok, reason);
      }
    }
  }
  for (const sg of input.sliceGates ?? []) {
    const greater = greaterIsBetter(sg.metric);
    const eligible = (input.slices ?? []).filter((s) => s.support >= sg.minSupport);
    const bad = eligible.filter((s) => {
      const v = s.metrics[sg.metric];
      return !usable(v) || !(greater ? v >= sg.threshold : v <= sg.threshold);
    });
    const worst = [...bad].sort((a, b) => {
      const va = a.metrics[sg.metric] ?? Number.NaN;
      const vb = b.metrics[sg.metric] ?? Number.NaN;
      return (greater ? va - vb : vb - va) || 0;
    });
    const list = worst
      .slice(0, 5)
      .map((s) => `${s.slice} (n=${s.support}): ${fmt(s.metrics[sg.metric])}`)
      .join('; ');
    out.push({
      metric: sg.metric,
      rule: 'slice',
      passed: bad.length === 0,
      candidate: usable(worst[0]?.metrics[sg.metric]) ? (worst[0]?.metrics[sg.metric] as number) : null,
      baseline: null,
      reason:
        bad.length === 0
          ? `all ${eligible.length} slices with support ≥ ${sg.minSupport} have ${sg.metric} ${greater ? '≥' : '≤'} ${sg.threshold}`
          : `${bad.length} slice(s) with support ≥ ${sg.minSupport} have ${sg.metric} ${greater ? 'below' : 'above'} ${sg.threshold} or undefined: ${list}`,
    });
  }
  const fc = input.fairnessConfig;
  if (fc) {
    const checks: [string, number | undefined, number | null | undefined][] = [
      [
        'demographic_parity_difference',
        fc.maxDemographicParityDifference,
        input.fairness?.demographicParityDifference,
      ],
      ['equalized_odds_difference', fc.maxEqualizedOddsDifference, input.fairness?.equalizedOddsDifference],
    ];
    for (const [name, max, value] of checks) {
      if (max === undefined) continue;
      const ok = usable(value) && value <= max;
      out.push({
        metric: name,
        rule: 'fairness',
        passed: ok,
        candidate: usable(value) ? value : null,
        baseline: null,
        reason: usable(value)
          ? `${name} over "${fc.sensitive}" = ${fmt(value)} ${ok ? '≤' : '>'} ${max}`
          : `${name} over "${fc.sensitive}" is undefined (fewer than two groups with data); a gate on it fails`,
      });
    }
  }
  return { gates: out, skipped, verdict: out.every((g) => g.passed) ? 'pass' : 'fail' };
}
