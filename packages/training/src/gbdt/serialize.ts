/** trees.json text ↔ TreesJson, with the structural checks a loader needs before it walks the trees. */
import { TREES_SCHEMA, type Tree, type TreesJson } from './types.js';

export function serializeTrees(trees: TreesJson): string {
  return `${JSON.stringify(trees)}\n`;
}

/** Why `value` is not a usable trees.json, or null when it is. */
export function treesProblem(value: unknown, width?: number): string | null {
  const t = value as TreesJson;
  if (!t || typeof t !== 'object' || t.schema !== TREES_SCHEMA) return `not a ${TREES_SCHEMA} document`;
  if (!['log_loss', 'softmax', 'squared_error'].includes(t.loss)) return `unknown loss "${String(t.loss)}"`;
  if (!Number.isInteger(t.outputs) || t.outputs < 1) return 'outputs must be a positive integer';
  if (t.loss !== 'softmax' && t.outputs !== 1) return `${t.loss} has one output, not ${t.outputs}`;
  if (!Array.isArray(t.baseScore) || t.baseScore.length !== t.outputs)
    return 'baseScore needs one value per output';
  if (!Number.isInteger(t.width) || t.width < 1) return 'width must be a positive integer';
  if (width !== undefined && t.width !== width)
    return `width ${t.width} does not match features.json (${width})`;
  if (!Array.isArray(t.trees) || t.trees.length % t.outputs !== 0)
    return 'trees must hold one tree per output and iteration';
  for (const [i, tree] of t.trees.entries()) {
    const p = treeProblem(tree, t.width);
    if (p) return `trees[${i}]: ${p}`;
  }
  return null;
}

function treeProblem(tree: Tree, width: number): string | null {
  const keys = ['feature', 'threshold', 'left', 'right', 'value', 'cover'] as const;
  for (const key of keys) if (!Array.isArray(tree?.[key])) return `${key} is missing`;
  const m = tree.feature.length;
  if (m === 0) return 'has no nodes';
  for (const key of keys)
    if (tree[key].length !== m) return `${key} has ${tree[key].length} entries, not ${m}`;
  for (let i = 0; i < m; i++) {
    const f = tree.feature[i]!;
    if (f === -1) continue;
    if (!Number.isInteger(f) || f < 0 || f >= width)
      return `node ${i}: feature ${f} is outside 0..${width - 1}`;
    // Children come after their parent, so walking from the root always ends at a leaf.
    for (const child of [tree.left[i]!, tree.right[i]!]) {
      if (!Number.isInteger(child) || child <= i || child >= m) return `node ${i}: child ${child} is invalid`;
    }
  }
  return null;
}
