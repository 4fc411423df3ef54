/**
 * Exact path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, Algorithm 2) for Slipway's tree ensembles.
 * It explains the raw score (log-odds for binary, one raw score per class for multiclass, the value for
 * regression) with the trees' own training covers as the background distribution, in O(leaves · depth²)
 * per tree and row instead of the exponential enumeration of Shapley coalitions. For every row and
 * output, expected value + Σ attributions = the raw score exactly (up to float rounding).
 */
import type { Table } from '@slipway/data';
import { applyFeatures, type FeaturesJson, type Tree, type TreesJson } from '@slipway/training/browser';

/** One element of the feature path from the root to the current node. */
interface PathElement {
  /** Matrix column (−1 for the root's placeholder). */
  d: number;
  /** Fraction of "zero" paths (feature not in the coalition) flowing through this split. */
  z: number;
  /** Fraction of "one" paths (feature in the coalition): 1 if x goes this way, else 0. */
  o: number;
  /** Proportion of coalitions of each size. */
  w: number;
}

function extend(path: PathElement[], z: number, o: number, d: number): PathElement[] {
  const l = path.length;
  const m = path.map((e) => ({ ...e }));
  m.push({ d, z, o, w: l === 0 ? 1 : 0 });
  for (let i = l - 1; i >= 0; i--) {
    m[i + 1]!.w += (o * m[i]!.w * (i + 1)) / (l + 1);
    m[i]!.w = (z * m[i]!.w * (l - i)) / (l + 1);
  }
  return m;
}

/** Undoes the extension by element i (used when a feature repeats on the path, and to weigh leaves). */
function unwind(path: PathElement[], i: number): PathElement[] {
  const l = path.length - 1;
  const { o, z } = path[i]!;
  const m = path.map((e) => ({ ...e }));
  let n = m[l]!.w;
  for (let j = l - 1; j >= 0; j--) {
    if (o !== 0) {
      const t = m[j]!.w;
      m[j]!.w = (n * (l + 1)) / ((j + 1) * o);
      n = t - (m[j]!.w * z * (l - j)) / (l + 1);
    } else {
      m[j]!.w = (m[j]!.w * (l + 1)) / (z * (l - j));
    }
  }
  for (let j = i; j < l; j++) {
    m[j]!.d = m[j + 1]!.d;
    m[j]!.z = m[j + 1]!.z;
    m[j]!.o = m[j + 1]!.o;
  }
  m.pop();
  return m;
}

/** Adds one tree's attributions for the row of x starting at `at` into phi (one slot per column). */
export function treeShapRow(tree: Tree, x: ArrayLike<number>, at: number, phi: Float64Array): void {
  const { feature, threshold, left, right, value, cover } = tree;
  const recurse = (node: number, path: PathElement[], z: number, o: number, d: number): void => {
    const m = extend(path, z, o, d);
    const f = feature[node]!;
    if (f < 0) {
      for (let i = 1; i < m.length; i++) {
        const w = unwind(m, i).reduce((s, e) => s + e.w, 0);
        const e = m[i]!;
        phi[e.d] = phi[e.d]! + w * (e.o - e.z) * value[node]!;
      }
      return;
    }
    const goesRight = x[at + f]! > threshold[node]!;
    const hot = goesRight ? right[node]! : left[node]!;
    const cold = goesRight ? left[node]! : right[node]!;
    let iz = 1;
    let io = 1;
    let rest = m;
    const k = m.findIndex((e, i) => i > 0 && e.d === f);
    if (k > 0) {
      iz = m[k]!.z;
      io = m[k]!.o;
      rest = unwind(m, k);
    }
    const c = cover[node]!;
    recurse(hot, rest, (iz * cover[hot]!) / c, io, f);
    recurse(cold, rest, (iz * cover[cold]!) / c, 0, f);
  };
  recurse(0, [], 1, 1, -1);
}

/** The tree's mean output over its training rows (cover-weighted leaf values). */
export function treeExpectation(tree: Tree): number {
  let s = 0;
  tree.feature.forEach((f, i) => {
    if (f < 0) s += tree.value[i]! * tree.cover[i]!;
  });
  return s / tree.cover[0]!;
}

export interface TreeShapResult {
  outputs: number;
  width: number;
  /** E[raw score] per output: base score + each tree's cover-weighted mean. */
  expected: Float64Array;
  /** rows × outputs × width attributions, row-major. */
  values: Float64Array;
  /** rows × outputs raw scores (what expected + Σ values reproduce). */
  raw: Float64Array;
}

/** TreeSHAP values of every row of the row-major matrix x (rows × trees.width). */
export function treeShap(trees: TreesJson, x: ArrayLike<number>, rows: number): TreeShapResult {
  const k = trees.outputs;
  const width = trees.width;
  const expected = Float64Array.from(trees.baseScore);
  trees.trees.forEach((t, i) => {
    expected[i % k]! += treeExpectation(t);
  });
  const values = new Float64Array(rows * k * width);
  const raw = new Float64Array(rows * k);
  const phi = new Float64Array(width);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < k; c++) {
      phi.fill(0);
      let score = trees.baseScore[c]!;
      for (let t = c; t < trees.trees.length; t += k) {
        const tree = trees.trees[t]!;
        treeShapRow(tree, x, r * width, phi);
        let node = 0;
        while (tree.feature[node]! >= 0) {
          node =
            x[r * width + tree.feature[node]!]! > tree.threshold[node]!
              ? tree.right[node]!
              : tree.left[node]!;
        }
        score += tree.value[node]!;
      }
      values.set(phi, (r * k + c) * width);
      raw[r * k + c] = score;
    }
  }
  return { outputs: k, width, expected, values, raw };
}

/**
 * Sums the attributions of the matrix columns each raw input produced (a one-hot's columns, a
 * datetime's parts, two features of one column) into rows × outputs × inputs, inputs in `inputs` order.
 */
export function attributionsByInput(
  result: TreeShapResult,
  rows: number,
  features: { column: string; offset: number; width: number }[],
  inputs: readonly string[],
): Float64Array {
  const { outputs, width } = result;
  const m = inputs.length;
  const owner = new Int32Array(width).fill(-1);
  for (const f of features) {
    const i = inputs.indexOf(f.column);
    for (let j = f.offset; j < f.offset + f.width; j++) owner[j] = i;
  }
  const out = new Float64Array(rows * outputs * m);
  for (let r = 0; r < rows * outputs; r++) {
    for (let j = 0; j < width; j++) {
      const i = owner[j]!;
      if (i >= 0) out[r * m + i]! += result.values[r * width + j]!;
    }
  }
  return out;
}

export interface TreeShapTable {
  features: string[];
  /** E[raw score] of the first output, and per output. */
  expectedValue: number;
  expectedValues: number[];
  /** Raw score per explained row (rows × outputs). */
  fx: Float64Array;
  /** rows × inputs × outputs, row-major: the layout of shap.ts's results. */
  values: Float64Array;
  method: 'tree';
}

/** TreeSHAP of a tree package on raw rows: apply features.json, explain, and sum back to the raw inputs. */
export function treeShapTable(
  trees: TreesJson,
  features: FeaturesJson,
  rows: Table,
  inputs: readonly string[],
): TreeShapTable {
  const { matrix, rows: n } = applyFeatures(features, rows, { source: 'explanation rows' });
  const result = treeShap(trees, matrix, n);
  const byInput = attributionsByInput(result, n, features.features, inputs);
  const k = result.outputs;
  const m = inputs.length;
  // rows × outputs × inputs → rows × inputs × outputs.
  const values = new Float64Array(n * m * k);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < k; c++)
      for (let f = 0; f < m; f++) values[(r * m + f) * k + c] = byInput[(r * k + c) * m + f]!;
  const expectedValues = Array.from(result.expected);
  return {
    features: [...inputs],
    expectedValue: expectedValues[0]!,
    expectedValues,
    fx: result.raw,
    values,
    method: 'tree',
  };
}
