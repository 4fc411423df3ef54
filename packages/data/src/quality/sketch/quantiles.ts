// A mergeable quantile sketch with a deterministic, tracked rank-error bound.
//
// Values enter level 0; a level holding 2k items is sorted and compacted: every other item moves up
// one level with twice the weight (which half alternates per level). A compaction at weight w moves
// the weighted count of items ≤ x by at most w for every x, so the sketch adds up those weights and
// states `rankError`: for every x, |estimated rank(x) − true rank(x)| ≤ rankError. Below 2k values
// nothing is compacted and the sketch is the exact sample. The state depends only on the multiset of
// level contents and the per-level compaction counts, so merge(a, b) = merge(b, a) exactly.
export interface QuantileSketchState {
  k: number;
  /** Values summarised (weight total). */
  n: number;
  /** Upper bound on the absolute rank error of any CDF/quantile answer, in values. */
  rankError: number;
  /** levels[h]: items of weight 2^h, sorted ascending. */
  levels: number[][];
  /** Compactions done at each level (their parity picks the half that moves up). */
  compactions: number[];
}

export class QuantileSketch {
  readonly k: number;
  n = 0;
  rankError = 0;
  private levels: Float64Array[] = [];
  private sizes: number[] = [];
  private compactions: number[] = [];

  constructor(k = 1024) {
    this.k = k;
  }

  private ensure(h: number): void {
    while (this.levels.length <= h) {
      this.levels.push(new Float64Array(2 * this.k));
      this.sizes.push(0);
      this.compactions.push(0);
    }
  }

  private push(h: number, values: ArrayLike<number>, from: number, to: number): void {
    this.ensure(h);
    let i = from;
    while (i < to) {
      const buf = this.levels[h]!;
      const room = buf.length - this.sizes[h]!;
      const take = Math.min(room, to - i);
      if (values instanceof Float64Array) buf.set(values.subarray(i, i + take), this.sizes[h]!);
      else for (let j = 0; j < take; j++) buf[this.sizes[h]! + j] = values[i + j]!;
      this.sizes[h]! += take;
      i += take;
      if (this.sizes[h] === buf.length) this.compact(h);
    }
  }

  private compact(h: number): void {
    const size = this.sizes[h]!;
    const buf = this.levels[h]!;
    const sorted = buf.subarray(0, size).sort();
    // An odd item stays behind (the largest) so that exactly half the weight moves up.
    const even = size - (size % 2);
    const offset = this.compactions[h]! % 2;
    const up = new Float64Array(even / 2);
    for (let i = 0; i < even / 2; i++) up[i] = sorted[2 * i + offset]!;
    const leftover = size % 2 === 1 ? sorted[size - 1]! : undefined;
    this.sizes[h] = 0;
    if (leftover !== undefined) {
      buf[0] = leftover;
      this.sizes[h] = 1;
    }
    this.compactions[h]! += 1;
    this.rankError += 2 ** h;
    this.push(h + 1, up, 0, up.length);
  }

  /** Adds finite values (callers drop NaN/±∞ first). */
  addAll(values: ArrayLike<number>, from = 0, to = values.length): void {
    this.n += to - from;
    this.push(0, values, from, to);
  }

  /**
   * Adds distinct finite values with multiplicities, exactly: each count is split into powers of two
   * and a value of multiplicity c sits once at every level h whose bit is set in c.
   */
  addCounts(values: ArrayLike<number>, counts: ArrayLike<number>): void {
    let maxCount = 0;
    for (let i = 0; i < counts.length; i++) {
      this.n += counts[i]!;
      if (counts[i]! > maxCount) maxCount = counts[i]!;
    }
    for (let h = 0; 2 ** h <= maxCount; h++) {
      const bit = 2 ** h;
      const at: number[] = [];
      for (let i = 0; i < values.length; i++) if (Math.floor(counts[i]! / bit) % 2 === 1) at.push(values[i]!);
      if (at.length > 0) this.push(h, at, 0, at.length);
    }
  }

  add(value: number): void {
    this.addAll([value]);
  }

  /** All items, sorted, with their weights: a weighted sample for KS / Wasserstein / binning. */
  weighted(): { values: Float64Array; weights: Float64Array } {
    let total = 0;
    for (const s of this.sizes) total += s;
    const pairs = new Float64Array(total * 2);
    let at = 0;
    for (let h = 0; h < this.levels.length; h++) {
      const buf = this.levels[h]!;
      for (let i = 0; i < this.sizes[h]!; i++) {
        pairs[at++] = buf[i]!;
        pairs[at++] = 2 ** h;
      }
    }
    const order = Array.from({ length: total }, (_, i) => i).sort((a, b) => pairs[2 * a]! - pairs[2 * b]!);
    const values = new Float64Array(total);
    const weights = new Float64Array(total);
    for (let i = 0; i < total; i++) {
      values[i] = pairs[2 * order[i]!]!;
      weights[i] = pairs[2 * order[i]! + 1]!;
    }
    return { values, weights };
  }

  /** True when no compaction happened: the sketch holds every value. */
  get exact(): boolean {
    return this.rankError === 0;
  }

  /** Share of values ≤ x (within rankError / n). */
  cdf(x: number): number {
    if (this.n === 0) return Number.NaN;
    let c = 0;
    for (let h = 0; h < this.levels.length; h++) {
      const buf = this.levels[h]!;
      let m = 0;
      for (let i = 0; i < this.sizes[h]!; i++) if (buf[i]! <= x) m++;
      c += m * 2 ** h;
    }
    return c / this.n;
  }

  /** The value at rank ⌈q·n⌉ (lower quantile), within rankError / n in rank. */
  quantiles(qs: number[]): number[] {
    const { values, weights } = this.weighted();
    const out: number[] = [];
    for (const q of qs) {
      const target = Math.max(1, Math.ceil(q * this.n));
      let c = 0;
      let v = values[values.length - 1] ?? Number.NaN;
      for (let i = 0; i < values.length; i++) {
        c += weights[i]!;
        if (c >= target) {
          v = values[i]!;
          break;
        }
      }
      out.push(v);
    }
    return out;
  }

  toJSON(): QuantileSketchState {
    return {
      k: this.k,
      n: this.n,
      rankError: this.rankError,
      levels: this.levels.map((b, h) => Array.from(b.subarray(0, this.sizes[h]!)).sort((x, y) => x - y)),
      compactions: this.compactions.slice(),
    };
  }

  static fromJSON(state: QuantileSketchState): QuantileSketch {
    const s = new QuantileSketch(state.k);
    s.n = state.n;
    s.rankError = state.rankError;
    for (let h = 0; h < state.levels.length; h++) {
      s.ensure(h);
      const level = state.levels[h]!;
      s.levels[h]!.set(level.slice(0, 2 * s.k - 1));
      s.sizes[h] = Math.min(level.length, 2 * s.k - 1);
      s.compactions[h] = state.compactions[h] ?? 0;
    }
    return s;
  }

  /** A new sketch summarising both inputs (associative up to the stated rank error, commutative exactly). */
  static merge(a: QuantileSketch, b: QuantileSketch): QuantileSketch {
    const out = new QuantileSketch(Math.min(a.k, b.k));
    out.n = a.n + b.n;
    out.rankError = a.rankError + b.rankError;
    const height = Math.max(a.levels.length, b.levels.length);
    out.ensure(height - 1);
    for (let h = 0; h < height; h++) out.compactions[h] = (a.compactions[h] ?? 0) + (b.compactions[h] ?? 0);
    // Level contents are sorted before insertion so the result does not depend on argument order.
    for (let h = 0; h < height; h++) {
      const items: number[] = [];
      for (const s of [a, b])
        if (h < s.levels.length) for (let i = 0; i < s.sizes[h]!; i++) items.push(s.levels[h]![i]!);
      items.sort((x, y) => x - y);
      out.push(h, items, 0, items.length);
    }
    return out;
  }
}
