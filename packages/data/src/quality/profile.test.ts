import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { writeTable } from '../table/write.js';
import { mergeProfiles, type Profile, profileDataset, profileTable } from './profile.js';
import { numberColumn, rng, stringColumn, table, tempDir, writeText } from './test-helpers.js';

const numbers = fc.array(fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constant(null)), {
  maxLength: 400,
});
const words = fc.array(fc.oneof(fc.constantFrom('a', 'b', 'c', 'dd', 'é'), fc.constant(null)), {
  maxLength: 400,
});

function shard(xs: (number | null)[], ws: (string | null)[]): Profile {
  const n = Math.min(xs.length, ws.length);
  return profileTable(table(numberColumn('x', xs.slice(0, n)), stringColumn('w', ws.slice(0, n))), {
    quantileK: 16,
  });
}

/** Fields that must agree exactly whatever the merge order. */
function exactParts(p: Profile) {
  return {
    rowCount: p.rowCount,
    columns: p.columns.map((c) => ({
      count: c.count,
      nullCount: c.nullCount,
      hll: c.distinct.hll,
      frequent: c.frequent,
      min: c.numeric?.min,
      max: c.numeric?.max,
      n: c.numeric?.count,
    })),
  };
}

describe('profileTable', () => {
  it('counts nulls, NaN and ±Infinity apart and keeps exact mean/variance of the finite values', () => {
    const p = profileTable(
      table(
        numberColumn('x', [1, 2, null, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3]),
        stringColumn('s', [null, null, null, null, null, null, null]),
      ),
    );
    const [x, s] = p.columns;
    expect(x).toMatchObject({ count: 7, nullCount: 1, nanCount: 1, posInfCount: 1, negInfCount: 1 });
    expect(x!.numeric).toMatchObject({ count: 3, mean: 2, variance: 2 / 3, min: 1, max: 3 });
    // An all-null column profiles cleanly: no values, no distinct values.
    expect(s).toMatchObject({ count: 7, nullCount: 7, distinct: { estimate: 0, exact: true } });
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });

  it('gives the same profile from DuckDB value counts as from streamed rows', async () => {
    const r = rng(7);
    const xs = Array.from({ length: 3000 }, (_, i) => (i % 50 === 0 ? null : Math.round(r() * 300) / 4));
    const ws = Array.from({ length: 3000 }, (_, i) => (i % 33 === 0 ? null : `w${Math.floor(r() * 40)}`));
    const t = table(numberColumn('x', xs), stringColumn('w', ws));
    const path = `${await tempDir()}/t.parquet`;
    await writeTable(t, path);
    const fromFile = await profileDataset(path);
    const fromTable = profileTable(t);
    expect(fromFile.rowCount).toBe(3000);
    const [fx, fw] = fromFile.columns;
    const [tx, tw] = fromTable.columns;
    expect(fx!.nullCount).toBe(tx!.nullCount);
    expect(fx!.numeric!.mean).toBeCloseTo(tx!.numeric!.mean, 10);
    expect(fx!.numeric!.m2).toBeCloseTo(tx!.numeric!.m2, 6);
    expect(fx!.numeric!.summary).toEqual(tx!.numeric!.summary);
    // 301 distinct values: both paths keep the exact sample, in the same canonical form.
    expect(fx!.numeric!.quantiles).toEqual(tx!.numeric!.quantiles);
    expect(tx!.numeric!.quantiles.rankError).toBe(0);
    expect(fx!.distinct.hll).toBe(tx!.distinct.hll);
    expect(fw!.frequent).toEqual(tw!.frequent);
    expect(fw!.distinct.estimate).toBe(40);
    // CSV goes through one GROUPING SETS scan instead of per-column queries: same profile.
    const csv = `${await tempDir()}/t.csv`;
    await writeTable(t, csv);
    const fromCsv = await profileDataset(csv);
    expect(fromCsv.columns.map((c) => c.frequent)).toEqual(fromFile.columns.map((c) => c.frequent));
    expect(fromCsv.columns[0]!.numeric!.quantiles).toEqual(fx!.numeric!.quantiles);
  });

  it('streams a column with more distinct values than the exact limit through the sketch', async () => {
    const xs = Array.from({ length: 5000 }, (_, i) => i + 0.5);
    const path = `${await tempDir()}/wide.parquet`;
    await writeTable(table(numberColumn('x', xs)), path);
    const p = await profileDataset(path, { exactDistinctLimit: 100, quantileK: 64 });
    const x = p.columns[0]!;
    expect(x.frequent).toBeNull();
    expect(x.numeric!.count).toBe(5000);
    expect(x.numeric!.quantiles.rankError).toBeGreaterThan(0);
    const median = x.numeric!.summary.p50!;
    expect(Math.abs(median - 2500)).toBeLessThanOrEqual(x.numeric!.quantiles.rankError + 1);
  });

  it('profiles JSON lines, booleans and nulls included', async () => {
    const path = await writeText(
      'd.jsonl',
      '{"n": 1, "ok": true, "s": "a"}\n{"n": null, "ok": false, "s": "b"}\n{"n": 3.5, "ok": true, "s": null}\n',
    );
    const p = await profileDataset(path);
    expect(p.columns.map((c) => [c.name, c.kind, c.nullCount])).toEqual([
      ['n', 'number', 1],
      ['ok', 'boolean', 0],
      ['s', 'string', 1],
    ]);
    expect(p.columns[0]!.numeric).toMatchObject({ count: 2, mean: 2.25, min: 1, max: 3.5 });
    expect(p.columns[1]!.frequent!.items).toEqual([
      ['true', 2],
      ['false', 1],
    ]);
  });

  it('reads an empty CSV (header only) as a zero-row profile', async () => {
    const path = await writeText('empty.csv', 'a,b\n');
    const p = await profileDataset(path);
    expect(p.rowCount).toBe(0);
    expect(p.columns.map((c) => c.name)).toEqual(['a', 'b']);
  });
});

describe('mergeProfiles', () => {
  it('is commutative: identical JSON whatever the order', () => {
    fc.assert(
      fc.property(numbers, words, numbers, words, (x1, w1, x2, w2) => {
        const a = shard(x1, w1);
        const b = shard(x2, w2);
        expect(mergeProfiles(a, b)).toEqual(mergeProfiles(b, a));
      }),
      { numRuns: 80 },
    );
  });

  it('is associative: exact fields equal, mean/variance to rounding, quantiles within the stated bound', () => {
    fc.assert(
      fc.property(numbers, words, numbers, words, numbers, words, (x1, w1, x2, w2, x3, w3) => {
        const [a, b, c] = [shard(x1, w1), shard(x2, w2), shard(x3, w3)];
        const left = mergeProfiles(mergeProfiles(a, b), c);
        const right = mergeProfiles(a, mergeProfiles(b, c));
        const flat = mergeProfiles(a, b, c);
        expect(exactParts(left)).toEqual(exactParts(right));
        expect(exactParts(left)).toEqual(exactParts(flat));
        const ln = left.columns[0]!.numeric!;
        const rn = right.columns[0]!.numeric!;
        const scale = Math.max(1, Math.abs(ln.mean), ln.std);
        expect(Math.abs(ln.mean - rn.mean)).toBeLessThanOrEqual(1e-9 * scale);
        expect(Math.abs(ln.variance - rn.variance)).toBeLessThanOrEqual(1e-9 * Math.max(1, ln.variance));
        // Quantile answers from either grouping stay within the stated rank error of the truth.
        const all = [
          ...x1.slice(0, Math.min(x1.length, w1.length)),
          ...x2.slice(0, Math.min(x2.length, w2.length)),
          ...x3.slice(0, Math.min(x3.length, w3.length)),
        ]
          .filter((v): v is number => v !== null)
          .sort((p, q) => p - q);
        for (const m of [ln, rn]) {
          if (all.length === 0) continue;
          const med = m.summary.p50!;
          const rank = all.filter((v) => v <= med).length;
          expect(Math.abs(rank - Math.ceil(0.5 * all.length))).toBeLessThanOrEqual(
            m.quantiles.rankError + all.filter((v) => v === med).length,
          );
        }
      }),
      { numRuns: 50 },
    );
  });

  it('merges exactly like profiling the concatenation for counts and moments', () => {
    const r = rng(3);
    const xs = Array.from({ length: 900 }, () => r() * 10);
    const whole = profileTable(table(numberColumn('x', xs)));
    const parts = [0, 300, 600].map((i) => profileTable(table(numberColumn('x', xs.slice(i, i + 300)))));
    const merged = mergeProfiles(...parts);
    expect(merged.columns[0]!.numeric!.mean).toBeCloseTo(whole.columns[0]!.numeric!.mean, 12);
    expect(merged.columns[0]!.numeric!.variance).toBeCloseTo(whole.columns[0]!.numeric!.variance, 12);
    expect(merged.columns[0]!.numeric!.summary).toEqual(whole.columns[0]!.numeric!.summary);
  });

  it('treats a column absent from a shard as null there, and refuses mixed kinds', () => {
    const a = profileTable(table(numberColumn('x', [1, 2]), stringColumn('s', ['a', 'b'])));
    const b = profileTable(table(numberColumn('x', [3])));
    const m = mergeProfiles(a, b);
    expect(m.columns.find((c) => c.name === 's')).toMatchObject({ count: 3, nullCount: 1 });
    const c = profileTable(table(stringColumn('x', ['oops'])));
    expect(() => mergeProfiles(a, c)).toThrow(
      /column "x" is (number|string) in one profile and (string|number) in another/,
    );
    expect(() => mergeProfiles({ schema: 'nope' } as unknown as Profile)).toThrow(/not a Slipway profile/);
  });
});
