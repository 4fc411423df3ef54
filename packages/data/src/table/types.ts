/** How Slipway sees a column, whatever its storage type. */
export type ColumnKind = 'number' | 'string' | 'boolean' | 'timestamp';

export interface ColumnInfo {
  name: string;
  kind: ColumnKind;
  /** The storage type DuckDB reported (BIGINT, VARCHAR, TIMESTAMP, …). */
  sqlType: string;
}

interface ColumnBase {
  name: string;
  sqlType: string;
}

/** Numbers as float64; `valid[i] === 0` marks a null (its value slot holds NaN). */
export interface NumberColumn extends ColumnBase {
  kind: 'number';
  values: Float64Array;
  valid: Uint8Array;
}

/** Milliseconds since the Unix epoch (UTC); `valid[i] === 0` marks a null. */
export interface TimestampColumn extends ColumnBase {
  kind: 'timestamp';
  values: Float64Array;
  valid: Uint8Array;
}

export interface StringColumn extends ColumnBase {
  kind: 'string';
  values: (string | null)[];
}

export interface BooleanColumn extends ColumnBase {
  kind: 'boolean';
  /** 1 = true, 0 = false. */
  values: Uint8Array;
  valid: Uint8Array;
}

export type Column = NumberColumn | TimestampColumn | StringColumn | BooleanColumn;

/** Columnar rows: every column has `rowCount` entries. */
export interface Table {
  rowCount: number;
  columns: Column[];
}
