// Optional adapter between Slipway's columnar Table and danfojs-node DataFrames, for feature code
// written with danfo. danfojs-node is an optional peer dependency: it is loaded only when called,
// and its types never appear in our declarations (structural types below instead).
import { SlipwayError } from '@slipway/core';
import type { Column, Table } from '../table/types.js';

/** The part of a danfo DataFrame this adapter reads. */
export interface DataFrameLike {
  columns: string[];
  dtypes: string[];
  shape: number[];
  column(name: string): { values: unknown[] };
}

async function loadDanfo(): Promise<{ DataFrame: new (data: Record<string, unknown[]>) => DataFrameLike }> {
  const name = 'danfojs-node';
  try {
    return (await import(name)) as never;
  } catch (err) {
    throw new SlipwayError('DANFO_MISSING', 'danfojs-node is not installed', {
      hint: 'it is an optional peer dependency: `pnpm add danfojs-node` in your project',
      cause: err,
    });
  }
}

/** A DataFrame with one column per table column; nulls become null, timestamps epoch milliseconds. */
export async function tableToDataFrame(table: Table): Promise<DataFrameLike> {
  const { DataFrame } = await loadDanfo();
  const data: Record<string, unknown[]> = {};
  for (const col of table.columns) {
    if (col.kind === 'string') data[col.name] = col.values.slice(0, table.rowCount);
    else if (col.kind === 'boolean')
      data[col.name] = Array.from({ length: table.rowCount }, (_, i) =>
        col.valid[i] ? col.values[i] === 1 : null,
      );
    else
      data[col.name] = Array.from({ length: table.rowCount }, (_, i) =>
        col.valid[i] ? col.values[i]! : null,
      );
  }
  return new DataFrame(data);
}

/** A Table from a DataFrame: float/int columns → number, boolean → boolean, everything else → string. */
export function dataFrameToTable(df: DataFrameLike): Table {
  const rowCount = df.shape[0] ?? 0;
  const columns = df.columns.map((name, j): Column => {
    const dtype = df.dtypes[j] ?? 'string';
    const values = df.column(name).values;
    if (dtype.startsWith('float') || dtype.startsWith('int')) {
      const out = new Float64Array(rowCount);
      const valid = new Uint8Array(rowCount);
      for (let i = 0; i < rowCount; i++) {
        const v = values[i];
        // danfo writes missing numbers as NaN: treat them as nulls, like pandas.
        const ok = typeof v === 'number' && !Number.isNaN(v);
        valid[i] = ok ? 1 : 0;
        out[i] = ok ? v : Number.NaN;
      }
      return {
        name,
        sqlType: dtype.startsWith('int') ? 'BIGINT' : 'DOUBLE',
        kind: 'number',
        values: out,
        valid,
      };
    }
    if (dtype === 'boolean') {
      const out = new Uint8Array(rowCount);
      const valid = new Uint8Array(rowCount);
      for (let i = 0; i < rowCount; i++) {
        const v = values[i];
        valid[i] = typeof v === 'boolean' ? 1 : 0;
        out[i] = v === true ? 1 : 0;
      }
      return { name, sqlType: 'BOOLEAN', kind: 'boolean', values: out, valid };
    }
    return {
      name,
      sqlType: 'VARCHAR',
      kind: 'string',
      values: Array.from({ length: rowCount }, (_, i) => {
        const v = values[i];
        return v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v)) ? null : String(v);
      }),
    };
  });
  return { rowCount, columns };
}
