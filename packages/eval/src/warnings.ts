/**
 * What the numbers cannot say on their own, said as warnings on the report: metrics that regressed
 * significantly while no gate looks at them, gates the evaluation set is too small to decide, and MAPE
 * where a target is zero (scikit-learn divides by machine epsilon there, giving values near 1e15).
 */
import type { GateSpec } from '@slipway/core';
import { num, pValue } from './report/format.js';
import type { MetricResult } from './report/types.js';

const pct = (c: number) => `${Math.round(c * 100)}%`;

/** Metrics without a gate whose paired Δ interval lies wholly on the worse side of zero. */
export function ungatedRegressions(
  metrics: readonly MetricResult[],
  gates: Record<string, GateSpec>,
  confidence: number,
  resamples?: number,
): string[] {
  const out: string[] = [];
  for (const m of metrics) {
    if (gates[m.name] || m.delta === null || !m.deltaCi) continue;
    const worse = m.greaterIsBetter ? m.deltaCi.high < 0 : m.deltaCi.low > 0;
    if (!worse) continue;
    out.push(
      `${m.name} regressed significantly (Δ ${num(m.delta)}, ${pct(confidence)} CI [${num(m.deltaCi.low)}, ${num(m.deltaCi.high)}]${m.pValue !== null ? `, p ${pValue(m.pValue, resamples)}` : ''}) and no gate checks it: add a gate for ${m.name} or confirm the regression is acceptable.`,
    );
  }
  return out;
}

/**
 * Gates the evaluation set cannot decide: the candidate's interval contains the threshold, or the Δ
 * interval holds both no change and the required change.
 */
export function undecidableGates(
  metrics: readonly MetricResult[],
  gates: Record<string, GateSpec>,
  rows: number,
  confidence: number,
): string[] {
  const out: string[] = [];
  for (const [name, g] of Object.entries(gates)) {
    const m = metrics.find((x) => x.name === name);
    if (!m) continue;
    if (g.threshold !== undefined && m.ci && m.ci.low < g.threshold && g.threshold < m.ci.high) {
      out.push(
        `The evaluation set (${rows.toLocaleString('en-US')} rows) is too small to decide the ${name} threshold ${g.threshold}: the ${pct(confidence)} CI [${num(m.ci.low)}, ${num(m.ci.high)}] contains it.`,
      );
    }
    const need = g.minAbsoluteChange;
    if (need !== undefined && need > 0 && m.deltaCi) {
      const better = m.greaterIsBetter ? need : -need;
      const lo = m.deltaCi.low;
      const hi = m.deltaCi.high;
      if (lo <= 0 && 0 <= hi && lo <= better && better <= hi) {
        out.push(
          `The evaluation set (${rows.toLocaleString('en-US')} rows) is too small for the ${name} gate (min change ${need}): the Δ ${pct(confidence)} CI [${num(lo)}, ${num(hi)}] holds both no change and the required one.`,
        );
      }
    }
  }
  return out;
}

/** Count of targets that are exactly zero. */
export function zeroTargets(y: ArrayLike<number>): number {
  let zeros = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === 0) zeros++;
  return zeros;
}
