/**
 * Grows one tree leaf-wise (best-first, as LightGBM and HistGradientBoosting do): the leaf whose best
 * split gains most is split next, until `maxLeaves` leaves or no split passes the constraints. Each
 * leaf owns a contiguous range of `rows`, which a split partitions stably in place (rows stay in
 * ascending order, so column reads stay sequential).
 */
import type { ColumnSlot } from './bundle.js';
import { buildHistogram, subtractHistogram } from './histogram.js';
import { findBestSplit, leafWeight, type SplitCandidate, type SplitConstraints } from './split.js';
import type { Tree } from './types.js';

export interface GrowContext {
  /** Stored bins (bundle.ts), column-major. */
  bins: Uint8Array;
  /** Rows of the binned matrix (training and validation rows). */
  n: number;
  /** Histogram offsets of the stored columns and their total bin count. */
  offsets: Uint32Array;
  totalBins: number;
  /** Per matrix column: where its bins are stored, its bin count, and its bin edges. */
  slots: ColumnSlot[];
  counts: Uint16Array;
  edges: Float64Array[];
  constraints: SplitConstraints;
  maxLeaves: number;
  maxDepth: number | null;
  learningRate: number;
  /** Scratch, sized to the training rows. */
  /** Gradient pairs gathered in row order (2 per training row). */
  ordGH: Float64Array;
  scratch: Uint32Array;
  /** Reused histogram buffers. */
  pool: Float64Array[];
}

/**
 * Stable in-place partition of rows[start, end): bin ≤ `bin` first (for a bundled column, `sub` ≥ 0:
 * rows whose stored bin is not `sub`, i.e. the column is zero); returns where the right part starts.
 */
export function partitionRows(
  rows: Uint32Array,
  start: number,
  end: number,
  bins: Uint8Array,
  col: number,
  bin: number,
  sub: number,
  scratch: Uint32Array,
): number {
  let l = start;
  let r = 0;
  if (sub >= 0) {
    for (let i = start; i < end; i++) {
      const row = rows[i]!;
      if (bins[col + row]! !== sub) rows[l++] = row;
      else scratch[r++] = row;
    }
  } else {
    for (let i = start; i < end; i++) {
      const row = rows[i]!;
      if (bins[col + row]! <= bin) rows[l++] = row;
      else scratch[r++] = row;
    }
  }
  rows.set(scratch.subarray(0, r), l);
  return l;
}

interface Leaf {
  node: number;
  start: number;
  end: number;
  depth: number;
  sumG: number;
  sumH: number;
  hist: Float64Array;
  split: SplitCandidate;
}

function takeHist(ctx: GrowContext): Float64Array {
  return ctx.pool.pop() ?? new Float64Array(ctx.totalBins * 3);
}

export interface GrownTree {
  tree: Tree;
  /** Leaf ranges of `rows` after growth, with each leaf's (shrunk) value: the training rows' updates. */
  leaves: { start: number; end: number; value: number }[];
}

/** Grows a tree on rows (permuted in place, every leaf a contiguous range) with gradients g and hessians h. */
export function growTree(ctx: GrowContext, rows: Uint32Array, g: Float32Array, h: Float32Array): GrownTree {
  const { bins, n, offsets, counts, constraints, learningRate } = ctx;
  const tree: Tree = { feature: [], threshold: [], left: [], right: [], value: [], cover: [] };
  const addNode = (cover: number) => {
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(0);
    tree.cover.push(cover);
    return tree.feature.length - 1;
  };
  let sumG = 0;
  let sumH = 0;
  for (let i = 0; i < rows.length; i++) {
    sumG += g[rows[i]!]!;
    sumH += h[rows[i]!]!;
  }
  const rootHist = takeHist(ctx);
  buildHistogram(rootHist, bins, n, offsets, rows, 0, rows.length, g, h, ctx.ordGH);
  const canSplit = (depth: number) => ctx.maxDepth === null || depth < ctx.maxDepth;
  const evaluate = (leaf: Omit<Leaf, 'split'>): Leaf => ({
    ...leaf,
    split: canSplit(leaf.depth)
      ? findBestSplit(
          leaf.hist,
          offsets,
          ctx.slots,
          counts,
          leaf.sumG,
          leaf.sumH,
          leaf.end - leaf.start,
          constraints,
        )
      : { feature: -1, bin: 0, gain: 0, leftG: 0, leftH: 0, leftCount: 0 },
  });
  const open: Leaf[] = [
    evaluate({
      node: addNode(rows.length),
      start: 0,
      end: rows.length,
      depth: 0,
      sumG,
      sumH,
      hist: rootHist,
    }),
  ];
  while (open.length < ctx.maxLeaves) {
    // The open leaf with the largest gain (first one on ties, so growth is deterministic).
    let pick = -1;
    for (let i = 0; i < open.length; i++) {
      const s = open[i]!.split;
      if (s.feature >= 0 && (pick < 0 || s.gain > open[pick]!.split.gain)) pick = i;
    }
    if (pick < 0) break;
    const leaf = open.splice(pick, 1)[0]!;
    const { feature, bin } = leaf.split;
    const slot = ctx.slots[feature]!;
    const mid = partitionRows(rows, leaf.start, leaf.end, bins, slot.storage * n, bin, slot.sub, ctx.scratch);
    const leftCount = mid - leaf.start;
    const rightCount = leaf.end - mid;
    tree.feature[leaf.node] = feature;
    tree.threshold[leaf.node] = ctx.edges[feature]![bin]!;
    const leftNode = addNode(leftCount);
    const rightNode = addNode(rightCount);
    tree.left[leaf.node] = leftNode;
    tree.right[leaf.node] = rightNode;
    // Build the smaller child; the parent's buffer becomes the larger child by subtraction.
    const small = takeHist(ctx);
    const leftSmaller = leftCount <= rightCount;
    if (leftSmaller) buildHistogram(small, bins, n, offsets, rows, leaf.start, mid, g, h, ctx.ordGH);
    else buildHistogram(small, bins, n, offsets, rows, mid, leaf.end, g, h, ctx.ordGH);
    subtractHistogram(leaf.hist, small);
    const leftHist = leftSmaller ? small : leaf.hist;
    const rightHist = leftSmaller ? leaf.hist : small;
    const { leftG, leftH } = leaf.split;
    const depth = leaf.depth + 1;
    open.push(
      evaluate({
        node: leftNode,
        start: leaf.start,
        end: mid,
        depth,
        sumG: leftG,
        sumH: leftH,
        hist: leftHist,
      }),
      evaluate({
        node: rightNode,
        start: mid,
        end: leaf.end,
        depth,
        sumG: leaf.sumG - leftG,
        sumH: leaf.sumH - leftH,
        hist: rightHist,
      }),
    );
  }
  const leaves: GrownTree['leaves'] = [];
  for (const leaf of open) {
    const value = learningRate * leafWeight(leaf.sumG, leaf.sumH, constraints.l2);
    tree.value[leaf.node] = value;
    leaves.push({ start: leaf.start, end: leaf.end, value });
    ctx.pool.push(leaf.hist);
  }
  return { tree, leaves };
}
