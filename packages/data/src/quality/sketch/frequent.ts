// Value counts: exact while a column has at most `exactLimit` distinct values, then a Misra–Gries
// summary of `k` counters whose counts are low by at most `error` each (no false negatives for
// items above error). The state is a function of the summed counts, so merge is commutative.
export type ItemKey = string | number;

export interface FrequentState {
  exact: boolean;
  /** Counts are at most this much below the truth (0 while exact). */
  error: number;
  /** [value, count], by count descending then value. */
  items: [ItemKey, number][];
}

function compareKeys(a: ItemKey, b: ItemKey): number {
  if (typeof a === typeof b) return a < b ? -1 : a > b ? 1 : 0;
  return typeof a === 'number' ? -1 : 1;
}

export class FrequentItems {
  counts = new Map<ItemKey, number>();
  exact = true;
  error = 0;

  constructor(
    readonly exactLimit = 4096,
    readonly k = 1024,
  ) {}

  add(key: ItemKey, count = 1): void {
    const c = this.counts.get(key);
    if (c !== undefined) {
      this.counts.set(key, c + count);
      return;
    }
    this.counts.set(key, count);
    if (this.counts.size > (this.exact ? this.exactLimit : 2 * this.k)) this.reduce();
  }

  /** Subtract the (k+1)-th largest count from every counter and drop those at or below zero. */
  private reduce(): void {
    this.exact = false;
    const sorted = [...this.counts.values()].sort((a, b) => b - a);
    const cut = sorted[this.k] ?? 0;
    if (cut === 0) return;
    this.error += cut;
    for (const [key, c] of this.counts) {
      if (c <= cut) this.counts.delete(key);
      else this.counts.set(key, c - cut);
    }
  }

  get distinct(): number | undefined {
    return this.exact ? this.counts.size : undefined;
  }

  items(): [ItemKey, number][] {
    return [...this.counts].sort((a, b) => b[1] - a[1] || compareKeys(a[0], b[0]));
  }

  toJSON(): FrequentState {
    return { exact: this.exact, error: this.error, items: this.items() };
  }

  static fromJSON(state: FrequentState, exactLimit?: number, k?: number): FrequentItems {
    const f = new FrequentItems(exactLimit, k);
    f.exact = state.exact;
    f.error = state.error;
    for (const [key, c] of state.items) f.counts.set(key, c);
    return f;
  }

  static merge(a: FrequentItems, b: FrequentItems): FrequentItems {
    const out = new FrequentItems(Math.min(a.exactLimit, b.exactLimit), Math.min(a.k, b.k));
    out.exact = a.exact && b.exact;
    out.error = a.error + b.error;
    // Insert in a canonical order so the outcome does not depend on which argument came first.
    const summed = new Map<ItemKey, number>();
    for (const s of [a, b]) for (const [key, c] of s.counts) summed.set(key, (summed.get(key) ?? 0) + c);
    const keys = [...summed.keys()].sort(compareKeys);
    for (const key of keys) out.counts.set(key, summed.get(key)!);
    if (out.counts.size > (out.exact ? out.exactLimit : 2 * out.k)) out.reduce();
    else if (!out.exact && out.counts.size > out.k) out.reduce();
    return out;
  }
}
