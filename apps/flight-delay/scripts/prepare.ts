// Builds the example's splits from the 3 million US flights (Jan–Jun 2001) shipped in the npm package
// vega-datasets. Deterministic: same input file + same DuckDB version → byte-identical Parquet files.
//
//   node scripts/prepare.ts [--out <dir>]     (default: data/)
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';

export const SPLITS = {
  train: { from: '2001-01-01', to: '2001-04-01', file: 'train.parquet' },
  eval: { from: '2001-04-01', to: '2001-05-01', file: 'eval.parquet' },
  'monitor-may': { from: '2001-05-01', to: '2001-06-01', file: 'monitor-may.parquet' },
  'monitor-jun': { from: '2001-06-01', to: '2001-07-01', file: 'monitor-jun.parquet' },
} as const;

/** Minutes of departure delay above which a flight counts as delayed (the US DOT on-time definition). */
export const DELAY_MINUTES = 15;

export function flightsFile(): string {
  // The package exports only its JS entry (build/index.js); the data folder sits beside build/.
  const require = createRequire(import.meta.url);
  return join(dirname(dirname(require.resolve('vega-datasets'))), 'data', 'flights-3m.parquet');
}

const q = (s: string) => `'${s.replaceAll("'", "''")}'`;

export async function prepare(
  outDir: string,
  log: (line: string) => void = () => {},
): Promise<Record<string, { path: string; rows: number }>> {
  mkdirSync(outDir, { recursive: true });
  const source = flightsFile();
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const c = await db.connect();
  // One base view: a stable id (row order of a full sort), the label, and the features a user would derive.
  await c.run(`
    CREATE VIEW flights AS
    SELECT
      row_number() OVER (ORDER BY date, origin, destination, distance, delay) AS id,
      date,
      CAST(hour(date) AS INTEGER) AS hour,
      CAST(dayofweek(date) AS INTEGER) AS day_of_week,
      CAST(month(date) AS INTEGER) AS month,
      CAST(distance AS INTEGER) AS distance,
      origin,
      destination,
      origin || '-' || destination AS route,
      CAST(delay > ${DELAY_MINUTES} AS INTEGER) AS delayed
    FROM read_parquet(${q(source)})`);
  const result: Record<string, { path: string; rows: number }> = {};
  for (const [name, split] of Object.entries(SPLITS)) {
    const path = join(outDir, split.file);
    const tmp = `${path}.tmp`;
    rmSync(tmp, { force: true });
    await c.run(
      `COPY (SELECT * FROM flights WHERE date >= TIMESTAMP ${q(split.from)} AND date < TIMESTAMP ${q(split.to)} ORDER BY id)
       TO ${q(tmp)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)`,
    );
    renameSync(tmp, path);
    const rows = Number(
      (await c.runAndReadAll(`SELECT count(*)::DOUBLE AS n FROM read_parquet(${q(path)})`)).getRowObjects()[0]
        ?.n,
    );
    result[name] = { path, rows };
    log(
      `${name.padEnd(12)} ${split.from} .. ${split.to}  ${rows.toLocaleString('en-US').padStart(9)} rows  → ${path}`,
    );
  }
  c.closeSync();
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'data' } } });
  const out = resolve(values.out ?? 'data');
  const started = Date.now();
  await prepare(out, (line) => process.stderr.write(`${line}\n`));
  process.stderr.write(`prepared in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
}
