// Mergeable dataset profiles: per column null/NaN/∞ counts, exact count/mean/variance (merged with
// Chan's formula), min/max, a quantile sketch with a stated rank-error bound, a HyperLogLog distinct
// count, value counts (exact up to a limit, then Misra–Gries) and a derived histogram.
import { readFile } from 'node:fs/promises';
import { SlipwayError } from '@slipway/core';
import { connect, datasetError, formatOf, sourceSql, sqlIdent } from '../table/duckdb.js';
import { describeDataset, scanTable } from '../table/read.js';
import type { Column, ColumnInfo, ColumnKind, Table } from '../table/types.js';
import { FrequentItems, type FrequentState } from './sketch/frequent.js';
import { HyperLogLog } from './sketch/hll.js';
import { QuantileSketch, type QuantileSketchState } from './sketch/quantiles.js';
import { PROFILE_SCHEMA } from './version.js';

export interface ProfileOptions {
  /** Quantile sketch size: exact below 2k values; stated rank error grows ~ log₂(n/k)/k (default 1024). */
  quantileK?: number;
  /** Value counts stay exact up to this many distinct values per column (default 4096). */
  exactDistinctLimit?: number;
  /** Misra–Gries counters kept once a string column passes the exact limit (default 1024). */
  frequentK?: number;
  /** Names recorded in `sources` (e.g. the dataset path). */
  source?: string;
  /** Only these columns. */
  columns?: string[];
}

export interface NumericProfile {
  /** Finite values. */
  count: number;
  mean: number;
  /** Σ(x − mean)²; population variance = m2 / count. */
  m2: number;
  variance: number;
  std: number;
  min: number | null;
  max: number | null;
  quantiles: QuantileSketchState;
  /** Derived from the sketch (not merged): p1, p5, p25, p50, p75, p95, p99. */
  summary: Record<string, number>;
  /** Derived from the sketch: 20 equal-width bins over [min, max], counts within rankError each edge. */
  histogram: { edges: number[]; counts: number[] };
}

export interface ColumnProfile {
  name: string;
  kind: ColumnKind;
  sqlType: string;
  /** Rows seen (null + NaN + ±∞ + finite/other values). */
  count: number;
  nullCount: number;
  nanCount: number;
  posInfCount: number;
  negInfCount: number;
  distinct: { estimate: number; exact: boolean; hll: string };
  /** Value counts; null for a numeric column with more distinct values than the exact limit. */
  frequent: FrequentState | null;
  numeric?: NumericProfile;
}

export interface Profile {
  schema: typeof PROFILE_SCHEMA;
  rowCount: number;
  sources: string[];
  sketch: { quantileK: number; hllLgK: number; exactDistinctLimit: number; frequentK: number };
  columns: ColumnProfile[];
}

const SUMMARY_QS: [string, number][] = [
  ['p1', 0.01],
  ['p5', 0.05],
  ['p25', 0.25],
  ['p50', 0.5],
  ['p75', 0.75],
  ['p95', 0.95],
  ['p99', 0.99],
];

/** Running state of one column; `ColumnProfile` is its JSON form. */
export class ColumnAccumulator {
  count = 0;
  nullCount = 0;
  nanCount = 0;
  posInfCount = 0;
  negInfCount = 0;
  n = 0;
  mean = 0;
  m2 = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  hll = new HyperLogLog();
  frequent: FrequentItems | null;
  quantiles: QuantileSketch | undefined;
  private scratch = new Float64Array(0);

  constructor(
    readonly name: string,
    readonly kind: ColumnKind,
    public sqlType: string,
    readonly options: Required<Pick<ProfileOptions, 'quantileK' | 'exactDistinctLimit' | 'frequentK'>>,
  ) {
    this.frequent = new FrequentItems(options.exactDistinctLimit, options.frequentK);
    if (kind === 'number' || kind === 'timestamp') this.quantiles = new QuantileSketch(options.quantileK);
  }

  get numericKind(): boolean {
    return this.kind === 'number' || this.kind === 'timestamp';
  }

  update(col: Column, rows: number): void {
    this.count += rows;
    if (col.kind === 'string') {
      const f = this.frequent!;
      for (let i = 0; i < rows; i++) {
        const v = col.values[i];
        if (v === null || v === undefined) this.nullCount++;
        else {
          this.hll.add(v);
          f.add(v);
        }
      }
      return;
    }
    if (col.kind === 'boolean') {
      let t = 0;
      let f = 0;
      for (let i = 0; i < rows; i++) {
        if (col.valid[i] === 0) this.nullCount++;
        else if (col.values[i] === 1) t++;
        else f++;
      }
      if (t > 0) {
        this.frequent!.add('true', t);
        this.hll.add('true');
      }
      if (f > 0) {
        this.frequent!.add('false', f);
        this.hll.add('false');
      }
      return;
    }
    if (this.scratch.length < rows) this.scratch = new Float64Array(rows);
    const xs = this.scratch;
    let m = 0;
    const values = col.values;
    const valid = col.valid;
    let lo = this.min;
    let hi = this.max;
    let sum = 0;
    for (let i = 0; i < rows; i++) {
      if (valid[i] === 0) {
        this.nullCount++;
        continue;
      }
      const x = values[i]!;
      if (x - x !== 0) {
        if (Number.isNaN(x)) this.nanCount++;
        else if (x > 0) this.posInfCount++;
        else this.negInfCount++;
        continue;
      }
      xs[m++] = x;
      sum += x;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    if (m === 0) return;
    this.min = lo;
    this.max = hi;
    const bMean = sum / m;
    let bM2 = 0;
    for (let i = 0; i < m; i++) {
      const d = xs[i]! - bMean;
      bM2 += d * d;
    }
    this.combine(m, bMean, bM2);
    const hll = this.hll;
    for (let i = 0; i < m; i++) hll.add(xs[i]!);
    const f = this.frequent;
    if (f) {
      for (let i = 0; i < m; i++) {
        f.add(xs[i]!);
        // A numeric column with many distinct values keeps its sketch and HLL, not value counts.
        if (!f.exact) {
          this.frequent = null;
          break;
        }
      }
    }
    this.quantiles!.addAll(xs, 0, m);
  }

  /**
   * Adds a column's value counts (one row per distinct value, null included), as DuckDB's GROUP BY
   * returns them: the same state as feeding every row, without moving every row into JavaScript.
   */
  addCounts(values: (number | string | boolean | null)[], counts: number[]): void {
    const xs: number[] = [];
    const cs: number[] = [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      const c = counts[i]!;
      this.count += c;
      if (v === null || v === undefined) {
        this.nullCount += c;
        continue;
      }
      if (typeof v === 'number') {
        if (Number.isNaN(v)) this.nanCount += c;
        else if (v === Number.POSITIVE_INFINITY) this.posInfCount += c;
        else if (v === Number.NEGATIVE_INFINITY) this.negInfCount += c;
        else {
          xs.push(v);
          cs.push(c);
        }
        continue;
      }
      const key = typeof v === 'boolean' ? String(v) : v;
      this.hll.add(key);
      this.frequent!.add(key, c);
    }
    if (xs.length === 0) return;
    let n = 0;
    let sum = 0;
    let lo = this.min;
    let hi = this.max;
    for (let i = 0; i < xs.length; i++) {
      n += cs[i]!;
      sum += xs[i]! * cs[i]!;
      if (xs[i]! < lo) lo = xs[i]!;
      if (xs[i]! > hi) hi = xs[i]!;
    }
    const mean = sum / n;
    let m2 = 0;
    for (let i = 0; i < xs.length; i++) m2 += cs[i]! * (xs[i]! - mean) ** 2;
    this.min = lo;
    this.max = hi;
    this.combine(n, mean, m2);
    for (const x of xs) this.hll.add(x);
    const f = this.frequent;
    if (f) {
      for (let i = 0; i < xs.length; i++) f.add(xs[i]!, cs[i]!);
      if (!f.exact) this.frequent = null;
    }
    const order = xs.map((_, i) => i).sort((a, b) => xs[a]! - xs[b]!);
    this.quantiles!.addCounts(
      order.map((i) => xs[i]!),
      order.map((i) => cs[i]!),
    );
  }

  /** Chan et al.: exact pooled mean and M2 of two groups. */
  combine(nB: number, meanB: number, m2B: number): void {
    if (nB === 0) return;
    const nA = this.n;
    const n = nA + nB;
    const delta = meanB - this.mean;
    this.mean = nA === 0 ? meanB : this.mean + (delta * nB) / n;
    this.m2 = this.m2 + m2B + (delta * delta * nA * nB) / n;
    this.n = n;
  }

  /**
   * While value counts are exact, the quantile sketch is rebuilt from them (no rank error), so a
   * low-cardinality column gets the same exact sketch whether it was streamed, counted by DuckDB or
   * merged from shards.
   */
  private canonicalSketch(): QuantileSketch | undefined {
    const q = this.quantiles;
    if (!q || !this.frequent?.exact) return q;
    const entries = [...this.frequent.counts].filter((e): e is [number, number] => typeof e[0] === 'number');
    entries.sort((a, b) => a[0] - b[0]);
    const exact = new QuantileSketch(q.k);
    exact.addCounts(
      entries.map((e) => e[0]),
      entries.map((e) => e[1]),
    );
    return exact.n === q.n ? exact : q;
  }

  toJSON(): ColumnProfile {
    this.quantiles = this.canonicalSketch();
    const exactDistinct = this.frequent?.exact ? this.frequent.counts.size : undefined;
    const out: ColumnProfile = {
      name: this.name,
      kind: this.kind,
      sqlType: this.sqlType,
      count: this.count,
      nullCount: this.nullCount,
      nanCount: this.nanCount,
      posInfCount: this.posInfCount,
      negInfCount: this.negInfCount,
      distinct: {
        estimate: exactDistinct ?? Math.round(this.hll.estimate()),
        exact: exactDistinct !== undefined,
        hll: this.hll.toJSON(),
      },
      frequent: this.frequent ? this.frequent.toJSON() : null,
    };
    if (this.quantiles) {
      const q = this.quantiles;
      const summary: Record<string, number> = {};
      const qs = this.n > 0 ? q.quantiles(SUMMARY_QS.map(([, p]) => p)) : [];
      SUMMARY_QS.forEach(([name], i) => {
        if (qs[i] !== undefined) summary[name] = qs[i];
      });
      out.numeric = {
        count: this.n,
        mean: this.n > 0 ? this.mean : Number.NaN,
        m2: this.m2,
        variance: this.n > 0 ? this.m2 / this.n : 0,
        std: this.n > 0 ? Math.sqrt(this.m2 / this.n) : 0,
        min: this.n > 0 ? this.min : null,
        max: this.n > 0 ? this.max : null,
        quantiles: q.toJSON(),
        summary,
        histogram: this.n > 0 ? sketchHistogram(q, this.min, this.max, 20) : { edges: [], counts: [] },
      };
      if (this.n === 0) out.numeric.mean = 0;
    }
    return out;
  }

  static fromJSON(c: ColumnProfile, options: ColumnAccumulator['options']): ColumnAccumulator {
    const a = new ColumnAccumulator(c.name, c.kind, c.sqlType, options);
    a.count = c.count;
    a.nullCount = c.nullCount;
    a.nanCount = c.nanCount;
    a.posInfCount = c.posInfCount;
    a.negInfCount = c.negInfCount;
    a.hll = HyperLogLog.fromJSON(c.distinct.hll);
    a.frequent = c.frequent
      ? FrequentItems.fromJSON(c.frequent, options.exactDistinctLimit, options.frequentK)
      : null;
    if (c.numeric) {
      a.n = c.numeric.count;
      a.mean = c.numeric.mean;
      a.m2 = c.numeric.m2;
      a.min = c.numeric.min ?? Number.POSITIVE_INFINITY;
      a.max = c.numeric.max ?? Number.NEGATIVE_INFINITY;
      a.quantiles = QuantileSketch.fromJSON(c.numeric.quantiles);
    }
    return a;
  }

  static merge(a: ColumnAccumulator, b: ColumnAccumulator): ColumnAccumulator {
    if (a.kind !== b.kind) {
      throw new SlipwayError(
        'PROFILE_KIND_MISMATCH',
        `column "${a.name}" is ${a.kind} in one profile and ${b.kind} in another`,
        { hint: 'profile shards of the same dataset (same column types) before merging' },
      );
    }
    const sqlType = a.sqlType === b.sqlType ? a.sqlType : [a.sqlType, b.sqlType].sort().join('|');
    const out = new ColumnAccumulator(a.name, a.kind, sqlType, a.options);
    out.count = a.count + b.count;
    out.nullCount = a.nullCount + b.nullCount;
    out.nanCount = a.nanCount + b.nanCount;
    out.posInfCount = a.posInfCount + b.posInfCount;
    out.negInfCount = a.negInfCount + b.negInfCount;
    // Combine in a fixed order (larger group first, then by mean) so merge(a, b) = merge(b, a) bit for bit.
    const [x, y] = a.n > b.n || (a.n === b.n && a.mean <= b.mean) ? [a, b] : [b, a];
    out.n = x.n;
    out.mean = x.mean;
    out.m2 = x.m2;
    out.combine(y.n, y.mean, y.m2);
    out.min = Math.min(a.min, b.min);
    out.max = Math.max(a.max, b.max);
    out.hll = a.hll.merge(b.hll);
    out.frequent = a.frequent && b.frequent ? FrequentItems.merge(a.frequent, b.frequent) : null;
    if (out.frequent && out.numericKind && !out.frequent.exact) out.frequent = null;
    if (a.quantiles && b.quantiles) out.quantiles = QuantileSketch.merge(a.quantiles, b.quantiles);
    return out;
  }
}

/** Equal-width histogram over [min, max] read off the sketch's CDF. */
export function sketchHistogram(
  q: QuantileSketch,
  min: number,
  max: number,
  bins: number,
): { edges: number[]; counts: number[] } {
  if (min === max) return { edges: [min, max], counts: [q.n] };
  const edges = Array.from({ length: bins + 1 }, (_, i) => min + ((max - min) * i) / bins);
  edges[bins] = max;
  const { values, weights } = q.weighted();
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    let b = Math.floor(((values[i]! - min) / (max - min)) * bins);
    if (b >= bins) b = bins - 1;
    if (b < 0) b = 0;
    counts[b]! += weights[i]!;
  }
  return { edges, counts };
}

function resolveOptions(options: ProfileOptions = {}): ColumnAccumulator['options'] {
  return {
    quantileK: options.quantileK ?? 1024,
    exactDistinctLimit: options.exactDistinctLimit ?? 4096,
    frequentK: options.frequentK ?? 1024,
  };
}

/** Builds a profile batch by batch (streaming: memory stays bounded by the sketches). */
export class Profiler {
  private accs: ColumnAccumulator[] | undefined;
  private rows = 0;
  private readonly opts: ColumnAccumulator['options'];

  constructor(private readonly options: ProfileOptions = {}) {
    this.opts = resolveOptions(options);
  }

  get limits(): ColumnAccumulator['options'] {
    return this.opts;
  }

  /** Adds a batch; `countRows: false` when the batch carries only some columns of rows already counted. */
  update(table: Table, countRows = true): void {
    const cols = this.options.columns
      ? table.columns.filter((c) => this.options.columns!.includes(c.name))
      : table.columns;
    this.accs ??= cols.map((c) => new ColumnAccumulator(c.name, c.kind, c.sqlType, this.opts));
    for (const c of cols) this.accumulator(c.name)?.update(c, table.rowCount);
    if (countRows) this.rows += table.rowCount;
  }

  accumulator(name: string): ColumnAccumulator | undefined {
    return this.accs?.find((a) => a.name === name);
  }

  set rowCount(n: number) {
    this.rows = n;
  }

  /** Columns known before the first batch (an empty dataset still has a schema). */
  declare(columns: { name: string; kind: ColumnKind; sqlType: string }[]): void {
    this.accs ??= columns
      .filter((c) => !this.options.columns || this.options.columns.includes(c.name))
      .map((c) => new ColumnAccumulator(c.name, c.kind, c.sqlType, this.opts));
  }

  finish(): Profile {
    return {
      schema: PROFILE_SCHEMA,
      rowCount: this.rows,
      sources: this.options.source ? [this.options.source] : [],
      sketch: { ...this.opts, hllLgK: HyperLogLog.LG_K },
      columns: (this.accs ?? []).map((a) => a.toJSON()),
    };
  }
}

/** Profile of an in-memory table. */
export function profileTable(table: Table, options: ProfileOptions = {}): Profile {
  const p = new Profiler(options);
  p.declare(table.columns);
  p.update(table);
  return p.finish();
}

function castSql(c: ColumnInfo): string {
  const id = sqlIdent(c.name);
  if (c.kind === 'number') return `CAST(${id} AS DOUBLE)`;
  if (c.kind === 'timestamp') return `CAST(epoch_ms(CAST(${id} AS TIMESTAMP)) AS DOUBLE)`;
  if (c.kind === 'boolean') return id;
  return `CAST(${id} AS VARCHAR)`;
}

/**
 * Profile of a dataset file. DuckDB counts each column's values (GROUP BY, native and parallel); a
 * column with at most `exactDistinctLimit` distinct values is then profiled exactly from its counts.
 * Numeric columns with more distinct values stream through the quantile sketch in batches; string
 * columns with more keep their top values with exact counts (Misra–Gries error = the largest count
 * left out). Memory stays bounded by the sketches and the distinct values.
 */
export async function profileDataset(path: string, options: ProfileOptions = {}): Promise<Profile> {
  const info = await describeDataset(path);
  if (options.columns) {
    const known = info.columns.map((c) => c.name);
    for (const name of options.columns)
      if (!known.includes(name))
        throw new SlipwayError('COLUMN_NOT_FOUND', `${path}: has no column "${name}"`, {
          hint: `its columns are: ${known.join(', ')}`,
        });
  }
  const cols = options.columns ? info.columns.filter((c) => options.columns!.includes(c.name)) : info.columns;
  const p = new Profiler({ source: path, ...options });
  p.declare(cols);
  p.rowCount = info.rowCount;
  const limit = p.limits.exactDistinctLimit;
  const streamed: string[] = [];
  const c = await connect();
  const from = sourceSql(path);
  try {
    // Approximate distinct counts on the first 64k rows: clearly high-cardinality numeric columns skip
    // the GROUP BY (whose hash table would hold every distinct value) and go straight to the sketch.
    // A column the sample misses is still right: its GROUP BY result is checked below.
    const numericCols = cols.filter((col) => col.kind === 'number' || col.kind === 'timestamp');
    const approx = new Map<string, number>();
    if (numericCols.length > 0) {
      const r = await c.runAndReadAll(
        `SELECT ${numericCols.map((col) => `approx_count_distinct(${sqlIdent(col.name)})::DOUBLE`).join(', ')} FROM (SELECT * FROM ${from} LIMIT 65536)`,
      );
      const row = (r.getRows()[0] ?? []) as number[];
      for (const [i, col] of numericCols.entries()) approx.set(col.name, Number(row[i] ?? 0));
    }
    const counted = cols.filter((col) => {
      const numeric = col.kind === 'number' || col.kind === 'timestamp';
      if (numeric && (approx.get(col.name) ?? 0) > 2 * limit) {
        streamed.push(col.name);
        return false;
      }
      return true;
    });
    const perColumn = counted.map(() => ({
      values: [] as (number | string | boolean | null)[],
      counts: [] as number[],
    }));
    if (counted.length > 0 && formatOf(path) === 'parquet') {
      // Parquet is columnar: one GROUP BY per column reads only that column, in parallel inside DuckDB.
      for (const [i, col] of counted.entries()) {
        const cols2 = (
          await c.runAndReadAll(`SELECT ${castSql(col)} AS v, count(*)::DOUBLE AS n FROM ${from} GROUP BY 1`)
        ).getColumns();
        perColumn[i] = {
          values: (cols2[0] ?? []) as (number | string | boolean | null)[],
          counts: (cols2[1] ?? []) as number[],
        };
      }
    } else if (counted.length > 0) {
      // Text formats: value counts of every column in one scan (GROUPING SETS), so the file is parsed once.
      const alias = counted.map((_, i) => `v${i}`);
      const sql =
        `SELECT ${alias.map((a) => `grouping(${a})::INTEGER`).join(', ')}, ${alias.join(', ')}, count(*)::DOUBLE AS n ` +
        `FROM (SELECT ${counted.map((col, i) => `${castSql(col)} AS ${alias[i]}`).join(', ')} FROM ${from}) ` +
        `GROUP BY GROUPING SETS (${alias.map((a) => `(${a})`).join(', ')})`;
      const columns = (await c.runAndReadAll(sql)).getColumns();
      const k = counted.length;
      const counts = (columns[2 * k] ?? []) as number[];
      for (let row = 0; row < counts.length; row++) {
        for (let i = 0; i < k; i++) {
          if (columns[i]![row] !== 0) continue;
          perColumn[i]!.values.push(columns[k + i]![row] as number | string | boolean | null);
          perColumn[i]!.counts.push(counts[row]!);
          break;
        }
      }
    }
    for (const [i, col] of counted.entries()) {
      const acc = p.accumulator(col.name)!;
      const { values, counts: cs } = perColumn[i]!;
      const numeric = col.kind === 'number' || col.kind === 'timestamp';
      const finite = numeric ? values.filter((v) => typeof v === 'number' && Number.isFinite(v)).length : 0;
      if (numeric && finite > limit) streamed.push(col.name);
      else if (!numeric && values.length > limit + 1) topValues(acc, values, cs, p.limits.frequentK);
      else acc.addCounts(values, cs);
    }
  } catch (err) {
    throw datasetError(err, path);
  } finally {
    c.closeSync();
  }
  if (streamed.length > 0)
    for await (const batch of scanTable(path, { columns: streamed })) p.update(batch, false);
  return p.finish();
}

/** A high-cardinality string column: exact counts for the top k, error = largest count left out. */
function topValues(
  acc: ColumnAccumulator,
  values: (number | string | boolean | null)[],
  counts: number[],
  k: number,
): void {
  const order: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    acc.count += counts[i]!;
    if (v === null || v === undefined) acc.nullCount += counts[i]!;
    else {
      acc.hll.add(String(v));
      order.push(i);
    }
  }
  order.sort((a, b) => counts[b]! - counts[a]! || (String(values[a]) < String(values[b]) ? -1 : 1));
  const f = new FrequentItems(acc.options.exactDistinctLimit, acc.options.frequentK);
  f.exact = false;
  f.error = order.length > k ? counts[order[k]!]! : 0;
  for (const i of order.slice(0, k)) f.counts.set(String(values[i]), counts[i]!);
  acc.frequent = f;
}

/** Merges profiles of shards of one dataset (commutative; associative up to the sketches' stated error). */
export function mergeProfiles(...profiles: Profile[]): Profile {
  if (profiles.length === 0) {
    throw new SlipwayError('PROFILE_MERGE_EMPTY', 'no profiles to merge', {
      hint: 'pass at least one profile',
    });
  }
  for (const p of profiles) checkProfile(p, 'profile');
  const opts: ColumnAccumulator['options'] = {
    quantileK: Math.min(...profiles.map((p) => p.sketch.quantileK)),
    exactDistinctLimit: Math.min(...profiles.map((p) => p.sketch.exactDistinctLimit)),
    frequentK: Math.min(...profiles.map((p) => p.sketch.frequentK)),
  };
  const orders = profiles.map((p) => p.columns.map((c) => c.name).join('\u0000'));
  const sameOrder = orders.every((o) => o === orders[0]);
  const names = sameOrder
    ? profiles[0]!.columns.map((c) => c.name)
    : [...new Set(profiles.flatMap((p) => p.columns.map((c) => c.name)))].sort();
  const columns = names.map((name) => {
    const parts = profiles.map((p) => {
      const c = p.columns.find((x) => x.name === name);
      if (c) return ColumnAccumulator.fromJSON(c, opts);
      // A column absent from a shard counts as null for that shard's rows.
      const template = profiles.flatMap((q) => q.columns).find((x) => x.name === name)!;
      const a = new ColumnAccumulator(name, template.kind, template.sqlType, opts);
      a.count = p.rowCount;
      a.nullCount = p.rowCount;
      return a;
    });
    // Merge in a canonical order: the outcome must not depend on the argument order.
    const ordered = parts
      .map((a) => ({ a, key: JSON.stringify([a.count, a.n, a.mean, a.m2, a.nullCount, a.hll.toJSON()]) }))
      .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))
      .map((x) => x.a);
    return ordered.reduce((acc, c) => ColumnAccumulator.merge(acc, c)).toJSON();
  });
  return {
    schema: PROFILE_SCHEMA,
    rowCount: profiles.reduce((s, p) => s + p.rowCount, 0),
    sources: [...new Set(profiles.flatMap((p) => p.sources))].sort(),
    sketch: { ...opts, hllLgK: HyperLogLog.LG_K },
    columns,
  };
}

/** Throws a clear error unless `value` looks like a profile of this version. */
export function checkProfile(value: unknown, source: string): asserts value is Profile {
  const v = value as Partial<Profile> | null;
  if (!v || typeof v !== 'object' || v.schema !== PROFILE_SCHEMA || !Array.isArray(v.columns)) {
    const got = v && typeof v === 'object' && 'schema' in v ? String(v.schema) : 'no schema field';
    throw new SlipwayError('PROFILE_INVALID', `${source}: not a Slipway profile (${got})`, {
      hint: `expected a JSON document with "schema": "${PROFILE_SCHEMA}" written by \`slipway data profile\``,
    });
  }
}

/** Reads a profile.json written by `slipway data profile`. */
export async function readProfile(path: string): Promise<Profile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const { fsError } = await import('@slipway/core');
    throw fsError(err, path, 'reading the profile');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SlipwayError('PROFILE_INVALID', `${path}: not valid JSON (${(err as Error).message})`, {
      hint: 'regenerate it with `slipway data profile <dataset> --out profile.json`',
    });
  }
  checkProfile(value, path);
  return value;
}

/** Back to the sketch objects (for drift computations). */
export function profileColumn(profile: Profile, column: ColumnProfile): ColumnAccumulator {
  return ColumnAccumulator.fromJSON(column, {
    quantileK: profile.sketch.quantileK,
    exactDistinctLimit: profile.sketch.exactDistinctLimit,
    frequentK: profile.sketch.frequentK,
  });
}
