import type { DuckDBConnection } from '@duckdb/node-api';
import { didYouMean, SlipwayError } from '@slipway/core';
import { assertCsvRectangular, connect, datasetError, sourceSql, sqlIdent } from './duckdb.js';
import type { Column, ColumnInfo, ColumnKind, Table } from './types.js';

const NUMBER_TYPES =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*|REAL)$/;
const TIME_TYPES = /^(DATE|TIMESTAMP.*|DATETIME)$/;

export function kindOf(sqlType: string): ColumnKind {
  const t = sqlType.toUpperCase();
  if (NUMBER_TYPES.test(t)) return 'number';
  if (TIME_TYPES.test(t)) return 'timestamp';
  if (t === 'BOOLEAN') return 'boolean';
  return 'string';
}

export interface DatasetInfo {
  path: string;
  columns: ColumnInfo[];
  rowCount: number;
}

async function withConnection<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const c = await connect();
  try {
    return await fn(c);
  } finally {
    c.closeSync();
  }
}

/** Column names, kinds and the row count, without reading the values. */
export async function describeDataset(path: string): Promise<DatasetInfo> {
  const source = sourceSql(path);
  await assertCsvRectangular(path);
  return withConnection(async (c) => {
    try {
      const described = await c.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
      const columns = described.getRowObjects().map((r) => {
        const sqlType = String(r.column_type);
        return { name: String(r.column_name), sqlType, kind: kindOf(sqlType) };
      });
      const count = await c.runAndReadAll(`SELECT count(*)::DOUBLE AS n FROM ${source}`);
      return { path, columns, rowCount: Number(count.getRowObjects()[0]?.n ?? 0) };
    } catch (err) {
      throw datasetError(err, path);
    }
  });
}

export interface ReadOptions {
  /** Only these columns, in this order (default: all). */
  columns?: string[];
  /** SQL predicate over the dataset's columns. */
  where?: string;
  /** Rows in batches of this size when scanning (default 65,536). */
  batchRows?: number;
  /** Stop after this many rows. */
  limit?: number;
  /** Keep a deterministic sample of at most this many rows (reservoir, seeded). */
  sampleRows?: number;
  seed?: number;
}

function selectSql(
  info: ColumnInfo[],
  path: string,
  options: ReadOptions,
): { sql: string; columns: ColumnInfo[] } {
  let columns = info;
  if (options.columns) {
    const known = info.map((c) => c.name);
    columns = options.columns.map((name) => {
      const found = info.find((c) => c.name === name);
      if (!found) {
        throw new SlipwayError(
          'COLUMN_NOT_FOUND',
          `${path}: has no column "${name}"${didYouMean(name, known)}`,
          {
            hint: `its columns are: ${known.join(', ')}`,
          },
        );
      }
      return found;
    });
  }
  // Cast in SQL so that every value arrives as double, varchar or boolean: one decode path per kind.
  const projections = columns.map((c) => {
    const id = sqlIdent(c.name);
    if (c.kind === 'number') return `CAST(${id} AS DOUBLE) AS ${id}`;
    if (c.kind === 'timestamp') return `CAST(epoch_ms(CAST(${id} AS TIMESTAMP)) AS DOUBLE) AS ${id}`;
    if (c.kind === 'boolean') return id;
    return `CAST(${id} AS VARCHAR) AS ${id}`;
  });
  let sql = `SELECT ${projections.join(', ')} FROM ${sourceSql(path)}`;
  if (options.where) sql += ` WHERE ${options.where}`;
  if (options.sampleRows !== undefined)
    sql += ` USING SAMPLE reservoir(${Math.floor(options.sampleRows)} ROWS) REPEATABLE (${options.seed ?? 42})`;
  if (options.limit !== undefined) sql += ` LIMIT ${Math.floor(options.limit)}`;
  return { sql, columns };
}

function allocate(columns: ColumnInfo[], capacity: number): Column[] {
  return columns.map((c): Column => {
    if (c.kind === 'string')
      return { name: c.name, sqlType: c.sqlType, kind: 'string', values: new Array<string | null>(capacity) };
    if (c.kind === 'boolean')
      return {
        name: c.name,
        sqlType: c.sqlType,
        kind: 'boolean',
        values: new Uint8Array(capacity),
        valid: new Uint8Array(capacity),
      };
    return {
      name: c.name,
      sqlType: c.sqlType,
      kind: c.kind,
      values: new Float64Array(capacity),
      valid: new Uint8Array(capacity),
    };
  });
}

function shrink(columns: Column[], n: number): Column[] {
  return columns.map((c): Column => {
    if (c.kind === 'string') return { ...c, values: c.values.length === n ? c.values : c.values.slice(0, n) };
    if (c.kind === 'boolean') return { ...c, values: c.values.subarray(0, n), valid: c.valid.subarray(0, n) };
    return { ...c, values: c.values.subarray(0, n), valid: c.valid.subarray(0, n) };
  });
}

/**
 * Bulk copy of a DOUBLE vector (every number/timestamp column is cast to DOUBLE in SQL): reads the
 * vector's Float64Array and validity bitmap directly instead of one getItem call per value, which is
 * several times faster. Returns false (caller falls back to getItem) if the vector's shape is not the
 * expected one, so a change inside @duckdb/node-api degrades speed, never correctness.
 */
function copyDoubles(
  vector: unknown,
  offset: number,
  take: number,
  col: { values: Float64Array; valid: Uint8Array },
  at: number,
): boolean {
  const v = vector as { items?: unknown; validity?: { data?: unknown } };
  const items = v.items;
  if (!(items instanceof Float64Array) || items.length < offset + take || v.validity === undefined)
    return false;
  const bits = v.validity.data;
  if (bits !== null && !(bits instanceof BigUint64Array)) return false;
  col.values.set(items.subarray(offset, offset + take), at);
  if (bits === null) {
    col.valid.fill(1, at, at + take);
    return true;
  }
  const bytes = new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength);
  for (let k = 0; k < take; k++) {
    const bit = offset + k;
    const ok = (bytes[bit >>> 3]! >>> (bit & 7)) & 1;
    col.valid[at + k] = ok;
    if (ok === 0) col.values[at + k] = Number.NaN;
  }
  return true;
}

/**
 * Streams a dataset as columnar batches of at most `batchRows` rows; only one batch is held at a time.
 */
export async function* scanTable(path: string, options: ReadOptions = {}): AsyncGenerator<Table> {
  const info = await describeDataset(path);
  const { sql, columns } = selectSql(info.columns, path, options);
  const batchRows = options.batchRows ?? 65_536;
  const c = await connect();
  try {
    let result: Awaited<ReturnType<DuckDBConnection['stream']>>;
    try {
      result = await c.stream(sql);
    } catch (err) {
      throw datasetError(err, path);
    }
    let out = allocate(columns, batchRows);
    let n = 0;
    for (;;) {
      let chunk: Awaited<ReturnType<typeof result.fetchChunk>>;
      try {
        chunk = await result.fetchChunk();
      } catch (err) {
        throw datasetError(err, path);
      }
      if (!chunk || chunk.rowCount === 0) break;
      let offset = 0;
      while (offset < chunk.rowCount) {
        const take = Math.min(chunk.rowCount - offset, batchRows - n);
        for (let j = 0; j < columns.length; j++) {
          const vector = chunk.getColumnVector(j);
          const col = out[j]!;
          if (
            (col.kind === 'number' || col.kind === 'timestamp') &&
            copyDoubles(vector, offset, take, col, n)
          )
            continue;
          for (let k = 0; k < take; k++) {
            const v = vector.getItem(offset + k) as number | string | boolean | null;
            const at = n + k;
            if (col.kind === 'string') col.values[at] = v === null ? null : String(v);
            else if (col.kind === 'boolean') {
              col.valid[at] = v === null ? 0 : 1;
              col.values[at] = v === true ? 1 : 0;
            } else {
              col.valid[at] = v === null ? 0 : 1;
              col.values[at] = v === null ? Number.NaN : (v as number);
            }
          }
        }
        n += take;
        offset += take;
        if (n === batchRows) {
          yield { rowCount: n, columns: out };
          out = allocate(columns, batchRows);
          n = 0;
        }
      }
    }
    if (n > 0) yield { rowCount: n, columns: shrink(out, n) };
  } finally {
    c.closeSync();
  }
}

/** Reads a whole dataset (or the selected columns/rows) into one columnar table. */
export async function readTable(path: string, options: ReadOptions = {}): Promise<Table> {
  const batches: Table[] = [];
  for await (const batch of scanTable(path, { ...options, batchRows: options.batchRows ?? 262_144 }))
    batches.push(batch);
  return concatTables(batches);
}

export function concatTables(batches: Table[]): Table {
  if (batches.length === 1) return batches[0]!;
  const rowCount = batches.reduce((s, b) => s + b.rowCount, 0);
  if (batches.length === 0) return { rowCount: 0, columns: [] };
  const first = batches[0]!;
  const columns = first.columns.map((template, j): Column => {
    if (template.kind === 'string')
      return { ...template, values: batches.flatMap((b) => b.columns[j]!.values as (string | null)[]) };
    const values = template.kind === 'boolean' ? new Uint8Array(rowCount) : new Float64Array(rowCount);
    const valid = new Uint8Array(rowCount);
    let at = 0;
    for (const b of batches) {
      const c = b.columns[j] as Exclude<Column, { kind: 'string' }>;
      values.set(c.values as never, at);
      valid.set(c.valid, at);
      at += b.rowCount;
    }
    return { ...template, values, valid } as Column;
  });
  return { rowCount, columns };
}

/** The named column of a table, or a clear error naming the columns that exist. */
export function getColumn(table: Table, name: string, source = 'table'): Column {
  const col = table.columns.find((c) => c.name === name);
  if (!col) {
    const known = table.columns.map((c) => c.name);
    throw new SlipwayError(
      'COLUMN_NOT_FOUND',
      `${source}: has no column "${name}"${didYouMean(name, known)}`,
      { hint: `its columns are: ${known.join(', ')}` },
    );
  }
  return col;
}
