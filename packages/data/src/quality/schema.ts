// Dataset schema inference (TFDV-style rules) and the schema.json document.
import { readFile } from 'node:fs/promises';
import { fsError, SlipwayError } from '@slipway/core';
import type { Table } from '../table/types.js';
import { type Profile, profileDataset, profileTable } from './profile.js';
import { DATA_SCHEMA_SCHEMA } from './version.js';

/** A string column with at most this many distinct values is categorical (TFDV's max_string_domain_size). */
export const MAX_DOMAIN_SIZE = 100;

export type SchemaType = 'integer' | 'number' | 'string' | 'boolean' | 'timestamp';

export interface ColumnSchema {
  name: string;
  type: SchemaType;
  /** The column must exist (expect_column_to_exist). */
  required: boolean;
  /** Nulls allowed; if false → expect_column_values_to_not_be_null. */
  nullable: boolean;
  /** Numbers/timestamps: expect_column_values_to_be_between (inclusive). */
  range?: { min: number; max: number; mostly?: number };
  /** Categorical strings: expect_column_values_to_be_in_set. */
  domain?: { values: string[]; mostly?: number };
  /** Share of rows that must be non-null when nullable is false (GX `mostly`, default 1). */
  mostly?: number;
}

export interface DataSchema {
  schema: typeof DATA_SCHEMA_SCHEMA;
  source?: string;
  /** expect_table_row_count_to_be_between. */
  rowCount: { min: number; max?: number };
  /** expect_table_columns_to_match_set with exact_match: extra columns are an anomaly too. */
  exactColumns: boolean;
  columns: ColumnSchema[];
}

const INTEGER_SQL =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/i;

/** Share of the observed span a continuous range is widened by on each side. */
export const RANGE_TOLERANCE = 0.1;

export interface InferSchemaOptions {
  /** Where the data came from, stored as is (pass a path relative to the project, never an absolute one). */
  source?: string;
  /** The row-id column (config `data.id`): never range-checked, since new rows get new ids. */
  id?: string;
}

/** Looks like a row id by name: `id`, `row_id`, `passengerId`… */
const ID_NAME = /^(id|.*[_-]id|.*[a-z]Id)$/;

/**
 * A range a healthy later split passes: the observed [min, max] widened by RANGE_TOLERANCE of its span
 * (rounded outward to 6 significant digits, to integers for integer columns), never crossing zero when
 * every observed value was on one side of it.
 */
export function tolerantRange(min: number, max: number, integer: boolean): { min: number; max: number } {
  // A 0/1 indicator column has no values in between or beyond to tolerate.
  if (integer && min === 0 && max === 1) return { min, max };
  const span = max - min;
  const margin = span > 0 ? span * RANGE_TOLERANCE : Math.abs(min) * RANGE_TOLERANCE || 1;
  const round = (x: number, dir: 'down' | 'up') => {
    if (integer) return dir === 'down' ? Math.floor(x) : Math.ceil(x);
    if (x === 0) return 0;
    const scale = 10 ** (Math.floor(Math.log10(Math.abs(x))) - 5);
    return (dir === 'down' ? Math.floor(x / scale) : Math.ceil(x / scale)) * scale;
  };
  let lo = round(min - margin, 'down');
  let hi = round(max + margin, 'up');
  if (min >= 0 && lo < 0) lo = 0;
  if (max <= 0 && hi > 0) hi = 0;
  // Decimal noise of the scaling (0.30000000000000004) would show in schema.json.
  return { min: Number(lo.toPrecision(12)), max: Number(hi.toPrecision(12)) };
}

export function schemaFromProfile(
  profile: Profile,
  sourceOrOptions?: string | InferSchemaOptions,
): DataSchema {
  const options: InferSchemaOptions =
    typeof sourceOrOptions === 'string' ? { source: sourceOrOptions } : (sourceOrOptions ?? {});
  const source = options.source;
  return {
    schema: DATA_SCHEMA_SCHEMA,
    ...(source ? { source } : {}),
    rowCount: { min: 1 },
    exactColumns: true,
    columns: profile.columns.map((c): ColumnSchema => {
      const type: SchemaType =
        c.kind === 'number' ? (INTEGER_SQL.test(c.sqlType) ? 'integer' : 'number') : c.kind;
      const out: ColumnSchema = { name: c.name, type, required: true, nullable: c.nullCount > 0 };
      const isId = options.id !== undefined ? c.name === options.id : ID_NAME.test(c.name);
      if (c.numeric && c.numeric.min !== null && c.numeric.max !== null && !isId && type !== 'boolean')
        out.range = tolerantRange(c.numeric.min, c.numeric.max, type !== 'number');
      if (
        c.kind === 'string' &&
        c.frequent?.exact &&
        c.frequent.items.length <= MAX_DOMAIN_SIZE &&
        c.frequent.items.length > 0
      )
        out.domain = { values: c.frequent.items.map(([v]) => String(v)).sort() };
      return out;
    }),
  };
}

/**
 * Infers a schema: types, nullability, numeric ranges with a tolerance (none for the id column),
 * categorical domains (≤ 100 distinct strings), required columns. A split drawn from the same
 * distribution passes it.
 */
export async function inferSchema(
  input: string | Table,
  options: InferSchemaOptions = {},
): Promise<DataSchema> {
  const profile = typeof input === 'string' ? await profileDataset(input) : profileTable(input);
  const source = typeof input === 'string' ? input : 'table';
  if (profile.rowCount === 0) {
    throw new SlipwayError(
      'DATASET_EMPTY',
      `${source}: has no rows, so there is nothing to infer ranges or domains from`,
      {
        hint: 'infer the schema from a non-empty sample of the data',
      },
    );
  }
  return schemaFromProfile(profile, options);
}

const TYPES = new Set<SchemaType>(['integer', 'number', 'string', 'boolean', 'timestamp']);

/** Reads and checks a schema.json, naming the field that is wrong. */
export function checkSchema(value: unknown, source: string): DataSchema {
  const bad = (field: string, what: string): never => {
    throw new SlipwayError('SCHEMA_INVALID', `${source}: ${field} ${what}`, {
      hint: 'regenerate it with `slipway data schema infer <dataset>` or fix the field by hand',
    });
  };
  const v = value as Partial<DataSchema> | null;
  if (!v || typeof v !== 'object') return bad('(root)', 'is not a JSON object');
  if (v.schema !== DATA_SCHEMA_SCHEMA)
    bad('schema', `must be "${DATA_SCHEMA_SCHEMA}" (got ${JSON.stringify(v.schema)})`);
  if (!Array.isArray(v.columns)) bad('columns', 'must be an array');
  v.columns!.forEach((c, i) => {
    if (!c || typeof c.name !== 'string') bad(`columns[${i}].name`, 'must be a string');
    if (!TYPES.has(c.type)) bad(`columns[${i}].type`, `must be one of ${[...TYPES].join(', ')}`);
    for (const m of [c.mostly, c.range?.mostly, c.domain?.mostly])
      if (m !== undefined && !(typeof m === 'number' && m >= 0 && m <= 1))
        bad(`columns[${i}] (${c.name}) mostly`, 'must be a number in [0, 1]');
    if (c.range && (typeof c.range.min !== 'number' || typeof c.range.max !== 'number'))
      bad(`columns[${i}].range`, 'needs numeric min and max');
    if (c.domain && !Array.isArray(c.domain.values))
      bad(`columns[${i}].domain.values`, 'must be an array of strings');
  });
  return {
    schema: DATA_SCHEMA_SCHEMA,
    rowCount: v.rowCount ?? { min: 0 },
    exactColumns: v.exactColumns ?? false,
    columns: v.columns!.map((c) => ({ ...c, required: c.required ?? true, nullable: c.nullable ?? true })),
    ...(v.source ? { source: v.source } : {}),
  };
}

export async function readSchema(path: string): Promise<DataSchema> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw fsError(err, path, 'reading the schema');
  }
  try {
    return checkSchema(JSON.parse(text), path);
  } catch (err) {
    if (err instanceof SyntaxError)
      throw new SlipwayError('SCHEMA_INVALID', `${path}: not valid JSON (${err.message})`, {
        hint: 'regenerate it with `slipway data schema infer <dataset>`',
      });
    throw err;
  }
}
