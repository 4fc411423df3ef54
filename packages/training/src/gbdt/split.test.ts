import { describe, expect, it } from 'vitest';
import { binOffsets, buildHistogram, subtractHistogram } from './histogram.js';
import { findBestSplit, leafWeight } from './split.js';

const plain = (w: number) => Array.from({ length: w }, (_, s) => ({ storage: s, sub: -1 }));
const constraints = { l2: 0, minSamplesLeaf: 1, minHessianLeaf: 1e-3, minGainToSplit: 0 };

function histOf(bins: number[][], g: number[], h: number[], nb: number[]) {
  const n = g.length;
  const colMajor = new Uint8Array(n * bins.length);
  bins.forEach((col, f) => {
    col.forEach((b, r) => {
      colMajor[f * n + r] = b;
    });
  });
  const counts = Uint16Array.from(nb);
  const { offsets, total } = binOffsets(counts);
  const hist = new Float64Array(total * 3);
  const rows = Uint32Array.from({ length: n }, (_, i) => i);
  buildHistogram(
    hist,
    colMajor,
    n,
    offsets,
    rows,
    0,
    n,
    Float32Array.from(g),
    Float32Array.from(h),
    new Float64Array(2 * n),
  );
  return { hist, offsets, counts, colMajor, rows, total };
}

describe('histograms and split finding', () => {
  it('sums gradient, hessian and count per (column, bin)', () => {
    const { hist } = histOf([[0, 1, 1, 2]], [1, 2, 3, 4], [1, 1, 1, 1], [3]);
    expect(Array.from(hist)).toEqual([1, 1, 1, 5, 2, 2, 4, 1, 1]);
  });

  it('parent − smaller child equals the histogram built from the other child (subtraction trick)', () => {
    const cols = [
      [0, 1, 2, 1, 0, 2, 2, 1],
      [3, 0, 1, 2, 3, 0, 1, 2],
      [0, 0, 1, 1, 0, 1, 0, 1],
      [1, 1, 0, 0, 1, 0, 1, 0],
      [2, 0, 1, 2, 0, 1, 2, 0],
    ];
    const g = [0.5, -1, 0.25, 2, -0.75, 1, -0.5, 0.125];
    const h = [1, 0.5, 0.25, 1, 0.5, 0.25, 1, 0.5];
    const p = histOf(cols, g, h, [3, 4, 2, 2, 3]);
    const rows = Uint32Array.from([1, 3, 4, 0, 2, 5, 6, 7]);
    const left = new Float64Array(p.total * 3);
    const right = new Float64Array(p.total * 3);
    const G = Float32Array.from(g);
    const H = Float32Array.from(h);
    buildHistogram(left, p.colMajor, 8, p.offsets, rows, 0, 3, G, H, new Float64Array(16));
    buildHistogram(right, p.colMajor, 8, p.offsets, rows, 3, 8, G, H, new Float64Array(16));
    subtractHistogram(p.hist, left);
    expect(Array.from(p.hist)).toEqual(Array.from(right));
  });

  it('finds the split with the largest second-order gain (checked against brute force)', () => {
    const g = [-2, -1.5, -1, 0.5, 1, 2, 0.25, -0.25];
    const h = [1, 1, 1, 1, 1, 1, 1, 1];
    const cols = [
      [0, 0, 1, 1, 2, 2, 3, 3],
      [0, 1, 0, 1, 0, 1, 0, 1],
    ];
    const { hist, offsets, counts } = histOf(cols, g, h, [4, 2]);
    const G = g.reduce((a, b) => a + b);
    const H = 8;
    const best = findBestSplit(hist, offsets, plain(counts.length), counts, G, H, 8, constraints);
    let want = { gain: 0, feature: -1, bin: 0 };
    cols.forEach((col, f) => {
      for (let b = 0; b < counts[f]! - 1; b++) {
        let gl = 0;
        let hl = 0;
        col.forEach((v, i) => {
          if (v <= b) {
            gl += g[i]!;
            hl += h[i]!;
          }
        });
        const gain = (gl * gl) / hl + ((G - gl) * (G - gl)) / (H - hl) - (G * G) / H;
        if (gain > want.gain) want = { gain, feature: f, bin: b };
      }
    });
    expect(best.feature).toBe(want.feature);
    expect(best.bin).toBe(want.bin);
    expect(best.gain).toBeCloseTo(want.gain, 12);
    expect(best).toMatchObject({ feature: 0, bin: 0, leftCount: 2, leftG: -3.5 });
  });

  it('respects min samples and min hessian per leaf, and min gain', () => {
    const g = [-5, 1, 1, 1];
    const { hist, offsets, counts } = histOf([[0, 1, 2, 3]], g, [1, 1, 1, 1], [4]);
    expect(findBestSplit(hist, offsets, plain(counts.length), counts, -2, 4, 4, constraints).bin).toBe(0);
    expect(
      findBestSplit(hist, offsets, plain(counts.length), counts, -2, 4, 4, {
        ...constraints,
        minSamplesLeaf: 2,
      }).bin,
    ).toBe(1);
    expect(
      findBestSplit(hist, offsets, plain(counts.length), counts, -2, 4, 4, {
        ...constraints,
        minSamplesLeaf: 3,
      }).feature,
    ).toBe(-1);
    expect(
      findBestSplit(hist, offsets, plain(counts.length), counts, -2, 4, 4, {
        ...constraints,
        minHessianLeaf: 2.5,
      }).feature,
    ).toBe(-1);
    expect(
      findBestSplit(hist, offsets, plain(counts.length), counts, -2, 4, 4, {
        ...constraints,
        minGainToSplit: 1e6,
      }).feature,
    ).toBe(-1);
  });

  it('leaf weight is the Newton step with L2', () => {
    expect(leafWeight(-4, 2, 0)).toBe(2);
    expect(leafWeight(-4, 2, 2)).toBe(1);
  });
});
