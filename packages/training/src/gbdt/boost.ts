/**
 * Gradient boosting: bin the matrix once, then per iteration compute gradients of the loss at the current
 * raw scores and grow one tree per output on them. With validation rows it reports the validation
 * metrics each iteration and, with `earlyStopping`, keeps the best iteration. Deterministic: the only
 * randomness is the seeded binning sample, and every loop runs in a fixed order.
 */
import type { Task } from '@slipway/core';
import { evaluate } from '../metrics.js';
import { fitBinning } from './binning.js';
import { storeBins } from './bundle.js';
import { type GrowContext, growTree } from './grow.js';
import { binOffsets } from './histogram.js';
import { baseScore, computeGradients, transformRaw } from './loss.js';
import { leafOf } from './predict.js';
import { type GbdtParams, TREES_SCHEMA, type Tree, type TreeLoss, type TreesJson } from './types.js';

export interface BoostInput {
  task: Task;
  /** rows × width, row-major. */
  x: Float32Array;
  width: number;
  /** 0/1, class index, or value. */
  y: Float32Array;
  /** Class count (multiclass), else 1. */
  units: number;
  trainRows: Uint32Array;
  valRows: Uint32Array;
  params: GbdtParams;
  seed: number;
  /** Per-row weight (e.g. from class weights), or null. */
  weight?: Float32Array | null;
  earlyStopping?: { patience: number; monitor: string } | undefined;
  /** Called after every iteration (validation metrics when there are validation rows). */
  onIteration?: (iteration: number, values: Record<string, number>) => void | Promise<void>;
  /** Bundle exclusive binary columns (default true; the trees are the same either way, only faster). */
  bundling?: boolean;
}

export interface BoostResult {
  trees: TreesJson;
  history: { iteration: number; values: Record<string, number> }[];
  bestIteration: number;
  stoppedEarly: boolean;
  /** Raw scores of every row of x at the kept iteration (rows × outputs), for tests and metrics. */
  raw: Float64Array;
  seconds: number;
}

export function lossFor(task: Task): TreeLoss {
  return task === 'binary' ? 'log_loss' : task === 'multiclass' ? 'softmax' : 'squared_error';
}

function direction(metric: string): 'max' | 'min' {
  return /auc|accuracy|r2/.test(metric) ? 'max' : 'min';
}

export class EarlyStoppingMonitorError extends Error {
  constructor(
    readonly monitor: string,
    readonly available: string[],
  ) {
    super(`early stopping monitor "${monitor}" is not a validation metric (${available.join(', ')})`);
  }
}

export async function boost(input: BoostInput): Promise<BoostResult> {
  const started = performance.now();
  const { task, x, width, y, trainRows, valRows, params } = input;
  const n = y.length;
  const loss = lossFor(task);
  const k = task === 'multiclass' ? input.units : 1;
  const weight = input.weight ?? null;

  const binning = fitBinning(x, width, trainRows, params.maxBins, input.seed);
  const stored = storeBins(x, n, width, binning, input.bundling ?? true);
  const { offsets, total } = binOffsets(stored.counts);
  const ctx: GrowContext = {
    bins: stored.bins,
    n,
    offsets,
    totalBins: total,
    slots: stored.slots,
    counts: binning.counts,
    edges: binning.edges,
    constraints: {
      l2: params.l2,
      minSamplesLeaf: params.minSamplesLeaf,
      minHessianLeaf: params.minHessianLeaf,
      minGainToSplit: params.minGainToSplit,
    },
    maxLeaves: params.maxLeaves,
    maxDepth: params.maxDepth,
    learningRate: params.learningRate,
    ordGH: new Float64Array(2 * trainRows.length),
    scratch: new Uint32Array(trainRows.length),
    pool: [],
  };

  const base = baseScore(loss, y, trainRows, weight, k);
  const raw = new Float64Array(n * k);
  for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) raw[r * k + c] = base[c]!;
  const g = Array.from({ length: k }, () => new Float32Array(n));
  const h = Array.from({ length: k }, () => new Float32Array(n));
  const sorted = Uint32Array.from(trainRows).sort();
  const rows = new Uint32Array(sorted.length);
  const valY = Float32Array.from(valRows, (r) => y[r]!);
  const valRaw = new Float64Array(valRows.length * k);
  const trees: Tree[] = [];
  const history: BoostResult['history'] = [];

  const monitor = input.earlyStopping?.monitor ?? 'val_loss';
  const patience = valRows.length > 0 ? input.earlyStopping?.patience : undefined;
  let best = Number.NaN;
  let bestIteration = 0;
  let waited = 0;
  let stoppedEarly = false;
  // The kept iteration's validation raw scores are recomputable from the trees, the training rows' are not:
  // a snapshot of `raw` at the best iteration is what the result returns.
  let bestRaw: Float64Array | null = null;

  for (let it = 1; it <= params.iterations; it++) {
    computeGradients(loss, raw, y, sorted, weight, k, g, h);
    for (let c = 0; c < k; c++) {
      rows.set(sorted);
      const grown = growTree(ctx, rows, g[c]!, h[c]!);
      trees.push(grown.tree);
      for (const leaf of grown.leaves) {
        for (let i = leaf.start; i < leaf.end; i++) raw[rows[i]! * k + c]! += leaf.value;
      }
      for (let i = 0; i < valRows.length; i++) {
        const r = valRows[i]!;
        const v = grown.tree.value[leafOf(grown.tree, x, r * width)]!;
        raw[r * k + c]! += v;
      }
    }
    const values: Record<string, number> = {};
    if (valRows.length > 0) {
      for (let i = 0; i < valRows.length; i++)
        for (let c = 0; c < k; c++) valRaw[i * k + c] = raw[valRows[i]! * k + c]!;
      const p = Float32Array.from(transformRaw(loss, valRaw, valRows.length, k));
      const evaluated = evaluate(task, p, valY, k);
      values.val_loss = evaluated.loss;
      for (const [name, v] of Object.entries(evaluated.metrics)) values[`val_${name}`] = v;
    }
    history.push({ iteration: it, values });
    await input.onIteration?.(it, values);
    if (patience === undefined) {
      bestIteration = it;
      continue;
    }
    const current = values[monitor];
    if (current === undefined) throw new EarlyStoppingMonitorError(monitor, Object.keys(values));
    const better =
      !Number.isNaN(current) &&
      (Number.isNaN(best) || (direction(monitor) === 'max' ? current > best : current < best));
    if (better) {
      best = current;
      bestIteration = it;
      waited = 0;
      bestRaw = Float64Array.from(raw);
    } else if (++waited >= patience) {
      stoppedEarly = it < params.iterations;
      break;
    }
  }
  const kept = trees.slice(0, bestIteration * k);
  return {
    trees: {
      schema: TREES_SCHEMA,
      loss,
      outputs: k,
      baseScore: base,
      width,
      iterations: bestIteration,
      params: { ...params },
      trees: kept,
    },
    history,
    bestIteration,
    stoppedEarly,
    raw: bestRaw && bestIteration < history.length ? bestRaw : raw,
    seconds: (performance.now() - started) / 1000,
  };
}
