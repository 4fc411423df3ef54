/**
 * Quantile binning: each matrix column becomes at most `maxBins` small integers, so that split finding
 * works on histograms instead of sorted values. Bin b of a column holds values in (edges[b−1], edges[b]];
 * a NaN falls in bin 0, which matches prediction's "go left unless x > threshold".
 */
import { mulberry32 } from '../random.js';

/** Rows sampled to place the bin edges (as scikit-learn's HistGradientBoosting does). */
export const BINNING_SAMPLE = 200_000;

export interface Binning {
  /** Per matrix column, ascending upper edges of every bin but the last. */
  edges: Float64Array[];
  /** Bins per column (edges.length + 1). */
  counts: Uint16Array;
}

/** Edges from sorted finite values: midpoints between distinct values, or midpoint quantiles when there are too many. */
export function edgesOf(sorted: Float64Array, maxBins: number): Float64Array {
  const distinct: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i]!;
    if (distinct.length === 0 || v !== distinct[distinct.length - 1]) distinct.push(v);
  }
  if (distinct.length <= maxBins) {
    const out = new Float64Array(Math.max(0, distinct.length - 1));
    for (let i = 0; i < out.length; i++) out[i] = (distinct[i]! + distinct[i + 1]!) / 2;
    return out;
  }
  const n = sorted.length;
  const edges: number[] = [];
  for (let q = 1; q < maxBins; q++) {
    // Percentile with midpoint interpolation between the two order statistics around the position.
    const pos = (q / maxBins) * (n - 1);
    const e = (sorted[Math.floor(pos)]! + sorted[Math.ceil(pos)]!) / 2;
    if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
  }
  // The top edge must stay below the maximum, or the last bin would be empty.
  while (edges.length > 0 && edges[edges.length - 1]! >= sorted[n - 1]!) edges.pop();
  return Float64Array.from(edges);
}

/** Fits the edges of every column of the row-major `x` (n × width) on `rows`, a seeded sample of them when many. */
export function fitBinning(
  x: Float32Array,
  width: number,
  rows: Uint32Array,
  maxBins: number,
  seed: number,
): Binning {
  let sample = rows;
  if (rows.length > BINNING_SAMPLE) {
    // Partial Fisher–Yates on a copy: a seeded subset, then sorted so reads stay in row order.
    const pool = Uint32Array.from(rows);
    const rng = mulberry32(seed ^ 0xb1);
    for (let i = 0; i < BINNING_SAMPLE; i++) {
      const j = i + Math.floor(rng() * (pool.length - i));
      const t = pool[i]!;
      pool[i] = pool[j]!;
      pool[j] = t;
    }
    sample = pool.subarray(0, BINNING_SAMPLE).sort();
  }
  const edges: Float64Array[] = new Array(width);
  const counts = new Uint16Array(width);
  const m = sample.length;
  // One pass over the sampled rows (row-major, in blocks that stay in cache) collects each column's
  // distinct values in a small sorted set, up to maxBins. Most columns (one-hot, hour of day) never
  // overflow it; only the others are gathered and sorted in full for their quantiles.
  const sets = new Float64Array(width * maxBins);
  const sizes = new Int32Array(width);
  const last = new Float64Array(width).fill(Number.NaN);
  const overflow = new Uint8Array(width);
  const BLOCK = 256;
  for (let i0 = 0; i0 < m; i0 += BLOCK) {
    const i1 = Math.min(m, i0 + BLOCK);
    for (let f = 0; f < width; f++) {
      if (overflow[f]) continue;
      const base = f * maxBins;
      let nd = sizes[f]!;
      let prev = last[f]!;
      for (let i = i0; i < i1; i++) {
        const v = x[sample[i]! * width + f]!;
        if (v === prev || Number.isNaN(v)) continue;
        prev = v;
        let lo = 0;
        let hi = nd;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (sets[base + mid]! < v) lo = mid + 1;
          else hi = mid;
        }
        if (lo < nd && sets[base + lo] === v) continue;
        if (nd === maxBins) {
          overflow[f] = 1;
          break;
        }
        sets.copyWithin(base + lo + 1, base + lo, base + nd);
        sets[base + lo] = v;
        nd++;
      }
      sizes[f] = nd;
      last[f] = prev;
    }
  }
  const values = new Float64Array(m);
  for (let f = 0; f < width; f++) {
    let e: Float64Array;
    if (!overflow[f]) e = edgesOf(sets.subarray(f * maxBins, f * maxBins + sizes[f]!), maxBins);
    else {
      let k = 0;
      for (let i = 0; i < m; i++) {
        const v = x[sample[i]! * width + f]!;
        if (!Number.isNaN(v)) values[k++] = v;
      }
      e = edgesOf(values.subarray(0, k).sort(), maxBins);
    }
    edges[f] = e;
    counts[f] = e.length + 1;
  }
  return { edges, counts };
}

/** The bin of one value: the first edge ≥ v (binary search); NaN → 0. */
export function binOf(edges: Float64Array, v: number): number {
  if (!(v > edges[0]!)) return 0;
  let lo = 1;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v > edges[mid]!) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** All n rows binned, column-major (column f at [f·n, (f+1)·n)): histogram loops read one column at a time. */
export function binMatrix(x: Float32Array, n: number, width: number, binning: Binning): Uint8Array {
  const out = new Uint8Array(n * width);
  // Blocks of rows, so that the row-major reads of one block stay in cache across all columns.
  const BLOCK = 256;
  for (let r0 = 0; r0 < n; r0 += BLOCK) {
    const r1 = Math.min(n, r0 + BLOCK);
    for (let f = 0; f < width; f++) {
      const e = binning.edges[f]!;
      if (e.length === 0) continue;
      const base = f * n;
      if (e.length === 1) {
        const t = e[0]!;
        for (let r = r0; r < r1; r++) out[base + r] = x[r * width + f]! > t ? 1 : 0;
      } else for (let r = r0; r < r1; r++) out[base + r] = binOf(e, x[r * width + f]!);
    }
  }
  return out;
}
