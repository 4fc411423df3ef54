// bench/tracking: log 100,000 metric points to one MLflow server (sqlite backend, started here) with our
// undici client and with MLflow's own Python MlflowClient.log_batch; print the ratio. Then the local store's
// throughput. Each side logs into its own fresh run; only the logging itself is timed (no imports, no startup).
// Usage (from the repo root):
//   pnpm --filter @slipway/core --filter @slipway/tracking build
//   node bench/tracking/run.ts [--points 100000]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStore, type MetricPoint, MlflowStore } from '../../packages/tracking/dist/index.js';
import { startMlflow, VENV_BIN } from '../../tests/support/mlflow.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const N = flag('points', 100_000);
const KEYS = 10;
const t0 = 1_700_000_000_000;

function points(): MetricPoint[] {
  const per = N / KEYS;
  const out: MetricPoint[] = [];
  for (let k = 0; k < KEYS; k++)
    for (let s = 0; s < per; s++)
      out.push({ key: `metric_${k}`, value: Math.sin(s + k), timestamp: t0 + s, step: s });
  return out;
}

const server = await startMlflow();
let round = 0;

async function ours(concurrency: number): Promise<number> {
  const store = new MlflowStore(server.url, { concurrency });
  const e = await store.getOrCreateExperiment(`bench-ours-${++round}`);
  const run = await store.createRun(e.id);
  const data = points();
  const start = performance.now();
  await store.logMetrics(run.id, data);
  const seconds = (performance.now() - start) / 1000;
  let stored = 0;
  for (let k = 0; k < KEYS; k++) stored += (await store.getMetricHistory(run.id, `metric_${k}`)).length;
  if (stored !== N) throw new Error(`ours: ${stored} points stored, expected ${N}`);
  await store.close();
  return seconds;
}

function python(): number {
  const py = `
import json, math, time
from mlflow import MlflowClient
from mlflow.entities import Metric
c = MlflowClient()
e = c.create_experiment("bench-python-${++round}")
r = c.create_run(e).info.run_id
N, K, t0 = ${N}, ${KEYS}, ${t0}
per = N // K
ms = [Metric(f"metric_{k}", math.sin(s + k), t0 + s, s) for k in range(K) for s in range(per)]
start = time.perf_counter()
for i in range(0, len(ms), 1000):
    c.log_batch(r, metrics=ms[i:i + 1000])
sec = time.perf_counter() - start
n = sum(len(c.get_metric_history(r, f"metric_{k}")) for k in range(K))
print(json.dumps({"seconds": sec, "stored": n}))
`;
  const out = execFileSync(join(VENV_BIN, 'python'), ['-c', py], {
    env: { ...process.env, MLFLOW_TRACKING_URI: server.url },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const result = JSON.parse(out.trim().split('\n').pop() as string) as { seconds: number; stored: number };
  if (result.stored !== N) throw new Error(`python: ${result.stored} points stored, expected ${N}`);
  return result.seconds;
}

const rate = (seconds: number) =>
  `${seconds.toFixed(2)} s  ${Math.round(N / seconds).toLocaleString('en')} points/s`;
try {
  // ABBA order (ours, Python, Python, ours) so that a server or machine that slows down over time
  // (a growing sqlite file, other load) does not favour either side.
  const o1 = await ours(1);
  console.log(`ours, sequential (as Python)   #1  ${rate(o1)}`);
  const p1 = python();
  console.log(`Python MlflowClient.log_batch  #1  ${rate(p1)}`);
  const p2 = python();
  console.log(`Python MlflowClient.log_batch  #2  ${rate(p2)}`);
  const o2 = await ours(1);
  console.log(`ours, sequential (as Python)   #2  ${rate(o2)}`);
  const o4 = await ours(4);
  console.log(`ours, 4 requests in flight         ${rate(o4)}`);
  const oursMean = (o1 + o2) / 2;
  const pyMean = (p1 + p2) / 2;
  console.log(
    `ratio Python time / our time (sequential, mean of 2): ${(pyMean / oursMean).toFixed(2)}x (>1: ours faster)`,
  );
  console.log(`ratio Python time / our time (4 in flight):           ${(pyMean / o4).toFixed(2)}x`);

  // Local store: 100 calls of 1,000 points (one locked append each), then one call of all points.
  const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-local-'));
  try {
    const local = new LocalStore(dir);
    const e = await local.getOrCreateExperiment('bench');
    const data = points();
    const runA = await local.createRun(e.id);
    let start = performance.now();
    for (let i = 0; i < data.length; i += 1000) await local.logMetrics(runA.id, data.slice(i, i + 1000));
    const batched = (performance.now() - start) / 1000;
    const runB = await local.createRun(e.id);
    start = performance.now();
    await local.logMetrics(runB.id, data);
    const single = (performance.now() - start) / 1000;
    start = performance.now();
    const read = (await local.getMetricHistory(runA.id, 'metric_0')).length;
    const readSeconds = (performance.now() - start) / 1000;
    console.log(
      `local store, 1,000-point calls:     ${Math.round(N / batched).toLocaleString('en')} points/s`,
    );
    console.log(
      `local store, one ${N.toLocaleString('en')}-point call: ${Math.round(N / single).toLocaleString('en')} points/s`,
    );
    console.log(
      `local store, read back ${read.toLocaleString('en')} of ${N.toLocaleString('en')} points: ${readSeconds.toFixed(2)} s`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} finally {
  await server.stop();
}
