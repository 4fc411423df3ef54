import { describe, expect, it } from 'vitest';
import { evaluateMeasurement, newMetricResult, recordMeasurement, runPhase } from './analysis.js';
import { compileCondition } from './condition.js';

const limits = { count: 3, failureLimit: 1, inconclusiveLimit: 0, consecutiveErrorLimit: 4 };
const m = (phase: 'Successful' | 'Failed' | 'Inconclusive' | 'Error') => ({ at: '', value: 0, phase });

describe('analysis semantics (Argo)', () => {
  it('evaluates conditions like Argo: failure wins, neither set is Successful', () => {
    const s = compileCondition('result < 0.05');
    const f = compileCondition('result > 0.1');
    expect(evaluateMeasurement(0.01, s, f).phase).toBe('Successful');
    expect(evaluateMeasurement(0.2, s, f).phase).toBe('Failed');
    expect(evaluateMeasurement(0.07, s, f).phase).toBe('Inconclusive');
    expect(evaluateMeasurement(0.07, s, undefined).phase).toBe('Failed');
    expect(evaluateMeasurement(0.07, undefined, f).phase).toBe('Successful');
    expect(evaluateMeasurement(0.07, undefined, undefined).phase).toBe('Successful');
    expect(evaluateMeasurement(null, s, f).phase).toBe('Error');
  });

  it('applies failureLimit, inconclusiveLimit, consecutiveErrorLimit and count', () => {
    let r = newMetricResult('x');
    r = recordMeasurement(r, m('Failed'), limits);
    expect(r.phase).toBe('Running');
    r = recordMeasurement(r, m('Failed'), limits);
    expect(r.phase).toBe('Failed');
    let q = newMetricResult('y');
    q = recordMeasurement(q, m('Inconclusive'), limits);
    expect(q.phase).toBe('Inconclusive');
    let e = newMetricResult('z');
    for (let i = 0; i < 4; i++) e = recordMeasurement(e, m('Error'), { ...limits, count: 10 });
    expect(e.phase).toBe('Running');
    e = recordMeasurement(e, m('Error'), { ...limits, count: 10 });
    expect(e.phase).toBe('Error');
    let ok = newMetricResult('w');
    for (const p of ['Successful', 'Failed', 'Successful'] as const) ok = recordMeasurement(ok, m(p), limits);
    expect(ok.phase).toBe('Successful');
    expect(runPhase([ok, { ...ok, phase: 'Running' }])).toBe('Running');
    expect(runPhase([ok, q])).toBe('Inconclusive');
    expect(runPhase([q, r])).toBe('Failed');
  });

  it('parses the expression subset and refuses the rest', () => {
    expect(compileCondition('result[0] >= 0.95 && result[0] < 1').evaluate([0.97])).toBe(true);
    expect(compileCondition('default(result, 0) < 1 or isNaN(result)').evaluate(0.5)).toBe(true);
    expect(compileCondition('not (result * 2 > 1)').evaluate(0.4)).toBe(true);
    expect(() => compileCondition('exit(1) > 0')).toThrow(/unknown name "exit"/);
    expect(() => compileCondition('result <')).toThrow(/cannot parse/);
  });
});
