import { boost, predictRaw, type Tree, type TreesJson } from '@slipway/training';
import { describe, expect, it } from 'vitest';
import { attributionsByInput, treeExpectation, treeShap, treeShapRow } from './treeshap.js';

/** E[f(x) | x_S] the path-dependent way: follow x on features in S, else average children by cover. */
function conditional(tree: Tree, x: number[], s: Set<number>, node = 0): number {
  const f = tree.feature[node]!;
  if (f < 0) return tree.value[node]!;
  const l = tree.left[node]!;
  const r = tree.right[node]!;
  if (s.has(f)) return conditional(tree, x, s, x[f]! > tree.threshold[node]! ? r : l);
  return (
    (tree.cover[l]! * conditional(tree, x, s, l) + tree.cover[r]! * conditional(tree, x, s, r)) /
    tree.cover[node]!
  );
}

/** Shapley values by enumerating every coalition. */
function bruteForce(tree: Tree, x: number[], m: number): number[] {
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  const phi = new Array<number>(m).fill(0);
  for (let i = 0; i < m; i++) {
    for (let mask = 0; mask < 1 << m; mask++) {
      if (mask & (1 << i)) continue;
      const s = new Set<number>();
      for (let j = 0; j < m; j++) if (mask & (1 << j)) s.add(j);
      const size = s.size;
      const w = (fact(size) * fact(m - size - 1)) / fact(m);
      const without = conditional(tree, x, s);
      s.add(i);
      phi[i]! += w * (conditional(tree, x, s) - without);
    }
  }
  return phi;
}

// A hand-made tree over 3 features that splits on feature 0 twice on one path (the unwind case):
// 0: x0 ≤ 0.5 ? 1 : 2;  1: x1 ≤ 0.3 ? leaf 3 : leaf 4;  2: x0 ≤ 0.8 ? 5 : leaf 6;  5: x2 ≤ 0.1 ? leaf 7 : leaf 8.
const tiny: Tree = {
  feature: [0, 1, 0, -1, -1, 2, -1, -1, -1],
  threshold: [0.5, 0.3, 0.8, 0, 0, 0.1, 0, 0, 0],
  left: [1, 3, 5, -1, -1, 7, -1, -1, -1],
  right: [2, 4, 6, -1, -1, 8, -1, -1, -1],
  value: [0, 0, 0, -2, 0.25, 0, 3, -0.5, 0.75],
  cover: [100, 40, 60, 10, 30, 45, 15, 20, 25],
};

describe('TreeSHAP', () => {
  it('matches a brute-force Shapley computation on a tiny tree, for points on every path', () => {
    const points = [
      [0.2, 0.1, 0],
      [0.2, 0.9, 0],
      [0.6, 0, 0],
      [0.6, 0, 0.5],
      [0.9, 0.5, 0.05],
    ];
    for (const x of points) {
      const phi = new Float64Array(3);
      treeShapRow(tiny, x, 0, phi);
      const want = bruteForce(tiny, x, 3);
      for (let f = 0; f < 3; f++) expect(phi[f]).toBeCloseTo(want[f]!, 12);
      // Local accuracy for one tree.
      const leafValue = conditional(tiny, x, new Set([0, 1, 2]));
      expect(phi.reduce((a, b) => a + b) + treeExpectation(tiny)).toBeCloseTo(leafValue, 12);
    }
  });

  it.each([
    ['binary', 1],
    ['multiclass', 3],
    ['regression', 1],
  ] as const)(
    '%s ensemble: expected value + Σ attributions = raw score for every row and output',
    async (task, k) => {
      const n = 400;
      const width = 4;
      let seed = 7;
      const rnd = () => {
        seed = (seed * 16807) % 2147483647;
        return seed / 2147483647;
      };
      const x = new Float32Array(n * width);
      const y = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        for (let f = 0; f < width; f++) x[i * width + f] = rnd();
        const z = x[i * width]! + 2 * x[i * width + 1]! * x[i * width + 2]! + 0.3 * rnd();
        y[i] =
          task === 'binary' ? (z > 1 ? 1 : 0) : task === 'multiclass' ? (z < 0.7 ? 0 : z < 1.3 ? 1 : 2) : z;
      }
      const rows = Uint32Array.from({ length: n }, (_, i) => i);
      const params = {
        iterations: 15,
        learningRate: 0.2,
        maxLeaves: 8,
        maxDepth: null,
        minSamplesLeaf: 5,
        minHessianLeaf: 1e-3,
        l2: 0,
        maxBins: 255,
        minGainToSplit: 0,
      };
      const { trees } = await boost({
        task,
        x,
        width,
        y,
        units: k,
        trainRows: rows,
        valRows: new Uint32Array(0),
        params,
        seed: 1,
      });
      const shap = treeShap(trees, x, n);
      const raw = predictRaw(trees, x, n, width);
      let worst = 0;
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < k; c++) {
          let s = shap.expected[c]!;
          for (let f = 0; f < width; f++) s += shap.values[(r * k + c) * width + f]!;
          worst = Math.max(
            worst,
            Math.abs(s - raw[r * k + c]!),
            Math.abs(shap.raw[r * k + c]! - raw[r * k + c]!),
          );
        }
      }
      expect(worst).toBeLessThan(1e-9);
      // A column no tree splits on gets exactly zero.
      const used = new Set(trees.trees.flatMap((t) => t.feature.filter((f) => f >= 0)));
      for (let f = 0; f < width; f++) {
        if (used.has(f)) continue;
        for (let r = 0; r < n * k; r++) expect(shap.values[r * width + f]).toBe(0);
      }
    },
  );

  it('sums matrix columns back into the raw inputs they came from', () => {
    const result = {
      outputs: 1,
      width: 4,
      expected: Float64Array.of(0),
      raw: Float64Array.of(0),
      values: Float64Array.of(1, 2, 3, 4),
    };
    const features = [
      { column: 'origin', offset: 0, width: 2 },
      { column: 'distance', offset: 2, width: 1 },
      { column: 'distance', offset: 3, width: 1 },
    ];
    expect(Array.from(attributionsByInput(result, 1, features, ['distance', 'origin']))).toEqual([7, 3]);
  });

  it('treats a single-leaf tree as a constant', () => {
    const leaf: TreesJson['trees'][number] = {
      feature: [-1],
      threshold: [0],
      left: [-1],
      right: [-1],
      value: [0.4],
      cover: [10],
    };
    const phi = new Float64Array(2);
    treeShapRow(leaf, [1, 2], 0, phi);
    expect(Array.from(phi)).toEqual([0, 0]);
    expect(treeExpectation(leaf)).toBe(0.4);
  });
});
