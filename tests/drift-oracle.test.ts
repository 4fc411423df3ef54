// Drift statistics against scipy (the library Evidently calls) on generated data.
// Exact methods must agree to 1e-9; sketch-based results within the error bound the report states.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DriftReport, driftReport, profileTable, type Table, writeTable } from '@slipway/data';
import { beforeAll, describe, expect, it } from 'vitest';

const PYTHON = '.venv-interop/bin/python';

const ORACLE = `
import json, sys
import numpy as np
from scipy import stats
from scipy.spatial import distance

def binned(ref, cur, numerical):
    ref = np.asarray(ref, dtype=float); cur = np.asarray(cur, dtype=float)
    if numerical and len(np.unique(ref)) > 20:
        bins = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
        return np.histogram(ref, bins)[0] / len(ref), np.histogram(cur, bins)[0] / len(cur)
    keys = sorted(set(ref.tolist()) | set(cur.tolist()))
    r = np.array([np.sum(ref == k) for k in keys]) / len(ref)
    c = np.array([np.sum(cur == k) for k in keys]) / len(cur)
    return r, c

def fill(p):
    p = p.copy()
    m = p[p != 0].min()
    p[p == 0] = m / 10**6 if m <= 0.0001 else 0.0001
    return p

out = []
for case in json.load(sys.stdin):
    ref = np.asarray(case["ref"], dtype=float); cur = np.asarray(case["cur"], dtype=float)
    m = case["method"]
    if m == "ks":
        r = stats.ks_2samp(ref, cur)
        out.append({"statistic": float(r.pvalue), "d": float(r.statistic)})
    elif m == "chisquare":
        keys = sorted(set(ref.tolist()) | set(cur.tolist()))
        k = len(cur) / len(ref)
        f_exp = [np.sum(ref == key) * k for key in keys]
        f_obs = [np.sum(cur == key) for key in keys]
        with np.errstate(divide="ignore", invalid="ignore"):
            out.append({"statistic": float(stats.chisquare(f_obs, f_exp)[1])})
    elif m == "z":
        key = sorted(set(ref.tolist()) | set(cur.tolist()))[0]
        n1, n2 = len(ref), len(cur)
        p1, p2 = np.sum(ref == key) / n1, np.sum(cur == key) / n2
        P = (p1 * n1 + p2 * n2) / (n1 + n2)
        z = (p1 - p2) / np.sqrt(P * (1 - P) * (1 / n1 + 1 / n2))
        out.append({"statistic": float(2 * (1 - stats.norm.cdf(np.abs(z))))})
    elif m == "wasserstein":
        out.append({"statistic": float(stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001)), "d": float(stats.ks_2samp(ref, cur).statistic)})
    elif m == "jensenshannon":
        r, c = binned(ref, cur, case["numerical"])
        out.append({"statistic": float(distance.jensenshannon(r, c))})
    elif m == "psi":
        r, c = binned(ref, cur, case["numerical"])
        r, c = fill(r), fill(c)
        out.append({"statistic": float(np.sum((r - c) * np.log(r / c)))})
print(json.dumps(out))
`;

interface Case {
  name: string;
  method: string;
  numerical: boolean;
  ref: number[];
  cur: number[];
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normals(n: number, seed: number, mean = 0, sd = 1, round?: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const x = mean + sd * Math.sqrt(-2 * Math.log(Math.max(r(), 1e-12))) * Math.cos(2 * Math.PI * r());
    return round ? Math.round(x * round) / round : x;
  });
}

function categories(n: number, seed: number, weights: number[]): number[] {
  const r = rng(seed);
  const total = weights.reduce((s, w) => s + w, 0);
  return Array.from({ length: n }, () => {
    let u = r() * total;
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i]!;
      if (u < 0) return i;
    }
    return weights.length - 1;
  });
}

function numTable(values: number[]): Table {
  return {
    rowCount: values.length,
    columns: [
      {
        name: 'v',
        sqlType: 'DOUBLE',
        kind: 'number',
        values: Float64Array.from(values),
        valid: new Uint8Array(values.length).fill(1),
      },
    ],
  };
}

function catTable(values: number[]): Table {
  return {
    rowCount: values.length,
    columns: [{ name: 'v', sqlType: 'VARCHAR', kind: 'string', values: values.map((v) => `c${v}`) }],
  };
}

function oracle(cases: Case[]): { statistic: number; d?: number }[] {
  const r = spawnSync(PYTHON, ['-c', ORACLE], {
    input: JSON.stringify(cases),
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`scipy oracle failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// Exact cases: every value reaches the test (small references, or value counts from DuckDB's GROUP BY).
const EXACT: (Case & { config?: Record<string, unknown>; viaFile?: boolean })[] = [
  {
    name: 'ks, unequal sizes (exact lattice p-value)',
    method: 'ks',
    numerical: true,
    ref: normals(300, 1),
    cur: normals(400, 2, 0.15),
  },
  { name: 'ks, equal sizes', method: 'ks', numerical: true, ref: normals(500, 3), cur: normals(500, 4, 0.1) },
  {
    name: 'ks, ties (rounded values)',
    method: 'ks',
    numerical: true,
    ref: normals(800, 5, 0, 3, 1),
    cur: normals(600, 6, 0.2, 3, 1),
  },
  { name: 'ks, no drift', method: 'ks', numerical: true, ref: normals(1000, 7), cur: normals(900, 8) },
  {
    name: 'chisquare, categorical',
    method: 'chisquare',
    numerical: false,
    ref: categories(900, 9, [5, 3, 2, 1, 1, 1]),
    cur: categories(700, 10, [4, 3, 2, 2, 1, 1]),
  },
  {
    name: 'chisquare, numerical with 4 values',
    method: 'chisquare',
    numerical: true,
    ref: categories(600, 11, [1, 2, 3, 4]),
    cur: categories(650, 12, [1, 2, 3, 5]),
  },
  {
    name: 'z, binary',
    method: 'z',
    numerical: false,
    ref: categories(700, 13, [3, 2]),
    cur: categories(500, 14, [1, 1]),
  },
  {
    name: 'wasserstein (normed), exact from value counts',
    method: 'wasserstein',
    numerical: true,
    ref: normals(6000, 15, 10, 4, 10),
    cur: normals(4000, 16, 10.5, 4, 10),
    viaFile: true,
  },
  {
    name: 'jensenshannon, categorical',
    method: 'jensenshannon',
    numerical: false,
    ref: categories(5000, 17, [6, 5, 4, 3, 2, 1]),
    cur: categories(3000, 18, [5, 5, 4, 3, 3, 1]),
  },
  {
    name: 'jensenshannon, numerical with 5 values',
    method: 'jensenshannon',
    numerical: true,
    ref: categories(4000, 19, [1, 1, 2, 2, 3]),
    cur: categories(3000, 20, [1, 2, 2, 2, 3]),
  },
  {
    name: 'psi, Sturges bins over the combined range',
    method: 'psi',
    numerical: true,
    ref: normals(800, 21, 0, 2, 4),
    cur: normals(900, 22, 0.5, 2, 4),
    config: { columns: { v: { method: 'psi' } } },
  },
  {
    name: 'jensenshannon, Sturges bins',
    method: 'jensenshannon',
    numerical: true,
    ref: normals(700, 23, 0, 2, 4),
    cur: normals(500, 24, 0.3, 2, 4),
    config: { columns: { v: { method: 'jensenshannon' } } },
  },
];

let dir: string;
beforeAll(async () => {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run bash scripts/interop-venv.sh`);
  dir = await mkdtemp(join(tmpdir(), 'slipway-drift-oracle-'));
});

async function ours(c: (typeof EXACT)[number]): Promise<DriftReport['columns'][number]> {
  const make = c.numerical ? numTable : catTable;
  let reference: string | ReturnType<typeof profileTable> = profileTable(make(c.ref));
  let current: string | Table = make(c.cur);
  if (c.viaFile) {
    reference = join(dir, `${c.method}-ref.parquet`);
    current = join(dir, `${c.method}-cur.parquet`);
    await writeTable(make(c.ref), reference);
    await writeTable(make(c.cur), current);
  }
  const report = await driftReport({
    reference,
    current,
    ...(c.config ? { config: c.config as never } : {}),
  });
  return report.columns[0]!;
}

describe('drift statistics agree with scipy', () => {
  it('exact methods agree to 1e-9', async () => {
    const expected = oracle(EXACT);
    for (const [i, c] of EXACT.entries()) {
      const got = await ours(c);
      expect(got.method, c.name).toBe(c.method);
      expect(got.approximate, c.name).toBe(false);
      expect(
        Math.abs(got.statistic - expected[i]!.statistic),
        `${c.name}: ${got.statistic} vs scipy ${expected[i]!.statistic}`,
      ).toBeLessThanOrEqual(1e-9);
      if (c.method === 'ks')
        expect(Math.abs((got.testStatistic ?? Number.NaN) - expected[i]!.d!)).toBeLessThanOrEqual(1e-12);
    }
  });

  it('a category only current has gives chi-square p = 0, as scipy does', async () => {
    const c: Case = {
      name: 'new category',
      method: 'chisquare',
      numerical: false,
      ref: categories(400, 25, [1, 1, 1, 0]),
      cur: categories(300, 26, [1, 1, 1, 1]),
    };
    const [expected] = oracle([c]);
    const got = await ours(c);
    expect(got.statistic).toBe(expected!.statistic);
    expect(got.drifted).toBe(true);
  });

  it("KS p-values for large samples follow scipy's asymptotic branch", async () => {
    // max(n1, n2) > 10,000: scipy evaluates the one-sample Kolmogorov distribution at n = m·n/(m+n)
    // (Durbin matrix, Pomeranz or Pelz–Good by region); we use the same regions (Durbin for Pomeranz's).
    const cases: Case[] = [
      {
        name: 'asymptotic, small en',
        method: 'ks',
        numerical: true,
        ref: normals(100, 27),
        cur: normals(20_000, 28, 0.2),
      },
      {
        name: 'asymptotic, en ≈ 1000',
        method: 'ks',
        numerical: true,
        ref: normals(1000, 29),
        cur: normals(12_000, 30, 0.05),
      },
    ];
    // Large samples on both sides (KS forced by config): the Pelz–Good region of scipy's kstwo.
    const big: Case & { config: Record<string, unknown> } = {
      name: 'asymptotic, en ≈ 17,000 (Pelz–Good)',
      method: 'ks',
      numerical: true,
      ref: normals(30_000, 33, 0, 1, 10),
      cur: normals(40_000, 34, 0.01, 1, 10),
      config: { columns: { v: { method: 'ks' } } },
    };
    const [bigExpected] = oracle([big]);
    const bigGot = await ours(big);
    expect(bigGot.approximate).toBe(false);
    expect(Math.abs((bigGot.testStatistic ?? Number.NaN) - bigExpected!.d!)).toBeLessThanOrEqual(1e-12);
    expect(
      Math.abs(bigGot.statistic - bigExpected!.statistic),
      `${bigGot.statistic} vs ${bigExpected!.statistic}`,
    ).toBeLessThanOrEqual(1e-9);
    const expected = oracle(cases);
    for (const [i, c] of cases.entries()) {
      const got = await ours(c);
      expect(Math.abs((got.testStatistic ?? Number.NaN) - expected[i]!.d!)).toBeLessThanOrEqual(1e-12);
      expect(
        Math.abs(got.statistic - expected[i]!.statistic),
        `${c.name}: ${got.statistic} vs ${expected[i]!.statistic}`,
      ).toBeLessThanOrEqual(1e-9);
    }
  });

  it('sketch-based Wasserstein and KS D stay within the stated error bound', async () => {
    const ref = normals(60_000, 31, 5, 2);
    const cur = normals(40_000, 32, 5.3, 2.2);
    const [w] = oracle([{ name: 'w', method: 'wasserstein', numerical: true, ref, cur }]);
    const refProfile = profileTable(numTable(ref));
    const curProfile = profileTable(numTable(cur));
    // Both sides from profiles: both sketches have compacted.
    const report = await driftReport({ reference: refProfile, current: curProfile });
    const got = report.columns[0]!;
    expect(got).toMatchObject({ method: 'wasserstein', approximate: true });
    expect(got.errorBound).toBeGreaterThan(0);
    expect(Math.abs(got.statistic - w!.statistic)).toBeLessThanOrEqual(got.errorBound!);
    const ks = await driftReport({
      reference: refProfile,
      current: curProfile,
      config: { columns: { v: { method: 'ks' } } } as never,
    });
    const d = ks.columns[0]!;
    expect(d.approximate).toBe(true);
    expect(Math.abs((d.testStatistic ?? Number.NaN) - w!.d!)).toBeLessThanOrEqual(d.errorBound!);
  });
});
