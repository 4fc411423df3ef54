import { existsSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { SlipwayError } from '@slipway/core';

export type DatasetFormat = 'parquet' | 'csv' | 'jsonl';

let instance: Promise<DuckDBInstance> | undefined;

/** One in-memory DuckDB per process; each caller gets its own connection. */
export async function connect(): Promise<DuckDBConnection> {
  instance ??= DuckDBInstance.create(':memory:');
  return (await instance).connect();
}

export function formatOf(path: string): DatasetFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  throw new SlipwayError('DATASET_FORMAT', `${path}: unknown dataset format "${ext || '(no extension)'}"`, {
    hint: 'use .parquet, .csv (or .tsv) or .jsonl/.ndjson',
  });
}

export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The DuckDB table function that reads `path`, after checking it exists. */
export function sourceSql(path: string): string {
  const abs = resolve(path);
  if (!existsSync(abs)) {
    throw new SlipwayError('DATASET_NOT_FOUND', `${path}: dataset not found`, {
      hint: 'check the path (relative paths resolve against the project directory)',
    });
  }
  if (statSync(abs).isDirectory()) {
    throw new SlipwayError('DATASET_IS_DIRECTORY', `${path}: is a directory, expected a dataset file`, {
      hint: 'point at one .parquet/.csv/.jsonl file',
    });
  }
  switch (formatOf(abs)) {
    case 'parquet':
      return `read_parquet(${sqlString(abs)})`;
    case 'csv':
      return `read_csv(${sqlString(abs)}, header = true, auto_detect = true)`;
    case 'jsonl':
      return `read_json_auto(${sqlString(abs)}, format = 'newline_delimited')`;
  }
}

/** Wraps DuckDB failures (bad bytes, ragged rows, unknown columns) as errors that name the file. */
export function datasetError(err: unknown, path: string): SlipwayError {
  if (err instanceof SlipwayError) return err;
  const message = String((err as Error)?.message ?? err)
    .split('\n')
    .slice(0, 3)
    .join(' ');
  return new SlipwayError('DATASET_UNREADABLE', `${path}: ${message}`, {
    hint: 'check that the file is a valid dataset of its extension (CSV rows with the same number of fields, UTF-8 text, a complete Parquet file)',
    cause: err,
  });
}

/** Fields in one CSV line, honouring double quotes (a quoted field may hold the delimiter). */
function countFields(line: string, delim: string): number {
  let n = 1;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === delim && !quoted) n++;
  }
  return n;
}

/**
 * The first row whose field count differs from the header's, for CSV files DuckDB's sniffer could
 * only read as one column (it gives up on the dialect when rows are ragged). Lines are 1-based.
 */
export async function findRaggedRow(
  path: string,
): Promise<{ line: number; expected: number; found: number; delimiter: string } | undefined> {
  const { createReadStream } = await import('node:fs');
  const { createInterface } = await import('node:readline');
  const lines = createInterface({
    input: createReadStream(resolve(path), { encoding: 'latin1' }),
    crlfDelay: Infinity,
  });
  let header: string | undefined;
  let delim = ',';
  let expected = 0;
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (header === undefined) {
        header = line;
        // The delimiter is the candidate that splits the header into the most fields.
        delim = [',', '\t', ';', '|'].reduce(
          (best, d) => (countFields(line, d) > countFields(line, best) ? d : best),
          ',',
        );
        expected = countFields(line, delim);
        if (expected === 1) return undefined;
        continue;
      }
      if (line === '') continue;
      const found = countFields(line, delim);
      if (found !== expected) return { line: lineNo, expected, found, delimiter: delim };
    }
  } finally {
    lines.close();
  }
  return undefined;
}
