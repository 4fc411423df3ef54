/** Tree ensemble inference on a row-major feature matrix; pure TypeScript, browser-safe. */
import { transformRaw } from './loss.js';
import type { Tree, TreesJson } from './types.js';

/** The leaf a row of x (starting at `at`) falls in. */
export function leafOf(tree: Tree, x: ArrayLike<number>, at: number): number {
  const { feature, threshold, left, right } = tree;
  let node = 0;
  while (feature[node]! >= 0) {
    node = x[at + feature[node]!]! > threshold[node]! ? right[node]! : left[node]!;
  }
  return node;
}

/** Raw scores (rows × outputs, row-major): base score plus every tree of each output. */
export function predictRaw(
  trees: TreesJson,
  x: ArrayLike<number>,
  rows: number,
  width: number,
): Float64Array {
  const k = trees.outputs;
  const raw = new Float64Array(rows * k);
  for (let i = 0; i < rows; i++) for (let c = 0; c < k; c++) raw[i * k + c] = trees.baseScore[c]!;
  trees.trees.forEach((tree, t) => {
    const c = t % k;
    for (let i = 0; i < rows; i++) raw[i * k + c]! += tree.value[leafOf(tree, x, i * width)]!;
  });
  return raw;
}

/** P(positive) per row, class probabilities (rows × k), or values. */
export function predictTrees(
  trees: TreesJson,
  x: ArrayLike<number>,
  rows: number,
  width: number,
): Float64Array {
  return transformRaw(trees.loss, predictRaw(trees, x, rows, width), rows, trees.outputs);
}
