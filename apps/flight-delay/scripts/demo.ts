// `pnpm demo`: the whole Slipway pull-request pipeline on the flight-delay example, with the embedded
// store and no server. Every step is a `slipway` command, exactly as a user or the Actions run it; the
// steps are the shared runner's (scripts/demo/pipeline.ts), this file says what is flight-delay's own.
//
//   node apps/flight-delay/scripts/demo.ts [--change] [--workdir <dir>] [--json-summary <file>]
//
// --change sets SLIPWAY_DEMO_CHANGE=1, which slipway.config.ts reads: the route feature gets 1,024 hash
// buckets instead of 256 and training runs one more epoch. The data is unchanged, so its stages are cache
// hits; training reruns and the evaluation compares the new candidate with the champion.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { runDemo } from '../../../scripts/demo/pipeline.ts';
import { prepare, SPLITS } from './prepare.ts';

/** The first 20,000 flights of the May window, replayed as live traffic during the canary. */
async function mayTraffic(dataDir: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const reader = await c.runAndReadAll(
    `SELECT hour, day_of_week, distance, origin, destination, route FROM read_parquet('${join(dataDir, SPLITS['monitor-may'].file)}') ORDER BY id LIMIT 20000`,
  );
  const rows = reader.getRowObjectsJson() as Record<string, unknown>[];
  c.closeSync();
  return rows;
}

await runDemo({
  appDir: resolve(dirname(fileURLToPath(import.meta.url)), '..'),
  model: 'flight-delay',
  change: 'route hash buckets 256 → 1024, one more epoch',
  titles: {
    prepare: 'prepare data (vega-datasets flights-3m → train Jan–Mar, eval Apr, monitor May + Jun)',
    validate: 'validate the eval split against the training schema, and check drift',
    canary: 'canary rollout with traffic replayed from the May window',
    monitor: 'monitor May and June against the training profile',
  },
  // Building the splits from 3 million flights takes a while: a --workdir starts from the app's if it has them.
  data: { files: Object.values(SPLITS).map((s) => s.file), prepare, unit: 'MiB', seedWorkdir: true },
  // The reviewed schema.json of the project (README: inferred from train, ranges widened for later months).
  validation: { inferMissingSchema: true, driftMarkdown: true },
  metrics: ['roc_auc', 'log_loss', 'f1'],
  traffic: { rows: mayTraffic, batch: 8, keyPrefix: 'user', keys: 5000, label: 'of May traffic' },
  firstReleaseHint:
    'run `pnpm demo --change` to see a canary of the next version against it, with analysis and rollback.',
});
