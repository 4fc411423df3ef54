// Builds the sample dataset `slipway init` copies into a new project (templates/penguins/): the Palmer
// penguins of the npm package vega-datasets 3.2.1 (CC0 1.0), as a binary task: is the penguin male?
// Deterministic; run from the repository root with the workspace installed:
//
//   node packages/cli/scripts/sample-data.ts
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const here = dirname(new URL(import.meta.url).pathname);
const out = join(here, '..', 'templates', 'penguins');
const require = createRequire(join(here, '..', '..', '..', 'apps', 'penguins', 'package.json'));
const source = join(dirname(dirname(require.resolve('vega-datasets'))), 'data', 'penguins.json');

// DuckDB is a dependency of @slipway/data, not of the CLI.
const { DuckDBInstance } = (await import(
  pathToFileURL(createRequire(join(here, '..', '..', 'data', 'package.json')).resolve('@duckdb/node-api'))
    .href
)) as typeof import('@duckdb/node-api');
const db = await DuckDBInstance.create(':memory:', { threads: '1' });
const c = await db.connect();
// Rows without a recorded sex have no label and are left out; the id is the position in a full sort.
await c.run(`
  CREATE VIEW penguins AS
  SELECT row_number() OVER (ORDER BY species, island, beak_length_mm, beak_depth_mm, flipper_length_mm, body_mass_g) AS id, *
  FROM (
    SELECT "Species" AS species, "Island" AS island,
      CAST("Beak Length (mm)" AS DOUBLE) AS beak_length_mm, CAST("Beak Depth (mm)" AS DOUBLE) AS beak_depth_mm,
      CAST("Flipper Length (mm)" AS INTEGER) AS flipper_length_mm, CAST("Body Mass (g)" AS INTEGER) AS body_mass_g,
      CASE "Sex" WHEN 'MALE' THEN 1 ELSE 0 END AS male
    FROM read_json('${source}', format = 'array')
    WHERE "Sex" IN ('MALE', 'FEMALE'))`);
// Two rows in three train, one in three eval, shuffled by a fixed md5 key.
const split = (part: string) =>
  c.runAndReadAll(
    `SELECT * FROM penguins WHERE CAST(('0x' || substr(md5('slipway-sample-1:' || id), 1, 8)) AS BIGINT) % 3 ${part} ORDER BY id`,
  );
for (const [name, cond] of [
  ['train.csv', '< 2'],
  ['eval.csv', '= 2'],
] as const) {
  const reader = await split(cond);
  const names = reader.columnNames();
  const rows = reader.getRowObjectsJS().map((r) => names.map((n) => String(r[n])).join(','));
  writeFileSync(join(out, name), `${names.join(',')}\n${rows.join('\n')}\n`);
  console.log(`${name}: ${rows.length} rows`);
}
