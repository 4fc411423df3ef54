// Validates a dataset against a schema, naming each anomaly with Great Expectations' vocabulary.
import { describeDataset, scanTable } from '../table/read.js';
import type { Column } from '../table/types.js';
import { type ColumnSchema, checkSchema, type DataSchema, readSchema } from './schema.js';
import { VALIDATION_SCHEMA } from './version.js';

/** GX's partial_unexpected_count. */
export const SAMPLE_LIMIT = 20;

export interface ExpectationResult {
  expectation: string;
  column?: string;
  kwargs: Record<string, unknown>;
  success: boolean;
  /** Values (or rows) that failed. */
  unexpectedCount: number;
  /** unexpectedCount over the non-null values (rows for null and table checks), 0–1. */
  unexpectedShare: number;
  /** Up to 20 failing values. */
  sample: unknown[];
}

export interface ValidationReport {
  schema: typeof VALIDATION_SCHEMA;
  dataset: string;
  success: boolean;
  rowCount: number;
  results: ExpectationResult[];
  /** Failed expectations only. */
  anomalies: ExpectationResult[];
}

interface Check {
  spec: ColumnSchema;
  nonNull: number;
  nulls: number;
  typeBad: number;
  typeSample: unknown[];
  rangeBad: number;
  rangeSample: unknown[];
  setBad: number;
  setSample: unknown[];
  domain?: Set<string>;
}

function push(sample: unknown[], v: unknown): void {
  if (sample.length < SAMPLE_LIMIT) sample.push(v);
}

function jsonNumber(x: number): number | string {
  return Number.isFinite(x) ? x : String(x);
}

function checkColumn(c: Check, col: Column, rows: number): void {
  const s = c.spec;
  const range = s.range;
  const numericSchema = s.type === 'integer' || s.type === 'number' || s.type === 'timestamp';
  if (col.kind === 'string') {
    for (let i = 0; i < rows; i++) {
      const v = col.values[i];
      if (v === null || v === undefined) {
        c.nulls++;
        continue;
      }
      c.nonNull++;
      if (numericSchema || s.type === 'boolean') {
        // Wrong type: a numeric/boolean column arrived as text; count the values that do not parse.
        const parsed =
          s.type === 'boolean'
            ? /^(true|false)$/i.test(v)
            : s.type === 'timestamp'
              ? !Number.isNaN(Date.parse(v))
              : v.trim() !== '' &&
                Number.isFinite(Number(v)) &&
                (s.type !== 'integer' || Number.isInteger(Number(v)));
        if (!parsed) {
          c.typeBad++;
          push(c.typeSample, v);
          continue;
        }
        if (range && numericSchema) {
          const x = s.type === 'timestamp' ? Date.parse(v) : Number(v);
          if (x < range.min || x > range.max) {
            c.rangeBad++;
            push(c.rangeSample, x);
          }
        }
      }
      if (c.domain && !c.domain.has(v)) {
        c.setBad++;
        push(c.setSample, v);
      }
    }
    return;
  }
  for (let i = 0; i < rows; i++) {
    if (col.valid[i] === 0) {
      c.nulls++;
      continue;
    }
    c.nonNull++;
    const x = col.values[i]!;
    if (col.kind === 'boolean') {
      if (s.type !== 'boolean' && s.type !== 'string') {
        c.typeBad++;
        push(c.typeSample, x === 1);
      } else if (c.domain && !c.domain.has(x === 1 ? 'true' : 'false')) {
        c.setBad++;
        push(c.setSample, x === 1);
      }
      continue;
    }
    if (s.type === 'string' || s.type === 'boolean') {
      // A numeric column where text was expected: numbers are fine as text unless a domain rules them out.
      if (c.domain && !c.domain.has(String(x))) {
        c.setBad++;
        push(c.setSample, jsonNumber(x));
      }
      continue;
    }
    if (
      (s.type === 'timestamp') !== (col.kind === 'timestamp') ||
      (s.type === 'integer' && Number.isFinite(x) && !Number.isInteger(x))
    ) {
      c.typeBad++;
      push(c.typeSample, x);
      continue;
    }
    if (range && !(x >= range.min && x <= range.max)) {
      // NaN fails `between` too (it is not null): GX treats it as unexpected.
      c.rangeBad++;
      push(c.rangeSample, jsonNumber(x));
    }
  }
}

function kindMatches(spec: ColumnSchema, kind: Column['kind']): boolean {
  if (spec.type === 'integer' || spec.type === 'number') return kind === 'number';
  return spec.type === kind;
}

/** Validates `path` against `schema` (an object or a schema.json path), streaming the data once. */
export async function validateDataset(path: string, schema: DataSchema | string): Promise<ValidationReport> {
  const spec = typeof schema === 'string' ? await readSchema(schema) : checkSchema(schema, 'schema');
  const info = await describeDataset(path);
  const results: ExpectationResult[] = [];
  const present = new Set(info.columns.map((c) => c.name));
  const expected = spec.columns.map((c) => c.name);
  const missing = spec.columns.filter((c) => c.required && !present.has(c.name)).map((c) => c.name);
  const extra = info.columns.map((c) => c.name).filter((n) => !expected.includes(n));
  results.push({
    expectation: 'expect_table_columns_to_match_set',
    kwargs: { column_set: expected, exact_match: spec.exactColumns },
    success: missing.length === 0 && (!spec.exactColumns || extra.length === 0),
    unexpectedCount: missing.length + (spec.exactColumns ? extra.length : 0),
    unexpectedShare:
      expected.length === 0 ? 0 : (missing.length + (spec.exactColumns ? extra.length : 0)) / expected.length,
    sample: [
      ...missing.map((m) => `missing: ${m}`),
      ...(spec.exactColumns ? extra.map((e) => `unexpected: ${e}`) : []),
    ].slice(0, SAMPLE_LIMIT),
  });
  for (const m of missing)
    results.push({
      expectation: 'expect_column_to_exist',
      column: m,
      kwargs: { column: m },
      success: false,
      unexpectedCount: 1,
      unexpectedShare: 1,
      sample: [],
    });
  const checks = new Map<string, Check>();
  for (const c of spec.columns) {
    if (!present.has(c.name)) continue;
    checks.set(c.name, {
      spec: c,
      nonNull: 0,
      nulls: 0,
      typeBad: 0,
      typeSample: [],
      rangeBad: 0,
      rangeSample: [],
      setBad: 0,
      setSample: [],
      ...(c.domain ? { domain: new Set(c.domain.values.map(String)) } : {}),
    });
  }
  let rows = 0;
  const names = [...checks.keys()];
  const kinds = new Map<string, Column['kind']>();
  if (names.length > 0) {
    for await (const batch of scanTable(path, { columns: names })) {
      rows += batch.rowCount;
      for (const col of batch.columns) {
        kinds.set(col.name, col.kind);
        checkColumn(checks.get(col.name)!, col, batch.rowCount);
      }
    }
  } else rows = info.rowCount;
  for (const col of info.columns) if (!kinds.has(col.name)) kinds.set(col.name, col.kind);
  const rc = spec.rowCount;
  results.push({
    expectation: 'expect_table_row_count_to_be_between',
    kwargs: { min_value: rc.min, max_value: rc.max ?? null },
    success: rows >= rc.min && (rc.max === undefined || rows <= rc.max),
    unexpectedCount: rows >= rc.min && (rc.max === undefined || rows <= rc.max) ? 0 : 1,
    unexpectedShare: rows >= rc.min && (rc.max === undefined || rows <= rc.max) ? 0 : 1,
    sample: [rows],
  });
  for (const [name, c] of checks) {
    const s = c.spec;
    const total = c.nonNull + c.nulls;
    const kind = kinds.get(name)!;
    if (!kindMatches(s, kind) || c.typeBad > 0) {
      // Text that parses as the expected type passes; only unparsable values are unexpected.
      results.push({
        expectation: 'expect_column_values_to_be_of_type',
        column: name,
        kwargs: { column: name, type_: s.type, observed: kind },
        success: c.typeBad === 0,
        unexpectedCount: c.typeBad,
        unexpectedShare: c.nonNull === 0 ? 0 : c.typeBad / c.nonNull,
        sample: c.typeSample,
      });
    }
    if (!s.nullable) {
      const mostly = s.mostly ?? 1;
      const share = total === 0 ? 0 : c.nulls / total;
      results.push({
        expectation: 'expect_column_values_to_not_be_null',
        column: name,
        kwargs: { column: name, mostly },
        success: total === 0 ? true : 1 - share >= mostly,
        unexpectedCount: c.nulls,
        unexpectedShare: share,
        sample: c.nulls > 0 ? [null] : [],
      });
    }
    if (s.range) {
      const mostly = s.range.mostly ?? 1;
      const share = c.nonNull === 0 ? 0 : c.rangeBad / c.nonNull;
      results.push({
        expectation: 'expect_column_values_to_be_between',
        column: name,
        kwargs: { column: name, min_value: s.range.min, max_value: s.range.max, mostly },
        success: 1 - share >= mostly,
        unexpectedCount: c.rangeBad,
        unexpectedShare: share,
        sample: c.rangeSample,
      });
    }
    if (s.domain) {
      const mostly = s.domain.mostly ?? 1;
      const share = c.nonNull === 0 ? 0 : c.setBad / c.nonNull;
      results.push({
        expectation: 'expect_column_values_to_be_in_set',
        column: name,
        kwargs: { column: name, value_set: s.domain.values, mostly },
        success: 1 - share >= mostly,
        unexpectedCount: c.setBad,
        unexpectedShare: share,
        sample: c.setSample,
      });
    }
  }
  const anomalies = results.filter((r) => !r.success);
  return {
    schema: VALIDATION_SCHEMA,
    dataset: path,
    success: anomalies.length === 0,
    rowCount: rows,
    results,
    anomalies,
  };
}
