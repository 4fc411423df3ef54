import { describe, expect, it } from 'vitest';
import { prepareBinary } from '../metrics/binary.js';
import { createRng } from '../util/rng.js';
import { bootstrap, bootstrapPValue } from './bootstrap.js';

describe('bootstrap', () => {
  const rng = createRng(42);
  const n = 4000;
  const y = Array.from({ length: n }, () => (rng.next() < 0.5 ? 1 : 0));
  const p = Float64Array.from(y, (v) => (rng.next() < 0.8 ? v : 1 - v) * 0.6 + 0.2);

  it('gives the accuracy interval the normal approximation predicts, reproducibly per seed', () => {
    const prepared = prepareBinary({ y, p, threshold: 0.5 });
    const acc = prepared.compute().accuracy as number;
    const opts = { resamples: 2000, seed: 1, confidence: 0.95, metrics: ['accuracy'] };
    const a = bootstrap([prepared], opts);
    const b = bootstrap([prepared], opts);
    const c = bootstrap([prepared], { ...opts, seed: 2 });
    expect(a.intervals).toEqual(b.intervals);
    expect(a.intervals).not.toEqual(c.intervals);
    const ci = a.intervals.accuracy?.[0];
    const halfWidth = 1.96 * Math.sqrt((acc * (1 - acc)) / n);
    expect(((ci?.high as number) - (ci?.low as number)) / 2).toBeGreaterThan(halfWidth * 0.85);
    expect(((ci?.high as number) - (ci?.low as number)) / 2).toBeLessThan(halfWidth * 1.15);
    expect(Math.abs(((ci?.high as number) + (ci?.low as number)) / 2 - acc)).toBeLessThan(halfWidth * 0.2);
  });

  it('paired: a clearly better model has a positive interval and a small p; the sign of Δ is candidate − baseline', () => {
    const worse = Float64Array.from(y, (v) => (rng.next() < 0.6 ? v : 1 - v) * 0.6 + 0.2);
    const cand = prepareBinary({ y, p, threshold: 0.5 });
    const base = prepareBinary({ y, p: worse, threshold: 0.5 });
    const r = bootstrap([cand, base], {
      resamples: 500,
      seed: 3,
      confidence: 0.95,
      metrics: ['accuracy', 'roc_auc'],
    });
    expect(r.paired?.accuracy?.ci?.low).toBeGreaterThan(0);
    expect(r.paired?.accuracy?.pValue).toBeCloseTo(2 / 501, 12);
    const flipped = bootstrap([base, cand], {
      resamples: 500,
      seed: 3,
      confidence: 0.95,
      metrics: ['accuracy'],
    });
    expect(flipped.paired?.accuracy?.ci?.high).toBeLessThan(0);
  });

  it('p-value: +1 corrected, two-sided, ignores undefined resamples', () => {
    expect(bootstrapPValue([1, 2, 3, -1])).toBeCloseTo((2 * (1 + 1)) / 5, 15);
    expect(bootstrapPValue([0, 0, 0])).toBe(1);
    expect(bootstrapPValue([Number.NaN, Number.NaN])).toBeNull();
  });
});
