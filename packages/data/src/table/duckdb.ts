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

/**
 * The DuckDB table function that reads `path`, after checking it exists. `verbatim` reads every CSV field
 * as the text it is (for copying rows out unchanged); other formats keep their stored types either way.
 */
export function sourceSql(path: string, options: { verbatim?: boolean } = {}): string {
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
      return `read_csv(${sqlString(abs)}, header = true, auto_detect = true${options.verbatim ? ', all_varchar = true' : ''})`;
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

/** Fields in one CSV record, honouring double quotes; `open` is true when a quoted field runs on. */
function countFields(record: string, delim: string): { n: number; open: boolean } {
  let n = 1;
  let quoted = false;
  for (let i = 0; i < record.length; i++) {
    const ch = record[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === delim && !quoted) n++;
  }
  return { n, open: quoted };
}

/**
 * The first record whose field count differs from the header's (the header is always the first line).
 * DuckDB's sniffer, given a ragged file, may read it as one text column or even take a later line for
 * the header and return no rows; checking first keeps CSV reading strict. Lines are 1-based; a quoted
 * field may span lines.
 */
export async function findRaggedRow(
  path: string,
): Promise<
  { line: number; expected: number; found: number; delimiter: string; unterminated?: true } | undefined
> {
  const { createReadStream } = await import('node:fs');
  const { createInterface } = await import('node:readline');
  const lines = createInterface({
    input: createReadStream(resolve(path), { encoding: 'latin1' }),
    crlfDelay: Infinity,
  });
  let delim: string | undefined;
  let expected = 0;
  let lineNo = 0;
  let pending = '';
  let start = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (pending === '') start = lineNo;
      const record = pending === '' ? line : `${pending}\n${line}`;
      if (delim === undefined) {
        // The delimiter is the candidate that splits the header into the most fields.
        delim = [',', '\t', ';', '|'].reduce(
          (best, d) => (countFields(record, d).n > countFields(record, best).n ? d : best),
          ',',
        );
      }
      const counted = countFields(record, delim);
      if (counted.open) {
        pending = record;
        continue;
      }
      pending = '';
      if (expected === 0) {
        expected = counted.n;
        continue;
      }
      if (record === '') continue;
      if (counted.n !== expected) return { line: start, expected, found: counted.n, delimiter: delim };
    }
  } finally {
    lines.close();
  }
  if (pending !== '') return { line: start, expected, found: 0, delimiter: delim ?? ',', unterminated: true };
  return undefined;
}

const checked = new Map<string, string>();

/**
 * Fails with CSV_RAGGED_ROWS, naming the file and line, when a CSV row has more or fewer fields than the
 * header. Each file version (path, size, mtime) is scanned once per process.
 */
export async function assertCsvRectangular(path: string): Promise<void> {
  if (formatOf(path) !== 'csv') return;
  const abs = resolve(path);
  if (!existsSync(abs) || statSync(abs).isDirectory()) return;
  const st = statSync(abs);
  const version = `${st.size}:${st.mtimeMs}`;
  if (checked.get(abs) === version) return;
  const ragged = await findRaggedRow(abs);
  if (ragged) {
    throw new SlipwayError(
      'CSV_RAGGED_ROWS',
      ragged.unterminated
        ? `${path}: line ${ragged.line} opens a quoted field that is never closed`
        : `${path}: line ${ragged.line} has ${ragged.found} fields, but the header (line 1) has ${ragged.expected}`,
      {
        hint: 'every CSV row needs the same number of fields as the header; quote fields that contain the delimiter',
        details: ragged,
      },
    );
  }
  checked.set(abs, version);
}
