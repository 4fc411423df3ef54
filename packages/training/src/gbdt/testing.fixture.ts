/** Deterministic synthetic matrices for the gbdt unit tests. */
import { mulberry32 } from '../random.js';

export interface SyntheticData {
  x: Float32Array;
  y: Float32Array;
  n: number;
  width: number;
}

/** n × width uniform features; the label depends non-linearly on the first three columns. */
export function synthetic(
  task: 'binary' | 'multiclass' | 'regression',
  n: number,
  width = 5,
  seed = 3,
): SyntheticData {
  const rng = mulberry32(seed);
  const x = new Float32Array(n * width);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < width; f++) x[i * width + f] = rng() * 2 - 1;
    const a = x[i * width]!;
    const b = x[i * width + 1]!;
    const c = width > 2 ? x[i * width + 2]! : 0;
    const z = 2 * a - b + 1.5 * a * b + (c > 0.3 ? 1 : 0) + (rng() - 0.5) * 0.5;
    if (task === 'binary') y[i] = z > 0.2 ? 1 : 0;
    else if (task === 'multiclass') y[i] = z < -0.8 ? 0 : z < 0.9 ? 1 : 2;
    else y[i] = 3 * z + 10;
  }
  return { x, y, n, width };
}

export const DEFAULT_PARAMS = {
  iterations: 20,
  learningRate: 0.1,
  maxLeaves: 15,
  maxDepth: null,
  minSamplesLeaf: 5,
  minHessianLeaf: 1e-3,
  l2: 0,
  maxBins: 255,
  minGainToSplit: 0,
};

export const range = (from: number, to: number) =>
  Uint32Array.from({ length: to - from }, (_, i) => from + i);
