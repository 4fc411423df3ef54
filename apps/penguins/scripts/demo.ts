// `pnpm demo:penguins`: the Slipway pull-request pipeline on the multiclass penguins example, with the
// embedded store and no server. Every step is a `slipway` command, exactly as a user or the Actions run it;
// the steps are the shared runner's (scripts/demo/pipeline.ts), this file says what is penguins' own.
//
//   node apps/penguins/scripts/demo.ts [--change] [--workdir <dir>] [--json-summary <file>]
//
// --change sets SLIPWAY_DEMO_CHANGE=1, which slipway.config.ts reads: the model becomes gradient-boosted
// trees (model.type 'gbdt') instead of the MLP. The data is unchanged, so its stages are cache hits;
// training reruns and the evaluation compares the trees with the MLP champion.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { runDemo } from '../../../scripts/demo/pipeline.ts';
import { prepare, SPLITS } from './prepare.ts';

/** The penguins of the "recent" window, replayed as live traffic during the canary. */
async function recentTraffic(dataDir: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const reader = await c.runAndReadAll(
    `SELECT island, beak_length_mm, beak_depth_mm, flipper_length_mm, body_mass_g, sex
     FROM read_parquet('${join(dataDir, SPLITS['monitor-recent'].file)}') ORDER BY id`,
  );
  const rows = reader.getRowObjectsJson() as Record<string, unknown>[];
  c.closeSync();
  return rows;
}

await runDemo({
  appDir: resolve(dirname(fileURLToPath(import.meta.url)), '..'),
  model: 'penguins',
  change: 'the MLP becomes gradient-boosted trees',
  titles: {
    prepare: 'prepare data (vega-datasets penguins → train / eval / monitor recent + Torgersen island)',
    validate: 'validate the eval split against the reviewed schema, and check drift',
    canary: 'canary rollout with traffic replayed from the recent window',
    monitor: 'monitor the recent window and Torgersen island against the training profile',
  },
  data: { files: Object.values(SPLITS).map((s) => s.file), prepare, unit: 'KiB' },
  metrics: ['accuracy', 'macro_f1', 'log_loss'],
  traffic: {
    rows: recentTraffic,
    batch: 4,
    keyPrefix: 'field-team',
    keys: 500,
    label: 'from the recent window',
  },
  firstReleaseHint: 'run `pnpm demo:penguins --change` to see the trees rolled out as a canary against it.',
});
