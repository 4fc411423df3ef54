/**
 * bench/serve vs a real peer: MLServer (PyPI `mlserver` + `mlserver-lightgbm`, the runtime KServe uses)
 * serving an equivalent LightGBM model against `slipway serve` with a Slipway gbdt package trained on the
 * same rows with the same hyper-parameters, both over OIP v2 REST (`POST /v2/models/<m>/infer`, JSON
 * tensors: Slipway one tensor per input column, MLServer's LightGBM runtime one [n, 8] tensor, the same
 * values). Single-row requests at concurrency 1/16/64 and 1,000-row batches at 1/16: req/s, rows/s,
 * p50/p99 (ms), peak RSS of the server's process tree; then /v2/health/live latency while 64 clients
 * flood each server with ~1 MiB requests. Both servers use their default worker counts. Run by hand:
 *
 *   bash bench/serve/setup-mlserver.sh     # once: .venv-bench-mlserver (pinned in requirements-mlserver.txt)
 *   pnpm build                             # the bench runs the built CLI
 *   node bench/serve/mlserver.ts [seconds-per-run, default 8]
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const seconds = Number(process.argv[2] ?? 8);
const CLI = join(root, 'packages', 'cli', 'dist', 'bin.js');
const venv = join(root, '.venv-bench-mlserver', 'bin');
if (!existsSync(join(venv, 'mlserver'))) throw new Error('run bash bench/serve/setup-mlserver.sh first');
if (!existsSync(CLI)) throw new Error('run pnpm build first');
const F = 8;

// --- data: 20,000 rows, 8 numeric features, a non-linear binary label (seeded) -----------------------
let seed = 12345;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const rows: number[][] = [];
const labels: number[] = [];
for (let i = 0; i < 22_000; i++) {
  const x = Array.from({ length: F }, () => Math.round((rand() * 4 - 2) * 1e4) / 1e4);
  const s =
    x[0]! * x[1]! +
    Math.sin(3 * x[2]!) +
    (x[3]! > 0.5 ? 1 : -0.5) +
    0.3 * x[4]! -
    x[5]! ** 2 / 2 +
    (rand() - 0.5);
  rows.push(x);
  labels.push(s > 0 ? 1 : 0);
}
const names = Array.from({ length: F }, (_, i) => `f${i}`);
const csv = (from: number, to: number) =>
  `${[...names, 'label'].join(',')}\n${rows
    .slice(from, to)
    .map((r, i) => `${r.join(',')},${labels[from + i]}`)
    .join('\n')}\n`;
const work = await mkdtemp(join(tmpdir(), 'slipway-bench-mlserver-'));
await writeFile(join(work, 'train.csv'), csv(0, 20_000));
await writeFile(join(work, 'eval.csv'), csv(20_000, 22_000));
await writeFile(
  join(work, 'slipway.config.mjs'),
  `export default ${JSON.stringify({
    project: { name: 'gbdt' },
    data: { train: 'train.csv', eval: 'eval.csv', label: 'label' },
    features: names.map((column) => ({ column, transform: 'standardize' })),
    model: {
      task: 'binary',
      type: 'gbdt',
      gbdt: { iterations: 100, maxLeaves: 31, learningRate: 0.1, minSamplesLeaf: 20, l2: 0, maxBins: 255 },
    },
    training: { backend: 'cpu', seed: 1, validationSplit: 0 },
    // Same work as MLServer: no prediction log; room for 64 connections of 1,000 rows each.
    serving: { predictionLog: false, maxRows: 20_000, maxInflight: 256, maxInflightRows: 400_000 },
  })};\n`,
);

const node = (args: string[]) =>
  execFileSync(process.execPath, [CLI, ...args, '--cwd', work, '--json'], {
    encoding: 'utf8',
    env: { ...process.env, SLIPWAY_TRACKING_URI: '' },
  });
const trained = JSON.parse(node(['train'])) as { packageDir: string };
const packageDir = resolve(work, trained.packageDir);

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => ok(p));
    });
  });
}
const ports = [await freePort(), await freePort(), await freePort()];
const mlDir = join(work, 'mlserver');
execFileSync('mkdir', ['-p', mlDir]);
execFileSync(
  join(venv, 'python'),
  [join(here, 'mlserver_model.py'), join(work, 'train.csv'), mlDir, ...ports.map(String)],
  {
    encoding: 'utf8',
  },
);

// --- servers ---------------------------------------------------------------------------------------
interface Server {
  name: string;
  url: string;
  child: ChildProcess;
  infer: string;
  body(batch: number[][]): string;
  flood(): { body: Buffer; headers: Record<string, string>; rows: number };
}

async function waitFor(url: string, ms = 120_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    if (Date.now() - t0 > ms) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function startSlipway(): Promise<Server> {
  const child = spawn(
    process.execPath,
    [CLI, 'serve', `gbdt=${packageDir}`, '--port', '0', '--json', '--cwd', work],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, SLIPWAY_TRACKING_URI: '' },
    },
  );
  const url = await new Promise<string>((ok) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      try {
        ok((JSON.parse(out) as { url: string }).url);
      } catch {}
    });
  });
  return {
    name: 'slipway',
    url,
    child,
    infer: `${url}/v2/models/gbdt/infer`,
    body: (batch) =>
      JSON.stringify({
        inputs: names.map((name, j) => ({
          name,
          shape: [batch.length],
          datatype: 'FP64',
          data: batch.map((r) => r[j]),
        })),
      }),
    flood() {
      // Binary tensors: 8 FP64 columns, ~1 MiB.
      const n = 16_000;
      const cols = names.map((_, j) => {
        const b = Buffer.alloc(n * 8);
        for (let i = 0; i < n; i++) b.writeDoubleLE(rows[i % rows.length]![j]!, i * 8);
        return b;
      });
      const header = Buffer.from(
        JSON.stringify({
          inputs: names.map((name, j) => ({
            name,
            shape: [n],
            datatype: 'FP64',
            parameters: { binary_data_size: cols[j]!.length },
          })),
        }),
      );
      return {
        body: Buffer.concat([header, ...cols]),
        headers: {
          'inference-header-content-length': String(header.length),
          'content-type': 'application/octet-stream',
        },
        rows: n,
      };
    },
  };
}

async function startMlserver(): Promise<Server> {
  const child = spawn(join(venv, 'mlserver'), ['start', mlDir], {
    stdio: ['ignore', 'ignore', 'ignore'],
    cwd: mlDir,
  });
  const url = `http://127.0.0.1:${ports[0]}`;
  await waitFor(`${url}/v2/models/gbdt/ready`);
  const json = (batch: number[][]) =>
    JSON.stringify({
      inputs: [{ name: 'input-0', shape: [batch.length, F], datatype: 'FP64', data: batch.flat() }],
    });
  return {
    name: 'mlserver',
    url,
    child,
    infer: `${url}/v2/models/gbdt/infer`,
    body: json,
    flood() {
      // JSON (its LightGBM runtime's usual form): ~1 MiB holds about 7,000 rows.
      const n = 7_000;
      return {
        body: Buffer.from(json(Array.from({ length: n }, (_, i) => rows[i % rows.length]!))),
        headers: { 'content-type': 'application/json' },
        rows: n,
      };
    },
  };
}

/** RSS of a process and all its descendants (Linux /proc), in bytes. */
function treeRss(pid: number): number {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {}
  }
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop() as number;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      total += Number(m?.[1] ?? 0) * 1024;
    } catch {}
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

interface Result {
  server: string;
  scenario: string;
  rps: number;
  rowsPerS: number;
  p50: number;
  p99: number;
  errors: number;
  rssMiB: number;
}

async function measure(s: Server, scenario: string, batchRows: number, connections: number): Promise<Result> {
  const batch = rows.slice(0, batchRows);
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, treeRss(s.child.pid as number));
  }, 200);
  const r = await autocannon({
    url: s.infer,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: s.body(batch),
    connections,
    duration: seconds,
  });
  clearInterval(sampler);
  return {
    server: s.name,
    scenario,
    rps: r.requests.average,
    rowsPerS: r.requests.average * batchRows,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
    rssMiB: peak / 2 ** 20,
  };
}

/**
 * 64 clients (their own process: tests/support/flood.mjs) send ~1 MiB requests for `seconds` while this
 * process probes /v2/health/live every 50 ms.
 */
async function flood(
  s: Server,
): Promise<{ server: string; p50: number; p99: number; max: number; answered: unknown }> {
  const f = s.flood();
  const file = join(work, `flood-${s.name}.bin`);
  await writeFile(file, f.body);
  const child = spawn(
    process.execPath,
    [
      join(root, 'tests', 'support', 'flood.mjs'),
      s.infer,
      String(seconds),
      '64',
      file,
      f.headers['inference-header-content-length'] ?? '-',
      f.headers['content-type'] ?? 'application/json',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  let done = false;
  const exited = new Promise<void>((r) =>
    child.once('exit', () => {
      done = true;
      r();
    }),
  );
  const probes: number[] = [];
  await new Promise((ok) => setTimeout(ok, 500));
  while (!done) {
    const t0 = performance.now();
    try {
      await (await fetch(`${s.url}/v2/health/live`, { signal: AbortSignal.timeout(60_000) })).arrayBuffer();
      probes.push(performance.now() - t0);
    } catch {
      probes.push(60_000);
    }
    await new Promise((ok) => setTimeout(ok, 50));
  }
  await exited;
  probes.sort((a, b) => a - b);
  const q = (p: number) => probes[Math.min(probes.length - 1, Math.floor(probes.length * p))] as number;
  return {
    server: s.name,
    p50: q(0.5),
    p99: q(0.99),
    max: probes.at(-1) as number,
    answered: JSON.parse(out || '{}'),
  };
}

async function stop(s: Server): Promise<void> {
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (s.child.exitCode === null) s.child.kill('SIGKILL');
}

const scenarios: [string, number, number][] = [
  ['1 row, c=1', 1, 1],
  ['1 row, c=16', 1, 16],
  ['1 row, c=64', 1, 64],
  ['1,000 rows, c=1', 1000, 1],
  ['1,000 rows, c=16', 1000, 16],
];
const results: Result[] = [];
const floods: Awaited<ReturnType<typeof flood>>[] = [];
for (const start of [startSlipway, startMlserver]) {
  const s = await start();
  try {
    // Both answer the same rows the same way (equivalent models, not identical trees).
    const probe = rows.slice(20_000, 20_200);
    const out = (await (
      await fetch(s.infer, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: s.body(probe),
      })
    ).json()) as {
      outputs: { data: number[] }[];
    };
    const scores = out.outputs[0]!.data;
    const acc = scores.filter((p, i) => (p >= 0.5 ? 1 : 0) === labels[20_000 + i]).length / scores.length;
    process.stdout.write(`${s.name}: accuracy on 200 held-out rows ${acc.toFixed(3)}\n`);
    for (const [name, n, c] of [['warm-up', 1, 4] as const, ...scenarios]) {
      const r = await measure(s, name, n, c);
      if (name !== 'warm-up') results.push(r);
    }
    floods.push(await flood(s));
  } finally {
    await stop(s);
  }
}
await rm(work, { recursive: true, force: true });

const pad = (v: string | number, w: number) => String(v).padStart(w);
const lines = [
  `bench/serve vs MLServer ${seconds}s per run, ${process.arch}, Node ${process.version}`,
  `${'scenario'.padEnd(18)}${pad('server', 10)}${pad('req/s', 10)}${pad('rows/s', 12)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('errors', 8)}${pad('peak RSS MiB', 14)}`,
];
for (const r of results)
  lines.push(
    `${r.scenario.padEnd(18)}${pad(r.server, 10)}${pad(r.rps.toFixed(0), 10)}${pad(r.rowsPerS.toFixed(0), 12)}${pad(r.p50, 9)}${pad(r.p99, 9)}${pad(r.errors, 8)}${pad(r.rssMiB.toFixed(0), 14)}`,
  );
lines.push('', 'ratios slipway / mlserver (throughput: higher is better; p99: lower is better)');
for (const [name] of scenarios) {
  const a = results.find((r) => r.server === 'slipway' && r.scenario === name) as Result;
  const b = results.find((r) => r.server === 'mlserver' && r.scenario === name) as Result;
  lines.push(
    `${name.padEnd(18)} req/s ×${(a.rps / b.rps).toFixed(2)}   p99 ×${(a.p99 / Math.max(1, b.p99)).toFixed(2)}   RSS ×${(a.rssMiB / b.rssMiB).toFixed(2)}`,
  );
}
lines.push('', '/v2/health/live while 64 clients send ~1 MiB requests:');
for (const f of floods)
  lines.push(
    `${f.server.padEnd(10)} p50 ${f.p50.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms, max ${f.max.toFixed(1)} ms; flood: ${JSON.stringify(f.answered)}`,
  );
process.stdout.write(`${lines.join('\n')}\n`);
