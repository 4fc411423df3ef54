/** Small numeric helpers shared by metrics and the bootstrap. */

/** Quantile with linear interpolation between order statistics (numpy's default, "type 7"). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const frac = pos - lo;
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return frac === 0 ? a : a + (b - a) * frac;
}

/** Indices 0..n-1 ordered by `values` ascending; ties keep index order (stable). */
export function argsortAscending(values: ArrayLike<number>): Int32Array {
  const n = values.length;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  // Sorting (value, index) pairs packed in a Float64Array is much faster than a comparator on 1M rows.
  const v = Float64Array.from(values as ArrayLike<number>);
  idx.sort((a, b) => (v[a] as number) - (v[b] as number) || a - b);
  return idx;
}

export function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
