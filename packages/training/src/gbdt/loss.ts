/**
 * Losses of the booster: their starting raw score, and per-row gradient and hessian of the loss with
 * respect to the raw score (what each tree is fitted to). Binary log loss on the logit, softmax cross-
 * entropy with one raw score per class, and squared error (½(f − y)², so g = f − y and h = 1).
 */
import type { TreeLoss } from './types.js';

/** Smallest hessian a row contributes, so that confident rows still count towards min hessian checks. */
const MIN_HESSIAN = 1e-16;

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** Initial raw scores: the log-odds of the weighted positive rate, the log class priors, or the weighted mean. */
export function baseScore(
  loss: TreeLoss,
  y: Float32Array,
  rows: Uint32Array,
  weight: Float32Array | null,
  outputs: number,
): number[] {
  let total = 0;
  const sums = new Float64Array(outputs);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const w = weight ? weight[r]! : 1;
    total += w;
    if (loss === 'softmax') sums[y[r]!]! += w;
    else sums[0]! += w * y[r]!;
  }
  if (loss === 'squared_error') return [sums[0]! / total];
  const clamp = (p: number) => Math.min(1 - 1e-15, Math.max(1e-15, p));
  if (loss === 'log_loss') {
    const p = clamp(sums[0]! / total);
    return [Math.log(p / (1 - p))];
  }
  return Array.from(sums, (s) => Math.log(clamp(s / total)));
}

/**
 * Gradients and hessians of `rows` for output `k` (g[o], h[o] per output), from raw scores `raw`
 * (n × outputs, row-major).
 */
export function computeGradients(
  loss: TreeLoss,
  raw: Float64Array,
  y: Float32Array,
  rows: Uint32Array,
  weight: Float32Array | null,
  outputs: number,
  g: Float32Array[],
  h: Float32Array[],
): void {
  if (loss === 'log_loss') {
    const g0 = g[0]!;
    const h0 = h[0]!;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const p = sigmoid(raw[r]!);
      const w = weight ? weight[r]! : 1;
      g0[r] = w * (p - y[r]!);
      h0[r] = w * Math.max(p * (1 - p), MIN_HESSIAN);
    }
    return;
  }
  if (loss === 'squared_error') {
    const g0 = g[0]!;
    const h0 = h[0]!;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const w = weight ? weight[r]! : 1;
      g0[r] = w * (raw[r]! - y[r]!);
      h0[r] = w;
    }
    return;
  }
  const p = new Float64Array(outputs);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    softmaxInto(raw, r * outputs, outputs, p, 0);
    const w = weight ? weight[r]! : 1;
    const label = y[r]!;
    for (let k = 0; k < outputs; k++) {
      const pk = p[k]!;
      g[k]![r] = w * (pk - (k === label ? 1 : 0));
      h[k]![r] = w * Math.max(pk * (1 - pk), MIN_HESSIAN);
    }
  }
}

/** Softmax of raw[from, from + k) into out[at, at + k), shifted by the maximum for stability. */
export function softmaxInto(
  raw: ArrayLike<number>,
  from: number,
  k: number,
  out: Float64Array,
  at: number,
): void {
  let max = -Infinity;
  for (let j = 0; j < k; j++) max = Math.max(max, raw[from + j]!);
  let sum = 0;
  for (let j = 0; j < k; j++) {
    const e = Math.exp(raw[from + j]! - max);
    out[at + j] = e;
    sum += e;
  }
  for (let j = 0; j < k; j++) out[at + j]! /= sum;
}

/** Raw scores → what the model outputs: P(positive), class probabilities, or the value. */
export function transformRaw(loss: TreeLoss, raw: Float64Array, n: number, outputs: number): Float64Array {
  const out = new Float64Array(n * outputs);
  if (loss === 'log_loss') for (let i = 0; i < n; i++) out[i] = sigmoid(raw[i]!);
  else if (loss === 'squared_error') out.set(raw.subarray(0, n));
  else for (let i = 0; i < n; i++) softmaxInto(raw, i * outputs, outputs, out, i * outputs);
  return out;
}
