/**
 * Exclusive feature bundling (the idea LightGBM calls EFB): binary columns that are never non-zero in the
 * same row — the columns of one one-hot or hash feature — share one stored column whose bin says which of
 * them is set (0: none). Histograms are built over stored columns, so a 60-way one-hot costs one column
 * pass instead of 60; split finding still sees every column, reading its non-zero bin from the bundle and
 * its zero bin as the leaf total minus that.
 */
import { type Binning, binMatrix } from './binning.js';

/** Where a matrix column's bins live: its own stored column (sub −1), or bin `sub` of a bundle. */
export interface ColumnSlot {
  storage: number;
  sub: number;
}

export interface StoredBins {
  /** Stored columns, column-major (stored column s at [s·n, (s+1)·n)). */
  bins: Uint8Array;
  /** Bins per stored column. */
  counts: Uint16Array;
  /** One per matrix column. */
  slots: ColumnSlot[];
}

/** Most columns one bundle takes: its bins must fit a byte with bin 0 for "none". */
const MAX_BUNDLE = 254;

/**
 * Bins the row-major x (n × width) into stored columns, bundling binary columns that are non-zero in at
 * most half the rows and never together (checked on every row, so bundles are exact).
 */
export function storeBins(
  x: Float32Array,
  n: number,
  width: number,
  binning: Binning,
  enabled = true,
): StoredBins {
  const all = binMatrix(x, n, width, binning);
  const binColumn = (f: number) => all.subarray(f * n, (f + 1) * n);
  // Pass 1: greedy bundle assignment of the sparse binary columns, in column order.
  const bundles: { members: number[]; used: Uint8Array }[] = [];
  const bundleOf = new Int32Array(width).fill(-1);
  const nonZero: (Uint32Array | null)[] = new Array(width).fill(null);
  for (let f = 0; f < width; f++) {
    if (!enabled || binning.counts[f] !== 2) continue;
    const b = binColumn(f);
    let nz = 0;
    for (let r = 0; r < n; r++) nz += b[r]!;
    if (nz === 0 || nz > n / 2) continue;
    const rows = new Uint32Array(nz);
    for (let r = 0, k = 0; r < n; r++) if (b[r]) rows[k++] = r;
    let placed = -1;
    for (let i = 0; i < bundles.length && placed < 0; i++) {
      const bundle = bundles[i]!;
      if (bundle.members.length >= MAX_BUNDLE) continue;
      let clash = false;
      for (let k = 0; k < rows.length && !clash; k++) clash = bundle.used[rows[k]!] === 1;
      if (!clash) placed = i;
    }
    if (placed < 0) {
      bundles.push({ members: [], used: new Uint8Array(n) });
      placed = bundles.length - 1;
    }
    const bundle = bundles[placed]!;
    bundle.members.push(f);
    for (let k = 0; k < rows.length; k++) bundle.used[rows[k]!] = 1;
    bundleOf[f] = placed;
    nonZero[f] = rows;
  }
  // A bundle of one saves nothing: that column is stored on its own.
  const real = bundles.map((b) => b.members.length > 1);
  const slots: ColumnSlot[] = new Array(width);
  const counts: number[] = [];
  for (let f = 0; f < width; f++) {
    if (bundleOf[f]! >= 0 && real[bundleOf[f]!]) continue;
    slots[f] = { storage: counts.length, sub: -1 };
    counts.push(binning.counts[f]!);
  }
  const bundleStorage = bundles.map((b, i) => {
    if (!real[i]) return -1;
    counts.push(b.members.length + 1);
    return counts.length - 1;
  });
  // Pass 2: fill the stored columns.
  const bins = new Uint8Array(counts.length * n);
  for (let f = 0; f < width; f++) {
    const bi = bundleOf[f]!;
    if (bi >= 0 && real[bi]) {
      const s = bundleStorage[bi]!;
      const sub = bundles[bi]!.members.indexOf(f) + 1;
      slots[f] = { storage: s, sub };
      const rows = nonZero[f]!;
      for (let k = 0; k < rows.length; k++) bins[s * n + rows[k]!] = sub;
    } else {
      bins.set(binColumn(f), slots[f]!.storage * n);
    }
  }
  return { bins, counts: Uint16Array.from(counts), slots };
}
