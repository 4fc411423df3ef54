import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrequentItems } from './frequent.js';
import { HyperLogLog } from './hll.js';
import { QuantileSketch } from './quantiles.js';

function rankOf(sorted: number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** max over probe points of |sketch rank − true rank|, in values. */
function worstRankError(s: QuantileSketch, values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  let worst = 0;
  const probes = [sorted[0]! - 1, ...sorted.filter((_, i) => i % 7 === 0), sorted.at(-1)!];
  for (const x of probes) worst = Math.max(worst, Math.abs(s.cdf(x) * s.n - rankOf(sorted, x)));
  return worst;
}

const samples = fc.array(fc.integer({ min: -5000, max: 5000 }), { minLength: 1, maxLength: 3000 });

describe('QuantileSketch', () => {
  it('is exact below 2k values and stays within its stated rank error above', () => {
    fc.assert(
      fc.property(samples, fc.constantFrom(8, 16, 64), (values, k) => {
        const s = new QuantileSketch(k);
        s.addAll(values);
        expect(s.n).toBe(values.length);
        if (values.length < 2 * k) expect(s.rankError).toBe(0);
        expect(worstRankError(s, values)).toBeLessThanOrEqual(s.rankError + 1e-9);
      }),
      { numRuns: 60 },
    );
  });

  it('merges commutatively (identical state) and within the summed bound', () => {
    fc.assert(
      fc.property(samples, samples, (a, b) => {
        const sa = new QuantileSketch(16);
        sa.addAll(a);
        const sb = new QuantileSketch(16);
        sb.addAll(b);
        const ab = QuantileSketch.merge(sa, sb);
        const ba = QuantileSketch.merge(sb, sa);
        expect(ab.toJSON()).toEqual(ba.toJSON());
        expect(worstRankError(ab, [...a, ...b])).toBeLessThanOrEqual(ab.rankError + 1e-9);
      }),
      { numRuns: 60 },
    );
  });

  it('is associative up to the stated bound: every grouping answers within its rank error', () => {
    fc.assert(
      fc.property(samples, samples, samples, (a, b, c) => {
        const mk = (v: number[]) => {
          const s = new QuantileSketch(16);
          s.addAll(v);
          return s;
        };
        const left = QuantileSketch.merge(QuantileSketch.merge(mk(a), mk(b)), mk(c));
        const right = QuantileSketch.merge(mk(a), QuantileSketch.merge(mk(b), mk(c)));
        const all = [...a, ...b, ...c];
        expect(left.n).toBe(right.n);
        expect(worstRankError(left, all)).toBeLessThanOrEqual(left.rankError + 1e-9);
        expect(worstRankError(right, all)).toBeLessThanOrEqual(right.rankError + 1e-9);
      }),
      { numRuns: 40 },
    );
  });

  it('takes value counts exactly (binary split of multiplicities)', () => {
    const s = new QuantileSketch(1024);
    s.addCounts([1, 2, 3], [5, 1, 1000]);
    expect(s.n).toBe(1006);
    expect(s.rankError).toBe(0);
    expect(s.cdf(1)).toBeCloseTo(5 / 1006, 15);
    expect(s.cdf(2)).toBeCloseTo(6 / 1006, 15);
    expect(s.quantiles([0.5])).toEqual([3]);
  });

  it('round-trips through JSON', () => {
    const s = new QuantileSketch(8);
    s.addAll(Array.from({ length: 500 }, (_, i) => (i * 37) % 101));
    const back = QuantileSketch.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
    expect(back.toJSON()).toEqual(s.toJSON());
    expect(back.cdf(50)).toBe(s.cdf(50));
  });
});

describe('HyperLogLog', () => {
  it('estimates within 3 standard errors (≈ 5%) and merges by register max', () => {
    const a = new HyperLogLog();
    const b = new HyperLogLog();
    for (let i = 0; i < 60_000; i++) a.add(`user-${i}`);
    for (let i = 30_000; i < 100_000; i++) b.add(`user-${i}`);
    expect(Math.abs(a.estimate() - 60_000) / 60_000).toBeLessThan(0.05);
    const ab = a.merge(b);
    expect(Math.abs(ab.estimate() - 100_000) / 100_000).toBeLessThan(0.05);
    expect(ab.registers).toEqual(b.merge(a).registers);
    const small = new HyperLogLog();
    for (const x of [1, 2, 3, 2, 1, 0, -0]) small.add(x);
    expect(Math.round(small.estimate())).toBe(4);
  });
});

describe('FrequentItems', () => {
  it('counts exactly up to the limit, then keeps heavy hitters with a bounded undercount', () => {
    const f = new FrequentItems(100, 10);
    const truth = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const key = i % 3 === 0 ? `hot-${i % 5}` : `cold-${i}`;
      f.add(key);
      truth.set(key, (truth.get(key) ?? 0) + 1);
    }
    expect(f.exact).toBe(false);
    for (let h = 0; h < 5; h++) {
      const key = `hot-${h}`;
      const got = f.counts.get(key);
      expect(got).toBeDefined();
      expect(truth.get(key)! - got!).toBeLessThanOrEqual(f.error);
      expect(got!).toBeLessThanOrEqual(truth.get(key)!);
    }
  });

  it('merges commutatively', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 40 })),
        fc.array(fc.integer({ min: 0, max: 40 })),
        (a, b) => {
          const fa = new FrequentItems(16, 4);
          for (const x of a) fa.add(x);
          const fb = new FrequentItems(16, 4);
          for (const x of b) fb.add(x);
          expect(FrequentItems.merge(fa, fb).toJSON()).toEqual(FrequentItems.merge(fb, fa).toJSON());
        },
      ),
      { numRuns: 100 },
    );
  });
});
