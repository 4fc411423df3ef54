import type { Predictions } from '@slipway/training';
import { describe, expect, it } from 'vitest';
import { createRng } from '../util/rng.js';
import { predictionDrift, psi } from './prediction-drift.js';
import { renderMonitorMarkdown } from './render.js';
import type { MonitorReport } from './types.js';

const rng = createRng(4);
const preds = (task: Predictions['task'], values: number[]): Predictions => ({
  task,
  n: values.length,
  values: Float64Array.from(values),
});

describe('prediction drift per task', () => {
  it('binary: PSI of the scores over ten bins of [0, 1]', () => {
    const ref = Array.from({ length: 2000 }, () => rng.next() * 0.5);
    const same = predictionDrift('binary', preds('binary', ref), preds('binary', ref));
    expect(same).toMatchObject({ over: 'score', statistic: 0, drifted: false });
    const shifted = predictionDrift(
      'binary',
      preds(
        'binary',
        ref.map((v) => v + 0.4),
      ),
      preds('binary', ref),
    );
    expect(shifted.drifted).toBe(true);
    expect(shifted.windowMean! - shifted.referenceMean!).toBeCloseTo(0.4, 12);
  });

  it('multiclass: PSI of the predicted-class shares, with the shares named by class', () => {
    const ref = Array.from({ length: 1000 }, (_, i) => i % 3);
    // A window where class 2 takes over: 20% / 20% / 60% instead of a third each.
    const win = Array.from({ length: 1000 }, (_, i) => (i % 5 === 0 ? 0 : i % 5 === 1 ? 1 : 2));
    const d = predictionDrift('multiclass', preds('multiclass', win), preds('multiclass', ref), [
      'a',
      'b',
      'c',
    ]);
    const r = [334 / 1000, 333 / 1000, 333 / 1000];
    const w = [0.2, 0.2, 0.6];
    const expected = w.reduce((s, wi, i) => s + (wi - (r[i] as number)) * Math.log(wi / (r[i] as number)), 0);
    expect(d.statistic).toBeCloseTo(expected, 12);
    expect(d).toMatchObject({ over: 'class', drifted: true, windowMean: null });
    expect(d.classShares).toEqual([
      { label: 'a', window: 0.2, reference: 0.334 },
      { label: 'b', window: 0.2, reference: 0.333 },
      { label: 'c', window: 0.6, reference: 0.333 },
    ]);
    // A class the window never predicts counts as a 1e-4 share, so the PSI stays finite.
    const gone = predictionDrift(
      'multiclass',
      preds(
        'multiclass',
        win.map((c) => (c === 0 ? 1 : c)),
      ),
      preds('multiclass', ref),
      ['a', 'b', 'c'],
    );
    expect(Number.isFinite(gone.statistic)).toBe(true);
    expect(predictionDrift('multiclass', preds('multiclass', ref), preds('multiclass', ref)).statistic).toBe(
      0,
    );
  });

  it('regression: PSI over the reference deciles; a shift of the predicted values is caught', () => {
    const ref = Array.from({ length: 5000 }, () => rng.next() * 100);
    const same = predictionDrift(
      'regression',
      preds('regression', ref.slice(0, 2500)),
      preds('regression', ref),
    );
    expect(same.over).toBe('value');
    expect(same.edges).toHaveLength(9);
    expect(same.drifted).toBe(false);
    const up = predictionDrift(
      'regression',
      preds(
        'regression',
        ref.map((v) => v + 30),
      ),
      preds('regression', ref),
    );
    expect(up.drifted).toBe(true);
    expect(up.windowMean! - up.referenceMean!).toBeCloseTo(30, 9);
    // Ten equal-mass reference bins: PSI equals the formula on the window's shares.
    const edges = up.edges as number[];
    const counts = new Array(10).fill(0);
    for (const v of ref.map((x) => x + 30)) counts[edges.filter((e) => v >= e).length]++;
    const refCounts = new Array(10).fill(0);
    for (const v of ref) refCounts[edges.filter((e) => v >= e).length]++;
    const sh = (c: number[], n: number) => Float64Array.from(c, (x) => Math.max(x / n, 1e-4));
    expect(up.statistic).toBeCloseTo(psi(sh(counts, 5000), sh(refCounts, 5000)), 12);
  });

  it('renders per task in the monitor report', () => {
    const d = predictionDrift('multiclass', preds('multiclass', [0, 0, 1]), preds('multiclass', [0, 1, 1]), [
      'Adelie',
      'Gentoo',
    ]);
    const report = {
      schema: 'slipway.monitor-report/v1',
      model: { name: 'penguins', version: '1', packageHash: 'a'.repeat(64) },
      window: { name: 'w', source: 'w.csv', rows: 3 },
      alert: false,
      reasons: [],
      schemaChanges: [],
      drift: {
        schema: 'slipway.drift-report/v1',
        drifted: false,
        share: 0,
        shareThreshold: 0.5,
        driftedCount: 0,
        testedCount: 0,
        reference: { source: 'profile', rows: 3 },
        current: { source: 'w.csv', rows: 3 },
        columns: [],
        missingColumns: [],
        newColumns: [],
        skipped: [],
      },
      predictionDrift: d,
      performance: null,
      createdAt: '2026-12-01T00:00:00.000Z',
    } as unknown as MonitorReport;
    const md = renderMonitorMarkdown(report);
    expect(md).toContain("PSI of the model's predicted-class shares, window vs evaluation data");
    expect(md).toContain('| Adelie | 33.3% | 66.7% |');
  });
});
