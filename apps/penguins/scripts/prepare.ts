// Builds the example's splits from the 344 Palmer penguins shipped in the npm package vega-datasets.
// Deterministic: same input file + same DuckDB version → byte-identical Parquet files.
//
//   node scripts/prepare.ts [--out <dir>]     (default: data/)
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';

/**
 * Torgersen island is held out whole as a monitoring window that is drifted on purpose (only Adelie
 * penguins live there, and training never sees the island). The Biscoe and Dream rows are shuffled with
 * a fixed seed within each species and cut 3 : 1 : 1 into train, eval and a monitoring window that
 * follows the training distribution.
 */
export const SPLITS = {
  train: { where: "island <> 'Torgersen' AND part < 3", file: 'train.parquet' },
  eval: { where: "island <> 'Torgersen' AND part = 3", file: 'eval.parquet' },
  'monitor-recent': { where: "island <> 'Torgersen' AND part = 4", file: 'monitor-recent.parquet' },
  'monitor-torgersen': { where: "island = 'Torgersen'", file: 'monitor-torgersen.parquet' },
} as const;

/** The shuffle's seed: part of the md5 key that orders rows within a species. */
export const SHUFFLE_SEED = 'slipway-penguins-1';

/** A file of the vega-datasets package's data/ folder, e.g. `penguins.json`. */
export function vegaDatasetsFile(name: string): string {
  // The package exports only its JS entry (build/index.js); the data folder sits beside build/.
  const require = createRequire(import.meta.url);
  return join(dirname(dirname(require.resolve('vega-datasets'))), 'data', name);
}

const q = (s: string) => `'${s.replaceAll("'", "''")}'`;

export async function prepare(
  outDir: string,
  log: (line: string) => void = () => {},
): Promise<Record<string, { path: string; rows: number }>> {
  mkdirSync(outDir, { recursive: true });
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const c = await db.connect();
  // Snake-case names (the source has "Beak Length (mm)"), and the one "." in Sex is a data-entry
  // placeholder, not a third value: it becomes null like the other unknown sexes.
  await c.run(`
    CREATE VIEW source AS
    SELECT
      "Species" AS species,
      "Island" AS island,
      CAST("Beak Length (mm)" AS DOUBLE) AS beak_length_mm,
      CAST("Beak Depth (mm)" AS DOUBLE) AS beak_depth_mm,
      CAST("Flipper Length (mm)" AS INTEGER) AS flipper_length_mm,
      CAST("Body Mass (g)" AS INTEGER) AS body_mass_g,
      CASE WHEN "Sex" IN ('MALE', 'FEMALE') THEN "Sex" END AS sex
    FROM read_json(${q(vegaDatasetsFile('penguins.json'))}, format = 'array')`);
  // A stable id: the position in a full sort of the rows (no two source rows are identical).
  await c.run(`
    CREATE VIEW with_id AS
    SELECT row_number() OVER (
      ORDER BY species, island, beak_length_mm, beak_depth_mm, flipper_length_mm, body_mass_g, sex NULLS LAST
    ) AS id, *
    FROM source`);
  await c.run(`
    CREATE VIEW penguins AS
    SELECT *, CAST(floor(5 * (rank_in_species - 1) / species_rows) AS INTEGER) AS part
    FROM (
      SELECT *,
        row_number() OVER (PARTITION BY species ORDER BY md5(${q(SHUFFLE_SEED)} || ':' || id)) AS rank_in_species,
        count(*) OVER (PARTITION BY species) AS species_rows
      FROM with_id
      WHERE island <> 'Torgersen'
    )
    UNION ALL BY NAME
    SELECT *, NULL AS part FROM with_id WHERE island = 'Torgersen'`);
  const columns = 'id, species, island, beak_length_mm, beak_depth_mm, flipper_length_mm, body_mass_g, sex';
  const result: Record<string, { path: string; rows: number }> = {};
  for (const [name, split] of Object.entries(SPLITS)) {
    const path = join(outDir, split.file);
    const tmp = `${path}.tmp`;
    rmSync(tmp, { force: true });
    await c.run(
      `COPY (SELECT ${columns} FROM penguins WHERE ${split.where} ORDER BY id)
       TO ${q(tmp)} (FORMAT parquet, COMPRESSION zstd)`,
    );
    renameSync(tmp, path);
    const rows = Number(
      (await c.runAndReadAll(`SELECT count(*)::DOUBLE AS n FROM read_parquet(${q(path)})`)).getRowObjects()[0]
        ?.n,
    );
    result[name] = { path, rows };
    log(`${name.padEnd(18)} ${String(rows).padStart(4)} rows  → ${path}`);
  }
  c.closeSync();
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'data' } } });
  const out = resolve(values.out ?? 'data');
  await prepare(out, (line) => process.stderr.write(`${line}\n`));
}
