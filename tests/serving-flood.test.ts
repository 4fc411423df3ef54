/**
 * Load shedding: 64 clients flood `slipway serve` (its own process, real worker pool) with ~1 MiB
 * binary OIP requests for a bounded time while a prober measures /v2/health/live. The probe must stay
 * answered promptly, the flood must get 200 or 503 + Retry-After (never a client timeout), and the
 * server's memory stays bounded. Slow clients (slowloris on headers or body) are cut off.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { configSchema } from '@slipway/core';
import { createLoader, type ServingServer, startServer } from '@slipway/serving';
import { train } from '@slipway/training';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject } from '../packages/training/src/project.fixture.js';

const BIN = resolve('packages/cli/dist/bin.js');
const FLOOD_SECONDS = 12;
let dir: string;
let serve: ChildProcess;
let url: string;
let stderr = '';

/** ~1 MiB of binary OIP rows for the fixture's signature (x1, x2: FP64; cat: BYTES; when: INT64). */
function floodBody(): { body: Buffer; headerLength: number; rows: number } {
  const rows = 35_000;
  const x = Buffer.alloc(rows * 8);
  const cat = Buffer.alloc(rows * 5);
  const when = Buffer.alloc(rows * 8);
  for (let i = 0; i < rows; i++) {
    x.writeDoubleLE((i % 400) / 100 - 2, i * 8);
    cat.writeUInt32LE(1, i * 5);
    cat.write('abcd'[i % 4] as string, i * 5 + 4);
    when.writeBigInt64LE(BigInt(978307200000 + i * 3_600_000), i * 8);
  }
  const tensor = (name: string, datatype: string, data: Buffer) => ({
    name,
    datatype,
    shape: [rows],
    parameters: { binary_data_size: data.length },
  });
  const header = Buffer.from(
    JSON.stringify({
      inputs: [
        tensor('x1', 'FP64', x),
        tensor('x2', 'FP64', x),
        tensor('cat', 'BYTES', cat),
        tensor('when', 'INT64', when),
      ],
      parameters: { binary_data_output: true },
    }),
  );
  return { body: Buffer.concat([header, x, x, cat, when]), headerLength: header.length, rows };
}

beforeAll(async () => {
  const project = await makeProject({
    config: {
      serving: {
        maxRows: 40_000,
        maxInflight: 3,
        maxInflightRows: 80_000,
        workers: 1,
        requestTimeoutMs: 20_000,
        deadlineMs: 10_000,
        predictionLog: { sampleRate: 1 },
      },
    },
  });
  dir = project.dir;
  await train({ loaded: await project.load(), outDir: join(dir, 'v1') });
  serve = spawn(process.execPath, [BIN, 'serve', 'v1', '--port', '0', '--json', '--cwd', dir], {
    env: { ...process.env, SLIPWAY_TRACKING_URI: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  serve.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  url = await new Promise<string>((ok, fail) => {
    let out = '';
    serve.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      try {
        ok((JSON.parse(out) as { url: string }).url);
      } catch {}
    });
    serve.once('exit', (code) => fail(new Error(`serve exited with ${code}: ${stderr}`)));
  });
}, 120_000);

afterAll(async () => {
  if (serve && serve.exitCode === null) serve.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

async function rssBytes(): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^process_resident_memory_bytes (\d+)/m.exec(text)?.[1]);
}

describe('flood', () => {
  it('keeps health prompt and sheds load with 503 + Retry-After, memory bounded', async () => {
    const { body, headerLength, rows } = floodBody();
    expect(body.length).toBeLessThanOrEqual(1_048_576);
    const bodyFile = join(dir, 'flood.bin');
    await writeFile(bodyFile, body);
    // One request alone is answered in full.
    const one = await fetch(`${url}/v2/models/fixture/infer`, {
      method: 'POST',
      headers: { 'inference-header-content-length': String(headerLength) },
      body,
    });
    expect(one.status, `${await one.clone().text()}\n${stderr}`).toBe(200);
    const flood = spawn(
      process.execPath,
      [
        join(import.meta.dirname, 'support', 'flood.mjs'),
        `${url}/v2/models/fixture/infer`,
        String(FLOOD_SECONDS),
        '64',
        bodyFile,
        String(headerLength),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let floodOut = '';
    flood.stdout?.on('data', (d: Buffer) => {
      floodOut += d.toString();
    });
    const floodDone = new Promise<void>((r) => flood.once('exit', () => r()));
    const probes: number[] = [];
    let peakRss = 0;
    let done = false;
    void floodDone.then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 500));
    while (!done) {
      const t0 = performance.now();
      const r = await fetch(`${url}/v2/health/live`, { signal: AbortSignal.timeout(30_000) });
      expect(r.status).toBe(200);
      await r.arrayBuffer();
      probes.push(performance.now() - t0);
      if (probes.length % 10 === 0) peakRss = Math.max(peakRss, await rssBytes());
      await new Promise((r) => setTimeout(r, 100));
    }
    const result = JSON.parse(floodOut) as {
      statuses: Record<string, number>;
      missingRetryAfter: number;
      timeouts: number;
      resets: number;
      errors: string[];
    };
    probes.sort((a, b) => a - b);
    const p99 = probes[Math.floor(probes.length * 0.99)] as number;
    const worst = probes.at(-1) as number;
    process.stdout.write(
      `flood of ${rows}-row requests: ${JSON.stringify(result)}; health probes ${probes.length}, p50 ${probes[Math.floor(probes.length / 2)]?.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, worst ${worst.toFixed(1)} ms; peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB\n`,
    );
    expect(result.timeouts).toBe(0);
    // A reused keep-alive socket can meet the server's idle close (the usual ECONNRESET race when the
    // client process is starved); nothing else may fail, and such resets stay rare.
    const answered = Object.values(result.statuses).reduce((a, b) => a + b, 0);
    expect(result.errors.filter((e) => e !== 'ECONNRESET')).toEqual([]);
    expect(result.resets).toBeLessThanOrEqual(Math.ceil(answered * 0.05));
    expect(Object.keys(result.statuses).sort()).toEqual(['200', '503']);
    expect(result.missingRetryAfter).toBe(0);
    // Generous bounds (a loaded 2-core CI machine running other suites beside this one): before the
    // worker pool, one such flood kept the probe unanswered for over 60 s.
    expect(probes[Math.floor(probes.length / 2)]).toBeLessThan(2000);
    expect(worst).toBeLessThan(10_000);
    expect(peakRss).toBeLessThan(1.5 * 2 ** 30);
    expect(stderr).not.toMatch(/internal error/);
  }, 90_000);
});

let slow: ServingServer;
beforeAll(async () => {
  slow = await startServer({
    config: {
      ...configSchema.shape.serving.unwrap().parse({}),
      port: 0,
      workers: 0,
      headersTimeoutMs: 1000,
      requestTimeoutMs: 2000,
      predictionLog: false,
      stateDir: join(dir, 'slow-state'),
    },
    root: dir,
    models: [{ source: 'v1' }],
    load: createLoader({ cwd: dir }),
    defaultMetrics: false,
  });
});
afterAll(() => slow?.close());

/** Sends `head` one byte every `gapMs`, then `body` the same way; resolves with the answer and when it came. */
function trickle(head: string, gapMs: number): Promise<{ text: string; ms: number }> {
  return new Promise((resolvePromise) => {
    const t0 = performance.now();
    const s = connect(slow.port, '127.0.0.1');
    let got = '';
    let i = 0;
    const timer = setInterval(() => {
      if (i < head.length && !s.destroyed) s.write(head[i++] as string);
    }, gapMs);
    s.on('data', (d) => {
      got += d.toString();
    });
    s.on('error', () => {});
    s.on('close', () => {
      clearInterval(timer);
      resolvePromise({ text: got, ms: performance.now() - t0 });
    });
  });
}

describe('slow clients', () => {
  it('cuts off a client that trickles its headers (headersTimeoutMs)', async () => {
    const r = await trickle(
      'GET /v2/health/live HTTP/1.1\r\nhost: x\r\nx-a: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n',
      100,
    );
    expect(r.text).toMatch(/^HTTP\/1\.1 408/);
    expect(r.ms).toBeLessThan(15_000);
  }, 30_000);

  it('cuts off a client that trickles its body (requestTimeoutMs)', async () => {
    const body = '{"rows":[{"x1":1,"x2":2,"cat":"a","when":0}]}'.padEnd(200, ' ');
    const r = await trickle(
      `POST /predict HTTP/1.1\r\nhost: x\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
      50,
    );
    expect(r.text).toMatch(/^HTTP\/1\.1 408/);
    expect(r.ms).toBeLessThan(20_000);
  }, 30_000);
});
