/**
 * Gradient histograms. A leaf's histogram holds, for every (column, bin), the sums of gradient and
 * hessian and the row count, stride 3, columns one after another (`offsets[f]` is column f's first bin).
 * Only the smaller child of a split is built from rows; the larger one is parent − smaller.
 */

/** Bin offsets of every column and the total bin count. */
export function binOffsets(counts: Uint16Array): { offsets: Uint32Array; total: number } {
  const offsets = new Uint32Array(counts.length);
  let total = 0;
  for (let f = 0; f < counts.length; f++) {
    offsets[f] = total;
    total += counts[f]!;
  }
  return { offsets, total };
}

/**
 * Sums `g`/`h` of rows[start, end) into `hist` (zeroed first). The gradient pairs are first gathered in
 * row order, interleaved, into `ordGH` so that the column loops read them sequentially (only the bin read
 * is indirect); four columns share each pass so that a row's index and pair are read once per four updates.
 */
export function buildHistogram(
  hist: Float64Array,
  bins: Uint8Array,
  n: number,
  offsets: Uint32Array,
  rows: Uint32Array,
  start: number,
  end: number,
  g: Float32Array,
  h: Float32Array,
  ordGH: Float64Array,
): void {
  hist.fill(0);
  const m = end - start;
  for (let i = 0; i < m; i++) {
    const r = rows[start + i]!;
    ordGH[2 * i] = g[r]!;
    ordGH[2 * i + 1] = h[r]!;
  }
  const width = offsets.length;
  let f = 0;
  for (; f + 4 <= width; f += 4) {
    const c0 = f * n;
    const c1 = c0 + n;
    const c2 = c1 + n;
    const c3 = c2 + n;
    const b0 = offsets[f]! * 3;
    const b1 = offsets[f + 1]! * 3;
    const b2 = offsets[f + 2]! * 3;
    const b3 = offsets[f + 3]! * 3;
    for (let i = 0; i < m; i++) {
      const r = rows[start + i]!;
      const gi = ordGH[2 * i]!;
      const hi = ordGH[2 * i + 1]!;
      let j = b0 + bins[c0 + r]! * 3;
      hist[j]! += gi;
      hist[j + 1]! += hi;
      hist[j + 2]!++;
      j = b1 + bins[c1 + r]! * 3;
      hist[j]! += gi;
      hist[j + 1]! += hi;
      hist[j + 2]!++;
      j = b2 + bins[c2 + r]! * 3;
      hist[j]! += gi;
      hist[j + 1]! += hi;
      hist[j + 2]!++;
      j = b3 + bins[c3 + r]! * 3;
      hist[j]! += gi;
      hist[j + 1]! += hi;
      hist[j + 2]!++;
    }
  }
  for (; f < width; f++) {
    const col = f * n;
    const base = offsets[f]! * 3;
    for (let i = 0; i < m; i++) {
      const j = base + bins[col + rows[start + i]!]! * 3;
      hist[j]! += ordGH[2 * i]!;
      hist[j + 1]! += ordGH[2 * i + 1]!;
      hist[j + 2]!++;
    }
  }
}

/** parent −= child, in place: the parent's buffer becomes the sibling's histogram. */
export function subtractHistogram(parent: Float64Array, child: Float64Array): void {
  for (let i = 0; i < parent.length; i++) parent[i]! -= child[i]!;
}
