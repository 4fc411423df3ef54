/**
 * Serving benchmark: single-row predictions over HTTP (POST /predict) at concurrency 1, 16 and 64,
 * with and without micro-batching, and the router's overhead against the same server with routing off.
 * Run by hand: `node bench/serve/run.ts [seconds-per-run]` (Node 24). Prints one table and the ratios.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const here = dirname(fileURLToPath(import.meta.url));
const seconds = Number(process.argv[2] ?? 8);

// The server runs in its own process from a bundle, and serves a package trained by @slipway/training:
// both prebuilt by build.ts (run.mjs sits beside server.mjs and package/) or built now.
const prebuilt = join(here, 'server.mjs');
const cache = join(here, '..', '..', 'packages', 'serving', 'node_modules', '.cache', 'slipway-bench');
let outfile = prebuilt;
let packageDir = join(here, 'package');
if (!existsSync(prebuilt)) {
  const b = await import('./build.ts');
  outfile = await b.bundleServer(cache);
  packageDir = await b.trainPackage(cache);
}
const signature = JSON.parse(readFileSync(join(packageDir, 'signature.json'), 'utf8')) as {
  name: string;
  inputs: { name: string; kind: string }[];
};
const sample: Record<string, unknown> = {
  number: 0.5,
  string: 'a',
  boolean: true,
  timestamp: '2001-01-01T10:00:00Z',
};
const row = Object.fromEntries(signature.inputs.map((i) => [i.name, sample[i.kind]]));
const work = await mkdtemp(join(tmpdir(), 'slipway-bench-'));
await cp(packageDir, work, { recursive: true });

async function startServer(
  batching: 'on' | 'off',
  routing: 'off' | 'stable' | 'canary50',
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [outfile, work, batching, routing], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /READY (\S+)/.exec(buf);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { url, child };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

interface Row {
  config: string;
  concurrency: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

const body = JSON.stringify({ rows: [row] });

async function measure(url: string, connections: number, duration: number) {
  const result = await autocannon({
    url: `${url}/predict`,
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        method: 'POST',
        path: '/predict',
        body,
        headers: { 'content-type': 'application/json', 'x-slipway-key': 'u[<id>]' },
      },
    ],
    idReplacement: true,
    connections,
    duration,
  });
  return result;
}

const rows: Row[] = [];
const configs: { name: string; batching: 'on' | 'off'; routing: 'off' | 'stable' | 'canary50' }[] = [
  { name: 'micro-batching, router on', batching: 'on', routing: 'stable' },
  { name: 'no batching, router on', batching: 'off', routing: 'stable' },
  { name: 'micro-batching, routing off', batching: 'on', routing: 'off' },
  { name: 'micro-batching, canary 50%', batching: 'on', routing: 'canary50' },
];
for (const c of configs) {
  const { url, child } = await startServer(c.batching, c.routing);
  await measure(url, 16, 2); // warm-up (JIT, tfjs kernels)
  for (const concurrency of [1, 16, 64]) {
    const r = await measure(url, concurrency, seconds);
    rows.push({
      config: c.name,
      concurrency,
      rps: r.requests.average,
      p50: r.latency.p50,
      p99: r.latency.p99,
      errors: r.errors + r.non2xx,
    });
  }
  await stop(child);
}
await rm(work, { recursive: true, force: true });

const pad = (s: string, n: number) => s.padEnd(n);
process.stdout.write(
  `\nslipway serve: single-row POST /predict, ${seconds}s per run, ${availableParallelism()} CPUs, Node ${process.versions.node}, tfjs cpu backend\n` +
    `package: ${signature.name} (trained by @slipway/training; inputs ${signature.inputs.map((i) => `${i.name}:${i.kind}`).join(', ')})\n`,
);
process.stdout.write(
  `${pad('config', 30)}${pad('conc', 6)}${pad('req/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}errors\n`,
);
for (const r of rows) {
  process.stdout.write(
    `${pad(r.config, 30)}${pad(String(r.concurrency), 6)}${pad(r.rps.toFixed(0), 10)}${pad(r.p50.toFixed(2), 9)}${pad(r.p99.toFixed(2), 9)}${r.errors}\n`,
  );
}
const get = (config: string, c: number) =>
  rows.find((r) => r.config === config && r.concurrency === c) as Row;
process.stdout.write('\n');
for (const c of [16, 64]) {
  const on = get('micro-batching, router on', c);
  const off = get('micro-batching, routing off', c);
  const nob = get('no batching, router on', c);
  process.stdout.write(
    `concurrency ${c}: router overhead ${(((off.rps - on.rps) / off.rps) * 100).toFixed(1)}% (req/s routing off / on = ${(off.rps / on.rps).toFixed(3)}); micro-batching speed-up ${(on.rps / nob.rps).toFixed(2)}×\n`,
  );
}
const best = get('micro-batching, router on', 64);
process.stdout.write(
  `target ≥ 10,000 req/s at p99 ≤ 20 ms with micro-batching: ${best.rps.toFixed(0)} req/s at p99 ${best.p99.toFixed(1)} ms → ${best.rps >= 10_000 && best.p99 <= 20 ? 'met' : 'NOT met'}\n`,
);
