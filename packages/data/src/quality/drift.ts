// Per-column drift tests chosen the way Evidently chooses them by default, computed from a reference
// profile (so a model package's profile.json is enough) against current data or a current profile.
import type { SlipwayConfig } from '@slipway/core';
import { SlipwayError } from '@slipway/core';
import { describeDataset, readTable } from '../table/read.js';
import type { Column, Table } from '../table/types.js';
import {
  type ColumnAccumulator,
  checkProfile,
  type Profile,
  profileColumn,
  profileDataset,
  profileTable,
  readProfile,
} from './profile.js';
import type { ItemKey } from './sketch/frequent.js';
import {
  binIndex,
  chiSquare,
  fillZeroes,
  jensenShannon,
  psi,
  sturgesEdges,
  twoProportionZ,
  wasserstein,
} from './stats/distances.js';
import { ksPValue, ksStatistic, type WeightedSample } from './stats/ks.js';
import { DRIFT_REPORT_SCHEMA } from './version.js';

export type DriftMethod = 'ks' | 'chisquare' | 'z' | 'wasserstein' | 'jensenshannon' | 'psi';
export type DriftConfig = SlipwayConfig['drift'];

/** Evidently's defaults: p-value tests at 0.05, distances at 0.1. */
export const DEFAULT_THRESHOLDS: Record<DriftMethod, number> = {
  ks: 0.05,
  chisquare: 0.05,
  z: 0.05,
  wasserstein: 0.1,
  jensenshannon: 0.1,
  psi: 0.1,
};

const P_VALUE_METHODS = new Set<DriftMethod>(['ks', 'chisquare', 'z']);

/** References at or below this many values get the small-sample tests (Evidently's rule). */
export const SMALL_REFERENCE = 1000;

export interface DriftHistogram {
  /** Bin labels: category values, or `[lo, hi)` ranges for numbers. */
  labels: string[];
  /** Numeric bin edges (numbers only). */
  edges?: number[];
  /** Shares per bin (not zero-filled). */
  reference: number[];
  current: number[];
}

export interface ColumnDrift {
  column: string;
  kind: 'numerical' | 'categorical';
  method: DriftMethod;
  /** Why this method: `default` (Evidently's automatic choice), `config:column`, `config:numerical|categorical`. */
  methodSource: string;
  /** The drift score: a p-value for ks/chisquare/z, a distance for the others. */
  statistic: number;
  scoreType: 'p_value' | 'distance';
  threshold: number;
  /** p-value tests drift when p ≤ threshold (ks) or p < threshold (chisquare, z); distances when ≥ threshold. */
  drifted: boolean;
  /** The test's own statistic (KS D, χ², z); null where not finite. */
  testStatistic?: number | null;
  /** PSI on the same bins (zero-filled as Evidently does), reported for every column. */
  psi: number;
  referenceCount: number;
  currentCount: number;
  /** Distinct values in reference ∪ current (null: more than the profile's exact limit). */
  distinctValues: number | null;
  /** True when a side came from a sketch that had compacted; see `errorBound`. */
  approximate: boolean;
  /** Bound on |statistic − exact statistic| (KS D, normed Wasserstein) or on each bin share, when approximate. */
  errorBound?: number;
  jensenShannon?: { quantity: 'distance'; logBase: 'e' };
  histogram: DriftHistogram;
  notes: string[];
}

export interface DriftReport {
  schema: typeof DRIFT_REPORT_SCHEMA;
  drifted: boolean;
  /** Drifted columns / tested columns. */
  share: number;
  shareThreshold: number;
  driftedCount: number;
  testedCount: number;
  reference: { source: string; rows: number };
  current: { source: string; rows: number };
  columns: ColumnDrift[];
  /** Columns of the reference that current lacks (each counted as drifted). */
  missingColumns: string[];
  /** Columns only current has (not tested: no reference). */
  newColumns: string[];
  /** Columns not tested, with the reason. */
  skipped: { column: string; reason: string }[];
}

export interface DriftOptions {
  reference: string | Table | Profile;
  current: string | Table | Profile;
  config?: Partial<DriftConfig>;
  columns?: string[];
  /**
   * Columns the caller leaves out on purpose, each with why (an identifier, the label, a column no
   * feature reads): listed under "not tested" so every report says what it did not compare.
   */
  notTested?: { column: string; reason: string }[];
}

interface Side {
  acc: ColumnAccumulator;
  /** Raw values when the side is data (exact tests), else undefined. */
  raw?: Column;
  rows: number;
}

function isProfile(v: unknown): v is Profile {
  return typeof v === 'object' && v !== null && 'schema' in v;
}

function isJsonPath(path: string): boolean {
  const p = path.toLowerCase();
  return p.endsWith('.json') && !p.endsWith('.jsonl');
}

/** Columns of a dataset worth profiling for drift: not ignored, selected, timestamps only if configured. */
async function driftColumns(
  path: string,
  config: Partial<DriftConfig>,
  wanted: Set<string> | undefined,
): Promise<{ columns: string[]; timestamps: string[] }> {
  const info = await describeDataset(path);
  const ignore = new Set(config.ignore ?? []);
  const chosen = info.columns.filter((c) => !ignore.has(c.name) && (!wanted || wanted.has(c.name)));
  const timestamps = chosen
    .filter((c) => c.kind === 'timestamp' && !config.columns?.[c.name])
    .map((c) => c.name);
  return { columns: chosen.map((c) => c.name).filter((n) => !timestamps.includes(n)), timestamps };
}

async function loadSide(
  input: string | Table | Profile,
  label: string,
  config: Partial<DriftConfig>,
  wanted: Set<string> | undefined,
): Promise<{ profile: Profile; table?: Table; source: string; timestamps: string[] }> {
  if (typeof input === 'string') {
    if (isJsonPath(input)) return { profile: await readProfile(input), source: input, timestamps: [] };
    const { columns, timestamps } = await driftColumns(input, config, wanted);
    return { profile: await profileDataset(input, { columns }), source: input, timestamps };
  }
  if (isProfile(input)) {
    checkProfile(input, label);
    return { profile: input, source: input.sources.join(', ') || 'profile', timestamps: [] };
  }
  return { profile: profileTable(input), table: input, source: 'table', timestamps: [] };
}

const INTEGER_SQL =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/i;

/** Sorted finite values of a numeric side: raw data when present, else the sketch's weighted items. */
function numericSample(side: Side): { sample: WeightedSample; exact: boolean; eps: number } {
  const raw = side.raw;
  if (raw && (raw.kind === 'number' || raw.kind === 'timestamp')) {
    const out = new Float64Array(side.acc.n);
    let m = 0;
    for (let i = 0; i < raw.values.length; i++) {
      const x = raw.values[i]!;
      if (raw.valid[i] === 1 && x - x === 0) out[m++] = x;
    }
    return { sample: { values: out.subarray(0, m).sort() }, exact: true, eps: 0 };
  }
  const q = side.acc.quantiles!;
  return {
    sample: q.weighted(),
    exact: q.exact,
    eps: q.n > 0 ? q.rankError / q.n : 0,
  };
}

/** Value counts of a side (exact when the profile kept them all), plus the weight not itemised. */
function counts(side: Side): { map: Map<ItemKey, number>; other: number; exact: boolean; error: number } {
  const f = side.acc.frequent;
  const n = side.acc.numericKind ? side.acc.n : side.acc.count - side.acc.nullCount;
  if (!f) return { map: new Map(), other: n, exact: false, error: n };
  let listed = 0;
  for (const c of f.counts.values()) listed += c;
  return { map: f.counts, other: Math.max(0, n - listed), exact: f.exact, error: f.error };
}

function keyLabel(k: ItemKey): string {
  return typeof k === 'number' ? String(k) : k;
}

function sortKeys(keys: ItemKey[]): ItemKey[] {
  return keys.sort((a, b) =>
    typeof a === typeof b ? (a < b ? -1 : a > b ? 1 : 0) : typeof a === 'number' ? -1 : 1,
  );
}

interface Binned {
  labels: string[];
  edges?: number[];
  ref: number[];
  cur: number[];
  approximate: boolean;
  /** Max error of any reference/current share from sketches. */
  shareError: number;
}

/** Evidently's get_binned_data: Sturges bins over the combined range when the reference has > 20 distinct numbers, else one bin per value. */
function binShares(
  kind: 'numerical' | 'categorical',
  ref: Side,
  cur: Side,
  refDistinct: number | null,
): Binned {
  if (kind === 'numerical' && (refDistinct === null || refDistinct > 20)) {
    const a = numericSample(ref);
    const b = numericSample(cur);
    const min = Math.min(ref.acc.min, cur.acc.min);
    const max = Math.max(ref.acc.max, cur.acc.max);
    const edges = sturgesEdges(min, max, ref.acc.n + cur.acc.n);
    const hist = (s: WeightedSample, n: number): number[] => {
      const h = new Array<number>(edges.length - 1).fill(0);
      for (let i = 0; i < s.values.length; i++) {
        const bi = binIndex(s.values[i]!, edges);
        if (bi >= 0) h[bi]! += s.weights ? s.weights[i]! : 1;
      }
      return h.map((c) => c / n);
    };
    const labels = edges
      .slice(0, -1)
      .map((e, i) => `[${fmt(e)}, ${fmt(edges[i + 1]!)}${i === edges.length - 2 ? ']' : ')'}`);
    return {
      labels,
      edges,
      ref: hist(a.sample, ref.acc.n),
      cur: hist(b.sample, cur.acc.n),
      approximate: !a.exact || !b.exact,
      shareError: 2 * Math.max(a.eps, b.eps),
    };
  }
  const r = counts(ref);
  const c = counts(cur);
  const keys = sortKeys([...new Set([...r.map.keys(), ...c.map.keys()])]);
  const nr = ref.acc.numericKind ? ref.acc.n : ref.acc.count - ref.acc.nullCount;
  const nc = cur.acc.numericKind ? cur.acc.n : cur.acc.count - cur.acc.nullCount;
  const out: Binned = {
    labels: keys.map(keyLabel),
    ref: keys.map((k) => (r.map.get(k) ?? 0) / nr),
    cur: keys.map((k) => (c.map.get(k) ?? 0) / nc),
    approximate: !r.exact || !c.exact,
    shareError: Math.max(r.error / nr, c.error / nc),
  };
  if (r.other > 0 || c.other > 0) {
    out.labels.push('(other values)');
    out.ref.push(r.other / nr);
    out.cur.push(c.other / nc);
  }
  return out;
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4)));
}

/** Evidently's automatic test choice (legacy stattests registry, pandas engine). */
export function defaultMethod(
  kind: 'numerical' | 'categorical',
  referenceValues: number,
  distinctValues: number | null,
): DriftMethod {
  const nv = distinctValues ?? Number.POSITIVE_INFINITY;
  if (referenceValues <= SMALL_REFERENCE) {
    if (nv <= 2) return 'z';
    if (kind === 'categorical') return 'chisquare';
    return nv <= 5 ? 'chisquare' : 'ks';
  }
  if (kind === 'categorical') return 'jensenshannon';
  return nv <= 5 ? 'jensenshannon' : 'wasserstein';
}

function testColumn(
  name: string,
  ref: Side,
  cur: Side,
  config: Partial<DriftConfig>,
): ColumnDrift | { skip: string } {
  const nRef = ref.acc.numericKind ? ref.acc.n : ref.acc.count - ref.acc.nullCount;
  const nCur = cur.acc.numericKind ? cur.acc.n : cur.acc.count - cur.acc.nullCount;
  const notes: string[] = [];
  const dropped = (s: Side): number => s.acc.nanCount + s.acc.posInfCount + s.acc.negInfCount;
  if (dropped(ref) + dropped(cur) > 0)
    notes.push(
      `dropped NaN/±Infinity before testing: ${dropped(ref)} in reference, ${dropped(cur)} in current`,
    );
  if (nRef === 0) return { skip: 'no non-null values in reference' };
  if (nCur === 0) return { skip: 'no non-null values in current' };
  const refCounts = counts(ref);
  const curCounts = counts(cur);
  const distinct =
    refCounts.exact && curCounts.exact
      ? new Set([...refCounts.map.keys(), ...curCounts.map.keys()]).size
      : null;
  const refDistinct = refCounts.exact ? refCounts.map.size : null;
  // Evidently: integers with ≤ 10 distinct values are categorical; strings and booleans are categorical.
  let kind: 'numerical' | 'categorical' = 'categorical';
  if (ref.acc.numericKind) {
    kind =
      INTEGER_SQL.test(ref.acc.sqlType) && distinct !== null && distinct <= 10 ? 'categorical' : 'numerical';
  }
  if (cur.acc.numericKind !== ref.acc.numericKind) {
    return {
      skip: `type changed: ${ref.acc.kind} in reference, ${cur.acc.kind} in current`,
    };
  }
  if (kind === 'categorical' && distinct === null)
    notes.push(
      'more distinct values than the profile counts exactly: compared on the most frequent values plus an "(other values)" bin',
    );
  let method = defaultMethod(kind, nRef, distinct);
  let methodSource = 'default';
  let threshold: number | undefined;
  const typeChoice = kind === 'numerical' ? config.numerical : config.categorical;
  if (typeChoice) {
    method = typeChoice.method;
    threshold = typeChoice.threshold;
    methodSource = `config:${kind}`;
  }
  const colChoice = config.columns?.[name];
  if (colChoice) {
    method = colChoice.method;
    threshold = colChoice.threshold;
    methodSource = 'config:column';
  }
  if (kind === 'categorical' && (method === 'ks' || method === 'wasserstein')) {
    throw new SlipwayError(
      'DRIFT_METHOD_INVALID',
      `drift.columns.${name}: ${method} needs a numerical column, but "${name}" is categorical`,
      { hint: 'use chisquare, z, jensenshannon or psi for categorical columns' },
    );
  }
  threshold ??= DEFAULT_THRESHOLDS[method];
  const binned = binShares(kind, ref, cur, refDistinct);
  const psiValue = psi(fillZeroes(binned.ref), fillZeroes(binned.cur));
  let statistic: number;
  let testStatistic: number | null | undefined;
  let approximate = binned.approximate;
  let errorBound: number | undefined;
  switch (method) {
    case 'ks': {
      const a = numericSample(ref);
      const b = numericSample(cur);
      const d = ksStatistic(a.sample, b.sample);
      const r = ksPValue(d, nRef, nCur);
      statistic = r.pValue;
      testStatistic = r.statistic;
      approximate = !a.exact || !b.exact;
      if (approximate) {
        errorBound = a.eps + b.eps;
        notes.push(`KS D from sketches: within ±${errorBound.toPrecision(3)} of the exact D`);
      }
      if (r.mode === 'asymptotic')
        notes.push(
          'p-value from the Kolmogorov distribution at n = m·n/(m+n) (samples > 10,000), as scipy does',
        );
      break;
    }
    case 'wasserstein': {
      const a = numericSample(ref);
      const b = numericSample(cur);
      const std = Math.sqrt(ref.acc.m2 / ref.acc.n);
      const norm = Math.max(std, 0.001);
      statistic = wasserstein(a.sample, b.sample) / norm;
      approximate = !a.exact || !b.exact;
      if (approximate) {
        // |F̂ − F| ≤ ε everywhere on [min, max] ⇒ |Ŵ − W| ≤ (ε_ref + ε_cur)·(max − min).
        const range = Math.max(ref.acc.max, cur.acc.max) - Math.min(ref.acc.min, cur.acc.min);
        errorBound = ((a.eps + b.eps) * range) / norm;
      }
      break;
    }
    case 'jensenshannon':
      statistic = jensenShannon(binned.ref, binned.cur);
      if (approximate) errorBound = binned.shareError;
      break;
    case 'psi':
      statistic = psiValue;
      if (approximate) errorBound = binned.shareError;
      break;
    case 'chisquare': {
      const r = counts(ref);
      const c = counts(cur);
      const keys = [...new Set([...r.map.keys(), ...c.map.keys()])];
      const k = nCur / nRef;
      const expected = keys.map((key) => (r.map.get(key) ?? 0) * k);
      const observed = keys.map((key) => c.map.get(key) ?? 0);
      if (r.other > 0 || c.other > 0) {
        expected.push(r.other * k);
        observed.push(c.other);
      }
      const res = chiSquare(observed, expected);
      statistic = res.pValue;
      testStatistic = Number.isFinite(res.statistic) ? res.statistic : null;
      break;
    }
    case 'z': {
      const r = counts(ref);
      const c = counts(cur);
      const keys = sortKeys([...new Set([...r.map.keys(), ...c.map.keys()])]);
      if (r.map.size === 1 && c.map.size === 1 && keys.length === 1) {
        statistic = 1;
        testStatistic = 0;
      } else {
        const target = keys[0]!;
        const res = twoProportionZ(r.map.get(target) ?? 0, nRef, c.map.get(target) ?? 0, nCur);
        statistic = res.pValue;
        testStatistic = Number.isFinite(res.statistic) ? res.statistic : null;
      }
      break;
    }
  }
  const pValue = P_VALUE_METHODS.has(method);
  const drifted = pValue
    ? method === 'ks'
      ? statistic <= threshold
      : statistic < threshold
    : statistic >= threshold;
  const result: ColumnDrift = {
    column: name,
    kind,
    method,
    methodSource,
    statistic,
    scoreType: pValue ? 'p_value' : 'distance',
    threshold,
    drifted,
    psi: psiValue,
    referenceCount: nRef,
    currentCount: nCur,
    distinctValues: distinct,
    approximate,
    histogram: {
      labels: binned.labels,
      reference: binned.ref,
      current: binned.cur,
      ...(binned.edges ? { edges: binned.edges } : {}),
    },
    notes,
  };
  if (testStatistic !== undefined) result.testStatistic = testStatistic;
  if (errorBound !== undefined) result.errorBound = errorBound;
  if (method === 'jensenshannon') result.jensenShannon = { quantity: 'distance', logBase: 'e' };
  return result;
}

/** Drift of `current` against `reference` (a dataset path, or a profile: e.g. the one in a model package). */
export async function driftReport(options: DriftOptions): Promise<DriftReport> {
  const config: Partial<DriftConfig> = options.config ?? {};
  const shareThreshold = config.shareThreshold ?? 0.5;
  const wanted = options.columns ? new Set(options.columns) : undefined;
  const refSide = await loadSide(options.reference, 'reference', config, wanted);
  const curSide = await loadSide(options.current, 'current', config, wanted);
  const { profile: refProfile, source: refSource } = refSide;
  const { profile: curProfile, source: curSource } = curSide;
  let table = curSide.table;
  const ignore = new Set(config.ignore ?? []);
  if (wanted) {
    const known = new Set([...refProfile.columns.map((c) => c.name), ...refSide.timestamps]);
    for (const w of wanted)
      if (!known.has(w))
        throw new SlipwayError('COLUMN_NOT_FOUND', `reference ${refSource}: has no column "${w}"`, {
          hint: `its columns are: ${[...known].join(', ')}`,
        });
  }
  for (const [side, p] of [
    ['reference', refSide],
    ['current', curSide],
  ] as const) {
    if (p.profile.rowCount === 0)
      throw new SlipwayError(
        'DATASET_EMPTY',
        `${side} ${p.source}: has no rows, so there is nothing to compare`,
        {
          hint: `point --${side} at a dataset (or profile) with at least one row`,
        },
      );
  }
  // Small references get exact small-sample tests: read the current values those tests need.
  if (!table && typeof options.current === 'string' && !isJsonPath(options.current)) {
    const need = refProfile.columns
      .filter((rc) => {
        const cc = curProfile.columns.find((c) => c.name === rc.name);
        return (
          rc.numeric &&
          rc.numeric.count <= SMALL_REFERENCE &&
          cc?.numeric &&
          cc.numeric.quantiles.rankError > 0 &&
          !ignore.has(rc.name)
        );
      })
      .map((c) => c.name);
    if (need.length > 0) table = await readTable(options.current, { columns: need });
  }
  const report: DriftReport = {
    schema: DRIFT_REPORT_SCHEMA,
    drifted: false,
    share: 0,
    shareThreshold,
    driftedCount: 0,
    testedCount: 0,
    reference: { source: refSource, rows: refProfile.rowCount },
    current: { source: curSource, rows: curProfile.rowCount },
    columns: [],
    missingColumns: [],
    newColumns: [],
    skipped: [],
  };
  for (const t of [...refSide.timestamps])
    if (!wanted || wanted.has(t))
      report.skipped.push({ column: t, reason: 'timestamp column (not tested by default, as in Evidently)' });
  for (const n of options.notTested ?? [])
    if (!report.skipped.some((x) => x.column === n.column) && !wanted?.has(n.column)) report.skipped.push(n);
  const curByName = new Map(curProfile.columns.map((c) => [c.name, c]));
  const refNames = new Set(refProfile.columns.map((c) => c.name));
  for (const t of refSide.timestamps) refNames.add(t);
  for (const t of curSide.timestamps) if (!refNames.has(t)) report.newColumns.push(t);
  for (const c of curProfile.columns)
    if (!refNames.has(c.name) && !ignore.has(c.name) && (!wanted || wanted.has(c.name)))
      report.newColumns.push(c.name);
  for (const refCol of refProfile.columns) {
    const name = refCol.name;
    if (ignore.has(name) || (wanted && !wanted.has(name))) continue;
    const curCol = curByName.get(name);
    if (!curCol && curSide.timestamps.includes(name)) {
      report.skipped.push({
        column: name,
        reason: `type changed: ${refCol.kind} in reference, timestamp in current`,
      });
      continue;
    }
    if (!curCol) {
      report.missingColumns.push(name);
      continue;
    }
    if (refCol.kind === 'timestamp' && !config.columns?.[name]) {
      report.skipped.push({
        column: name,
        reason: 'timestamp column (not tested by default, as in Evidently)',
      });
      continue;
    }
    const ref: Side = { acc: profileColumn(refProfile, refCol), rows: refProfile.rowCount };
    const raw = table?.columns.find((c) => c.name === name);
    const cur: Side = {
      acc: profileColumn(curProfile, curCol),
      rows: curProfile.rowCount,
      ...(raw ? { raw } : {}),
    };
    const r = testColumn(name, ref, cur, config);
    if ('skip' in r) report.skipped.push({ column: name, reason: r.skip });
    else report.columns.push(r);
  }
  report.driftedCount = report.columns.filter((c) => c.drifted).length + report.missingColumns.length;
  report.testedCount = report.columns.length + report.missingColumns.length;
  report.share = report.testedCount === 0 ? 0 : report.driftedCount / report.testedCount;
  report.drifted = report.testedCount > 0 && report.share >= shareThreshold;
  return report;
}
