// bench/drift: Slipway vs Evidently DataDriftPreset on the flight-delay example data.
//   bash bench/drift/setup.sh                 # once: .venv-bench with the pinned Evidently
//   pnpm --filter @slipway/data build
//   node bench/drift/run.ts
// Reference = flights Jan–Mar 2001, current = June 2001, both cut from flights-3m.parquet with DuckDB.
// Each side runs in its own fresh process (parquet files → full drift report), so peak RSS is comparable.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, sqlString } from '../../packages/data/dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const python = join(root, '.venv-bench/bin/python');
if (!existsSync(python)) {
  console.error('missing .venv-bench: run `bash bench/drift/setup.sh` first');
  process.exit(2);
}
if (!existsSync(join(root, 'packages/data/dist/index.js'))) {
  console.error('missing packages/data/dist: run `pnpm --filter @slipway/data build` first');
  process.exit(2);
}

// vega-datasets does not export package.json; resolve its main entry from the example app instead.
const appRequire = createRequire(join(root, 'apps/flight-delay/package.json'));
let datasets: string;
try {
  datasets = dirname(appRequire.resolve('vega-datasets/package.json'));
} catch {
  const main = appRequire.resolve('vega-datasets');
  datasets = main.slice(0, main.lastIndexOf('vega-datasets') + 'vega-datasets'.length);
}
const flights = join(datasets, 'data/flights-3m.parquet');

const work = mkdtempSync(join(tmpdir(), 'slipway-bench-drift-'));
const ref = join(work, 'reference-jan-mar.parquet');
const cur = join(work, 'current-jun.parquet');
const c = await connect();
await c.run(
  `COPY (SELECT * FROM read_parquet(${sqlString(flights)}) WHERE month(date) BETWEEN 1 AND 3) TO ${sqlString(ref)} (FORMAT parquet)`,
);
await c.run(
  `COPY (SELECT * FROM read_parquet(${sqlString(flights)}) WHERE month(date) = 6) TO ${sqlString(cur)} (FORMAT parquet)`,
);
c.closeSync();

interface Side {
  seconds: number;
  max_rss_mb: number;
  share: number;
  columns: Record<string, { method: string; score: number; threshold: number; drifted: boolean }>;
}
const run = (cmd: string, args: string[]): Side =>
  JSON.parse(
    execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 })
      .trim()
      .split('\n')
      .pop()!,
  );

const ours = run(process.execPath, [join(here, 'ours.ts'), 'drift', ref, cur]);
const evidently = run(python, [join(here, 'evidently_run.py'), ref, cur]);

// Evidently's display names → our method ids.
const METHOD: Record<string, string> = {
  'K-S p_value': 'ks',
  'chi-square p_value': 'chisquare',
  'Z-test p_value': 'z',
  'Wasserstein distance (normed)': 'wasserstein',
  'Jensen-Shannon distance': 'jensenshannon',
  PSI: 'psi',
};

function compare(title: string, us: Side, ev: Side): void {
  console.log(`\n== ${title}`);
  console.log(
    'column        method (us / Evidently)            score us         score Evidently  drift us/Ev  agree',
  );
  let same = 0;
  let agree = 0;
  for (const [name, e] of Object.entries(ev.columns)) {
    const u = us.columns[name];
    const evMethod = METHOD[e.method] ?? e.method;
    const ok = u !== undefined && u.drifted === e.drifted;
    if (u?.method === evMethod) {
      same++;
      if (ok) agree++;
    }
    console.log(
      `${name.padEnd(13)} ${`${u?.method ?? '–'} / ${evMethod}`.padEnd(34)} ${String(u?.score.toPrecision(10) ?? '–').padEnd(16)} ${e.score.toPrecision(10).padEnd(16)} ${`${u?.drifted ?? '–'}/${e.drifted}`.padEnd(12)} ${ok ? 'yes' : 'NO'}`,
    );
  }
  const extra = Object.keys(us.columns).filter((n) => !(n in ev.columns));
  if (extra.length) console.log(`columns only we tested: ${extra.join(', ')}`);
  console.log(`decisions: same method on ${same} columns, same decision on ${agree}/${same}`);
  console.log(`dataset drift share: us ${us.share}, Evidently ${ev.share}`);
}

console.log(`reference ${ref} · current ${cur}`);
compare('flights: reference Jan–Mar 2001, current June 2001', ours, evidently);
console.log('');
console.log(
  `time: us ${ours.seconds.toFixed(3)} s, Evidently ${evidently.seconds.toFixed(3)} s → ${(evidently.seconds / ours.seconds).toFixed(1)}× faster`,
);
console.log(
  `peak RSS: us ${ours.max_rss_mb.toFixed(0)} MiB, Evidently ${evidently.max_rss_mb.toFixed(0)} MiB → ${(ours.max_rss_mb / evidently.max_rss_mb).toFixed(2)} of Evidently's memory`,
);

// Small references (≤ 1000 rows) exercise the other half of Evidently's choice: K-S, chi-square, Z.
const sref = join(work, 'small-ref.parquet');
const scur = join(work, 'small-cur.parquet');
execFileSync(python, [join(here, 'make_small.py'), sref, scur]);
compare(
  'synthetic small reference (800 vs 600 rows: numeric, 4-valued, categorical, binary, integer)',
  run(process.execPath, [join(here, 'ours.ts'), 'drift', sref, scur]),
  run(python, [join(here, 'evidently_run.py'), sref, scur]),
);

// Profile throughput on the whole 3M-row file.
const prof = run(process.execPath, [join(here, 'ours.ts'), 'profile', flights]) as unknown as {
  seconds: number;
  rows: number;
  max_rss_mb: number;
};
const fileMb = statSync(flights).size / 1e6;
// Decoded size: 8 bytes per numeric/timestamp value, plus the UTF-8 bytes of the string values.
const d = await connect();
const size = await d.runAndReadAll(
  `SELECT sum(8 * 3 + strlen(origin) + strlen(destination))::DOUBLE AS b FROM read_parquet(${sqlString(flights)})`,
);
d.closeSync();
const decodedMb = Number(size.getRowObjects()[0]!.b) / 1e6;
console.log(
  `profile of flights-3m (${prof.rows} rows, ${fileMb.toFixed(1)} MB parquet, ${decodedMb.toFixed(1)} MB decoded): ${prof.seconds.toFixed(3)} s → ${(fileMb / prof.seconds).toFixed(1)} MB/s of parquet, ${(decodedMb / prof.seconds).toFixed(1)} MB/s decoded, peak RSS ${prof.max_rss_mb.toFixed(0)} MiB`,
);
rmSync(work, { recursive: true, force: true });
