// Faults of the tracking stores, against real MLflow where a server is involved: server down at start,
// a server that stalls past the timeout, lost responses (retried batches must not duplicate metrics),
// the server killed and restarted while 10,000 metrics are being logged, and a damaged local store.
// Also a 200 MB artifact through the artifact proxy with bounded memory (streamed both ways).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { appendFile, mkdtemp, open, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  isMlflowError,
  LocalStore,
  type MetricPoint,
  MlflowHttp,
  MlflowStore,
  markOrphanedRuns,
  runOwnerTags,
} from '@slipway/tracking';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type MlflowServer, mlflowPython, startMlflow } from './support/mlflow.js';

const REPO = resolve(import.meta.dirname, '..');

function series(key: string, n: number): MetricPoint[] {
  return Array.from({ length: n }, (_, i) => ({
    key,
    value: i * 0.5,
    timestamp: 1_700_000_000_000 + i,
    step: i,
  }));
}

async function listen(server: Server): Promise<string> {
  const port = await freePort();
  await new Promise<void>((ok) => server.listen(port, '127.0.0.1', ok));
  return `http://127.0.0.1:${port}`;
}

const SIZE = 200 * 1024 * 1024;

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Peak of external + array-buffer memory while `fn` runs (sampled every 10 ms). */
async function peakBuffers(fn: () => Promise<unknown>): Promise<number> {
  const base = process.memoryUsage().arrayBuffers;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  }, 10);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  return peak - base;
}

const PY_COUNT = (runId: string, key: string) => `
import json
from mlflow import MlflowClient
h = MlflowClient().get_metric_history(${JSON.stringify(runId)}, ${JSON.stringify(key)})
print(json.dumps({"n": len(h), "distinct": len({(m.step, m.timestamp, m.value) for m in h}), "steps": sorted({m.step for m in h}) == list(range(10000))}))
`;

describe('MLflow client faults', () => {
  let server: MlflowServer;
  beforeAll(async () => {
    server = await startMlflow();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('gives a clear error after the retry budget when no server runs', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const store = new MlflowStore(url, { budgetMs: 2500, backoffMs: 100, maxRetries: 20 });
    const started = Date.now();
    const err = await store.getOrCreateExperiment('x').catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(err).toMatchObject({ code: 'MLFLOW_UNREACHABLE' });
    expect((err as Error).message).toContain(url);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
    expect((err as { hint: string }).hint).toMatch(/MLFLOW_TRACKING_URI/);
    await store.close();
  });

  it('times out a server that stalls, retrying within the budget', async () => {
    let requests = 0;
    const stalled = createServer(() => {
      requests++; // never answers
    });
    const url = await listen(stalled);
    const store = new MlflowStore(url, { timeoutMs: 300, maxRetries: 2, backoffMs: 50, budgetMs: 20_000 });
    const err = await store.getRun('abc').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MLFLOW_UNREACHABLE' });
    expect((err as Error).message).toMatch(/3 attempt\(s\).*no answer within 300 ms/);
    expect(requests).toBe(3);
    await store.close();
    stalled.closeAllConnections();
    stalled.close();
  });

  it('retries plain-text 503 and reports its body; does not retry 4xx', async () => {
    let hits = 0;
    const flaky = createServer((req, res) => {
      hits++;
      if (req.url?.includes('runs/get')) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('Endpoint disabled: artifacts only');
      } else
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end('{"error_code":"INVALID_PARAMETER_VALUE","message":"bad key"}');
    });
    const url = await listen(flaky);
    const http = new MlflowHttp(url, { maxRetries: 2, backoffMs: 10 });
    const e503 = await http.call('GET', '/runs/get', { query: { run_id: 'x' } }).catch((e: unknown) => e);
    expect((e503 as Error).message).toMatch(/HTTP 503.*Endpoint disabled/);
    expect(hits).toBe(3);
    const e400 = await http.call('POST', '/runs/log-batch', { body: {} }).catch((e: unknown) => e);
    expect(isMlflowError(e400, 'INVALID_PARAMETER_VALUE')).toBe(true);
    expect((e400 as { status: number }).status).toBe(400);
    expect(hits).toBe(4);
    await http.close();
    flaky.close();
  });

  it('maps error_code to typed errors (RESOURCE_ALREADY_EXISTS is HTTP 400)', async () => {
    const http = new MlflowHttp(server.url);
    await http.call('POST', '/experiments/create', { body: { name: 'dup' } });
    const err = await http
      .call('POST', '/experiments/create', { body: { name: 'dup' } })
      .catch((e: unknown) => e);
    expect(isMlflowError(err, 'RESOURCE_ALREADY_EXISTS')).toBe(true);
    expect(err).toMatchObject({ status: 400, code: 'MLFLOW_RESOURCE_ALREADY_EXISTS' });
    const missing = await http
      .call('GET', '/runs/get', { query: { run_id: 'nope' } })
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', status: 404 });
    await http.close();
  });

  it('stores each metric once, and creates one run and one version, when requests are retried after a lost response', async () => {
    // A proxy that lets MLflow commit the first runs/create and every other log-batch, then drops the
    // connection before answering.
    let batches = 0;
    let creates = 0;
    let versions = 0;
    const proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const upstream = await fetch(server.url + req.url, {
        method: req.method,
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
        ...(req.method === 'GET' ? {} : { body: Buffer.concat(chunks) }),
      });
      const body = Buffer.from(await upstream.arrayBuffer());
      const lose =
        (req.url?.includes('/runs/log-batch') && batches++ % 2 === 0) ||
        (req.url?.includes('/runs/create') && creates++ === 0) ||
        (req.url?.includes('/model-versions/create') && versions++ === 0);
      if (lose) {
        req.socket.destroy();
        return;
      }
      res
        .writeHead(upstream.status, {
          'content-type': upstream.headers.get('content-type') ?? 'application/json',
        })
        .end(body);
    });
    const url = await listen(proxy);
    const store = new MlflowStore(url, { backoffMs: 20, concurrency: 1 });
    const e = await store.getOrCreateExperiment('lost-responses');
    const run = await store.createRun(e.id);
    await store.logMetrics(run.id, series('m', 3000));
    expect(creates).toBe(1); // the retry found the run the lost attempt made instead of creating another
    expect((await store.searchRuns([e.id])).map((r) => r.id)).toEqual([run.id]);
    expect(batches).toBe(6); // 3 batches, each sent twice
    // Model versions likewise: v1 directly, v2 through the proxy that loses the first answer.
    const direct = new MlflowStore(server.url);
    await direct.ensureRegisteredModel('lost-responses');
    await direct.createModelVersion('lost-responses', 's3://bucket/v1');
    const v2 = await store.createModelVersion('lost-responses', 's3://bucket/v2', { tags: { k: 'v' } });
    expect(versions).toBe(1);
    expect(v2).toMatchObject({ version: '2', source: 's3://bucket/v2', tags: { k: 'v' } });
    expect((await direct.searchModelVersions('lost-responses')).map((v) => v.version)).toEqual(['1', '2']);
    await direct.close();
    const seen = (await mlflowPython(server.url, PY_COUNT(run.id, 'm'))) as { n: number; distinct: number };
    expect(seen).toMatchObject({ n: 3000, distinct: 3000 });
    await store.close();
    proxy.closeAllConnections();
    proxy.close();
  });

  it('streams a 200 MB file up and down', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-big-artifact-'));
    const file = join(dir, 'weights.bin');
    const handle = await open(file, 'w');
    const block = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < SIZE / block.length; i++) {
      block.fill(i % 251);
      block.writeUInt32LE(i, 0);
      await handle.write(block);
    }
    await handle.close();
    const expected = await sha256(file);

    const store = new MlflowStore(server.url);
    const e = await store.getOrCreateExperiment('big');
    const run = await store.createRun(e.id);
    const up = await peakBuffers(() => store.logArtifact(run.id, file, 'model'));
    expect(await store.listArtifacts(run.id, 'model')).toEqual([
      { path: 'model/weights.bin', isDir: false, size: SIZE },
    ]);
    const out = join(dir, 'out');
    let got = '';
    const down = await peakBuffers(async () => {
      got = await store.downloadArtifact(run.id, 'model/weights.bin', out);
    });
    expect(got).toBe(join(out, 'model', 'weights.bin'));
    expect((await stat(got)).size).toBe(SIZE);
    expect(await sha256(got)).toBe(expected);
    // A whole-file buffer would be 200 MB; streaming stays within a few chunks.
    expect(up).toBeLessThan(64 * 1024 * 1024);
    expect(down).toBeLessThan(64 * 1024 * 1024);
    const py = (await mlflowPython(
      server.url,
      `import json, hashlib, tempfile
from mlflow import MlflowClient
p = MlflowClient().download_artifacts(${JSON.stringify(run.id)}, "model/weights.bin", tempfile.mkdtemp())
h = hashlib.sha256()
with open(p, "rb") as f:
    for b in iter(lambda: f.read(1 << 20), b""): h.update(b)
print(json.dumps({"sha256": h.hexdigest()}))`,
    )) as { sha256: string };
    expect(py.sha256).toBe(expected);
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('marks the RUNNING run of a killed process KILLED, with the reason; live and unowned runs stay', async () => {
    const store = new MlflowStore(server.url);
    const exp = await store.getOrCreateExperiment('orphans');
    // A real process starts a run recording itself as owner, then dies with SIGKILL.
    const script = `import { MlflowStore, runOwnerTags } from ${JSON.stringify(join(REPO, 'packages/tracking/src/index.ts'))};
const s = new MlflowStore(${JSON.stringify(server.url)});
const r = await s.createRun(${JSON.stringify(exp.id)}, { tags: runOwnerTags() });
process.stdout.write(r.id + '\\n');
process.kill(process.pid, 'SIGKILL');`;
    const child = spawn(
      process.execPath,
      [
        '--conditions=@slipway/source',
        '--import',
        join(REPO, 'scripts/src-hooks.mjs'),
        '--input-type=module',
        '-e',
        script,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => child.once('exit', r));
    const orphan = out.trim();
    const mine = await store.createRun(exp.id, { tags: runOwnerTags() });
    const unowned = await store.createRun(exp.id);
    const marked = await markOrphanedRuns(store, exp.id);
    expect(marked.map((m) => m.runId)).toEqual([orphan]);
    const seen = (await mlflowPython(
      server.url,
      `import json, mlflow
c = mlflow.MlflowClient()
print(json.dumps({i: {"status": c.get_run(i).info.status, "end": c.get_run(i).info.end_time, "reason": c.get_run(i).data.tags.get("slipway.end_reason")} for i in ${JSON.stringify([orphan, mine.id, unowned.id])}}))`,
    )) as Record<string, { status: string; end: number | null; reason: string | null }>;
    expect(seen[orphan]?.status).toBe('KILLED');
    expect(seen[orphan]?.end).toBeTypeOf('number');
    expect(seen[orphan]?.reason).toMatch(
      /^process \d+ on .+ ended without finishing the run \(killed or crashed\)/,
    );
    expect(seen[mine.id]).toMatchObject({ status: 'RUNNING', reason: null });
    expect(seen[unowned.id]).toMatchObject({ status: 'RUNNING', reason: null });
    await store.close();
  });

  it('logs 10,000 metrics exactly once across a server kill and restart', async () => {
    const store = new MlflowStore(server.url, {
      metricsPerRequest: 100,
      concurrency: 2,
      backoffMs: 250,
      maxRetries: 30,
      budgetMs: 180_000,
      timeoutMs: 10_000,
    });
    const e = await store.getOrCreateExperiment('restart');
    const run = await store.createRun(e.id);
    const watcher = new MlflowStore(server.url, { maxRetries: 0 });
    const logging = store.logMetrics(run.id, series('loss', 10_000));
    // Kill the server once some, but not all, metrics have arrived.
    let arrived = 0;
    for (let i = 0; i < 600 && arrived < 1000; i++) {
      arrived = (await watcher.getMetricHistory(run.id, 'loss')).length;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(arrived).toBeGreaterThan(0);
    await server.kill();
    await new Promise((r) => setTimeout(r, 1000));
    await server.start();
    await logging;
    const seen = (await mlflowPython(server.url, PY_COUNT(run.id, 'loss'))) as {
      n: number;
      distinct: number;
      steps: boolean;
    };
    expect(arrived).toBeLessThan(10_000);
    expect(seen).toEqual({ n: 10_000, distinct: 10_000, steps: true });
    await store.close();
    await watcher.close();
  });
});

describe('local store faults', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-local-faults-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names a malformed store file', async () => {
    const root = join(dir, 'malformed');
    const store = new LocalStore(root);
    const e = await store.getOrCreateExperiment('x');
    const run = await store.createRun(e.id);
    await writeFile(join(root, 'experiments', `${e.id}.json`), '{"id": "1", "name": ');
    const err = await store.getOrCreateExperiment('y').catch((x: unknown) => x);
    expect(err).toMatchObject({ code: 'TRACKING_STORE_CORRUPT' });
    expect((err as Error).message).toContain(join(root, 'experiments', `${e.id}.json`));
    // A damaged complete line in a journal: the error names the file and the line.
    const journal = join(root, 'runs', run.id, 'journal.jsonl');
    await appendFile(journal, 'not json\n');
    const err2 = await store.getRun(run.id).catch((x: unknown) => x);
    expect(err2).toMatchObject({ code: 'TRACKING_STORE_CORRUPT' });
    expect((err2 as Error).message).toMatch(
      new RegExp(`${journal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line 2`),
    );
  });

  it('stays readable after a writer is killed mid-write, and the next writer carries on', async () => {
    const root = join(dir, 'crash');
    const store = new LocalStore(root);
    const e = await store.getOrCreateExperiment('crash');
    const run = await store.createRun(e.id);
    const child = spawn(
      process.execPath,
      [
        '--conditions=@slipway/source',
        '--import',
        join(REPO, 'scripts/src-hooks.mjs'),
        join(REPO, 'tests/support/tracking-writer.ts'),
        root,
        run.id,
        'k',
        '100000',
        '50',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    // Let it write a while, then kill it without warning.
    await new Promise<void>((ok) => {
      let lines = 0;
      child.stdout.on('data', (d: Buffer) => {
        lines += d.toString().split('\n').length - 1;
        if (lines >= 30) ok();
      });
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // Simulate the worst moment too: a torn, unterminated last line.
    const journal = join(root, 'runs', run.id, 'journal.jsonl');
    await appendFile(journal, '{"t":"metrics","m":[["proc_k",1,');
    const history = await store.getMetricHistory(run.id, 'proc_k');
    expect(history.length).toBeGreaterThanOrEqual(30 * 50);
    expect(history.length % 50).toBe(0); // whole calls only
    expect(history.map((p) => p.step)).toEqual(Array.from({ length: history.length }, (_, i) => i));
    // The worst lock left behind: killed right after creating the lock file, before writing its owner.
    const lock = join(root, 'runs', run.id, '.lock');
    await writeFile(lock, '');
    await utimes(lock, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    // The lock is taken over; the torn tail is cut before the next append.
    await store.logMetrics(run.id, [{ key: 'after', value: 1, timestamp: 1, step: 0 }]);
    expect((await store.getRun(run.id)).metrics.after).toBe(1);
    expect((await readFile(journal, 'utf8')).includes('["proc_k",1,\n')).toBe(false);
  });
});
