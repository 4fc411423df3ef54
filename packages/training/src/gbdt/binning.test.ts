import { describe, expect, it } from 'vitest';
import { BINNING_SAMPLE, binMatrix, binOf, edgesOf, fitBinning } from './binning.js';
import { range } from './testing.fixture.js';

describe('binning', () => {
  it('puts edges between distinct values when they fit, so each value has its own bin', () => {
    const e = edgesOf(Float64Array.from([1, 1, 2, 5, 5, 5, 9]), 255);
    expect(Array.from(e)).toEqual([1.5, 3.5, 7]);
    expect([1, 2, 5, 9].map((v) => binOf(e, v))).toEqual([0, 1, 2, 3]);
  });

  it('uses quantile edges when there are more distinct values than bins, never an empty last bin', () => {
    const sorted = Float64Array.from({ length: 1000 }, (_, i) => i);
    const e = edgesOf(sorted, 4);
    expect(e.length).toBe(3);
    expect(Array.from(e)).toEqual([249.5, 499.5, 749.5]);
    // Roughly equal counts per bin.
    const counts = [0, 0, 0, 0];
    for (const v of sorted) counts[binOf(e, v)]!++;
    expect(counts).toEqual([250, 250, 250, 250]);
    // Heavy ties: duplicate quantiles collapse, and the top edge stays below the maximum.
    const tied = Float64Array.from({ length: 100 }, (_, i) => (i < 95 ? 0 : i));
    const t = edgesOf(tied, 10);
    expect(t.length).toBeGreaterThan(0);
    expect(t[t.length - 1]!).toBeLessThan(99);
  });

  it('binOf agrees with the threshold rule x ≤ edge[b] ⇔ bin ≤ b, and sends NaN to bin 0', () => {
    const e = Float64Array.from([-1, 0, 0.5, 2]);
    for (const v of [-5, -1, -0.99, 0, 0.25, 0.5, 1, 2, 2.01, 100]) {
      const bin = binOf(e, v);
      for (let b = 0; b < e.length; b++) expect(v <= e[b]!).toBe(bin <= b);
    }
    expect(binOf(e, Number.NaN)).toBe(0);
    expect(binOf(new Float64Array(0), 3)).toBe(0);
  });

  it('bins a row-major matrix column-major, fitting on the given rows only', () => {
    const x = Float32Array.from([0, 10, 1, 20, 2, 30, 100, 40]);
    const binning = fitBinning(x, 2, range(0, 3), 255, 1);
    expect(Array.from(binning.counts)).toEqual([3, 3]);
    const bins = binMatrix(x, 4, 2, binning);
    // Column 0 then column 1; row 3 (not fitted) lands in the top bin.
    expect(Array.from(bins)).toEqual([0, 1, 2, 2, 0, 1, 2, 2]);
  });

  it('samples large inputs deterministically', () => {
    const n = BINNING_SAMPLE + 5000;
    const x = Float32Array.from({ length: n }, (_, i) => (i * 7919) % 100_003);
    const a = fitBinning(x, 1, range(0, n), 255, 9);
    const b = fitBinning(x, 1, range(0, n), 255, 9);
    expect(a.counts[0]).toBe(255);
    expect(Array.from(a.edges[0]!)).toEqual(Array.from(b.edges[0]!));
  });
});
