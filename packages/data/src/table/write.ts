import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { commitTemp, reserveTemp } from '@slipway/core';
import { connect, datasetError, formatOf, sqlIdent, sqlString } from './duckdb.js';
import type { Table } from './types.js';

// Timestamps travel as epoch milliseconds (DOUBLE) and become TIMESTAMP again in the COPY.
const SQL_TYPE = { number: 'DOUBLE', timestamp: 'DOUBLE', string: 'VARCHAR', boolean: 'BOOLEAN' } as const;

/** Writes a table as Parquet, CSV or JSON lines (by extension), atomically. */
export async function writeTable(table: Table, path: string): Promise<void> {
  const format = formatOf(path);
  const abs = resolve(path);
  const tmp = reserveTemp(abs);
  const c = await connect();
  const name = `t_${process.pid}_${Math.random().toString(36).slice(2)}`;
  try {
    await c.run(
      `CREATE TABLE ${name} (${table.columns.map((col) => `${sqlIdent(col.name)} ${SQL_TYPE[col.kind]}`).join(', ')})`,
    );
    const appender = await c.createAppender(name);
    for (let i = 0; i < table.rowCount; i++) {
      for (const col of table.columns) {
        if (col.kind === 'string') {
          const v = col.values[i];
          if (v === null || v === undefined) appender.appendNull();
          else appender.appendVarchar(v);
        } else if (col.valid[i] === 0) appender.appendNull();
        else if (col.kind === 'boolean') appender.appendBoolean(col.values[i] === 1);
        else appender.appendDouble(col.values[i]!);
      }
      appender.endRow();
    }
    appender.closeSync();
    const options =
      format === 'parquet'
        ? '(FORMAT parquet)'
        : format === 'csv'
          ? '(FORMAT csv, HEADER true)'
          : '(FORMAT json)';
    const select = table.columns
      .map((col) =>
        col.kind === 'timestamp'
          ? `epoch_ms(CAST(${sqlIdent(col.name)} AS BIGINT)) AS ${sqlIdent(col.name)}`
          : sqlIdent(col.name),
      )
      .join(', ');
    await c.run(`COPY (SELECT ${select} FROM ${name}) TO ${sqlString(tmp)} ${options}`);
    await commitTemp(tmp, abs);
  } catch (err) {
    await rm(tmp, { force: true });
    throw datasetError(err, path);
  } finally {
    await c.run(`DROP TABLE IF EXISTS ${name}`).catch(() => {});
    c.closeSync();
  }
}
