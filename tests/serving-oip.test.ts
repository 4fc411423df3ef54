/**
 * The server against real clients and tools: tritonclient[http] speaks OIP v2 to it (binary and JSON
 * tensors), promtool checks /metrics, and raw sockets send the bad input real clients send.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { configSchema } from '@slipway/core';
import { type ServingServer, startServer } from '@slipway/serving';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTinyPackage, writeTinyPackage } from '../packages/serving/src/testing/tiny-package.js';

const run = promisify(execFile);
const PY = join(import.meta.dirname, '..', '.venv-interop', 'bin', 'python');
const defaults = configSchema.shape.serving.unwrap().parse({});
const TOKEN = 'interop-admin-token';
const rows = [
  { distance: 300, hour: 6, carrier: 'AA' },
  { distance: 2500, hour: 21, carrier: 'UA' },
  { distance: 1200, hour: 13, carrier: 'XX' },
];

let dir: string;
let srv: ServingServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-oip-'));
  await writeTinyPackage(join(dir, 'v1'), 1);
  await writeTinyPackage(join(dir, 'v2'), 2);
  srv = await startServer({
    config: {
      ...defaults,
      port: 0,
      requestTimeoutMs: 1000,
      stateDir: join(dir, 'state'),
      predictionLog: { path: join(dir, 'predictions.jsonl'), sampleRate: 1 },
    },
    root: dir,
    models: [{ source: join(dir, 'v1') }],
    load: async (source) => {
      const pkg = await loadTinyPackage(source);
      return { pkg, version: pkg.hash.slice(0, 12), source };
    },
    adminToken: TOKEN,
  });
});
afterAll(async () => {
  await srv?.close();
  await rm(dir, { recursive: true, force: true });
});

async function predict(body: unknown): Promise<{ predictions: number[]; version: string; variant: string }> {
  const r = await fetch(`${srv.url}/predict`, { method: 'POST', body: JSON.stringify(body) });
  expect(r.status).toBe(200);
  return (await r.json()) as { predictions: number[]; version: string; variant: string };
}

/** Sends raw bytes and returns what the server answers before it closes the connection. */
function raw(payload: string, opts: { holdMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(srv.port, '127.0.0.1');
    let got = '';
    s.on('data', (d) => {
      got += d.toString();
    });
    s.on('close', () => resolve(got));
    s.on('error', reject);
    s.write(payload);
    if (opts.holdMs === undefined) s.end();
  });
}

describe('OIP v2 with tritonclient[http]', () => {
  it('answers health, metadata and inference, binary and JSON, like /predict', async () => {
    const { stdout } = await run(
      PY,
      [
        join(import.meta.dirname, 'serving-triton-client.py'),
        srv.url.replace('http://', ''),
        'tiny',
        JSON.stringify(rows),
      ],
      {
        timeout: 120_000,
      },
    );
    const out = JSON.parse(stdout);
    expect(out.live).toBe(true);
    expect(out.ready).toBe(true);
    expect(out.model_ready).toBe(true);
    expect(out.server.name).toBe('slipway');
    expect(out.metadata.inputs.map((i: { name: string }) => i.name)).toEqual(['distance', 'hour', 'carrier']);
    const expected = await predict({ rows });
    expect(out.version).toBe(expected.version);
    expect(out.variant).toBe('stable');
    for (let i = 0; i < rows.length; i++) {
      expect(out.binary[i]).toBeCloseTo(expected.predictions[i] as number, 12);
      expect(out.json[i]).toBeCloseTo(expected.predictions[i] as number, 12);
    }
    expect(out.unknown.status).toBe('404');
    expect(out.unknown.message).toMatch(/no-such-model/);
    expect(out.bad.status).toBe('400');
    expect(out.bad.message).toMatch(/input "distance": datatype BYTES does not fit a number column/);
  });

  it('serves /metrics that promtool accepts, with per-variant series', async () => {
    const text = await (await fetch(`${srv.url}/metrics`)).text();
    const file = join(dir, 'metrics.txt');
    await writeFile(file, text);
    const r = await run('sh', ['-c', `promtool check metrics < ${file}`]).catch((e) => e);
    expect(r.stderr ?? '', String(r.stdout)).toBe('');
    expect(r.code ?? 0).toBe(0);
    expect(text).toMatch(
      /slipway_request_duration_seconds_bucket\{le="0\.005",model="tiny",variant="stable",endpoint="infer"\}/,
    );
    expect(text).toMatch(/slipway_inference_duration_seconds_count\{model="tiny",variant="stable"\}/);
  });

  it('writes a sampled prediction log as JSON lines', async () => {
    await predict({ rows: [rows[0]] });
    await srv.predictionLog?.close().catch(() => {});
    const lines = (await readFile(join(dir, 'predictions.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.at(-1)).toMatchObject({ model: 'tiny', variant: 'stable', rows: [rows[0]] });
  });
});

describe('bad input', () => {
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${srv.url}${path}`, { method: 'POST', body, headers });
  const err = async (r: Response) => ((await r.json()) as { error: string }).error;

  it('malformed JSON → 400 with the parser reason', async () => {
    const r = await post('/v2/models/tiny/infer', '{"inputs": [}');
    expect(r.status).toBe(400);
    expect(await err(r)).toMatch(/not valid JSON: .*position|Unexpected token/);
  });

  it('wrong shapes, types and missing columns → 400 naming the input', async () => {
    let r = await post(
      '/v2/models/tiny/infer',
      JSON.stringify({ inputs: [{ name: 'distance', shape: [1, 3], datatype: 'FP64', data: [1, 2, 3] }] }),
    );
    expect(r.status).toBe(400);
    expect(await err(r)).toMatch(/input "distance": shape \[1, 3\]/);
    r = await post(
      '/v2/models/tiny/infer',
      JSON.stringify({
        inputs: [
          { name: 'distance', shape: [1], datatype: 'FP64', data: [1] },
          { name: 'hour', shape: [1], datatype: 'FP64', data: [1] },
        ],
      }),
    );
    expect(r.status).toBe(400);
    expect(await err(r)).toMatch(/missing input "carrier"/);
    r = await post(
      '/predict',
      JSON.stringify({ columns: { distance: [1, 2], hour: [3], carrier: ['AA', 'DL'] } }),
    );
    expect(r.status).toBe(400);
    expect(await err(r)).toMatch(/columns\.hour has 1 values/);
    r = await post('/predict', JSON.stringify({ rows: [{ distance: 1, hour: 2, carrier: 7 }] }));
    expect(r.status).toBe(400);
    expect(await err(r)).toMatch(/input "carrier" row 0: expected a string, got number 7/);
  });

  it('oversized body → 413, declared or streamed', async () => {
    const big = 'x'.repeat(defaults.maxBodyBytes + 10);
    const r = await post('/predict', big);
    expect(r.status).toBe(413);
    // Chunked (no Content-Length): refused once the limit is passed.
    const answer = await raw(
      `POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${(defaults.maxBodyBytes + 10).toString(16)}\r\n${big}\r\n0\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
  });

  it('unknown model → 404; missing or wrong admin token → 401/403', async () => {
    expect((await post('/v2/models/ghost/infer', '{}')).status).toBe(404);
    expect((await fetch(`${srv.url}/v2/models/ghost`)).status).toBe(404);
    expect((await fetch(`${srv.url}/v2/models/ghost/ready`)).status).toBe(404);
    expect((await post('/admin/models/tiny/rollout/abort', '{}')).status).toBe(401);
    expect(
      (await post('/admin/models/tiny/rollout/abort', '{}', { authorization: 'Bearer wrong' })).status,
    ).toBe(403);
    expect(
      (await post('/admin/models/tiny/rollout/abort', '{}', { authorization: 'Basic abc' })).status,
    ).toBe(401);
  });

  it('a client that sends too slowly gets 408 and is disconnected', async () => {
    const t0 = Date.now();
    const answer = await raw('POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"rows":', {
      holdMs: 1,
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('a package that fails to load leaves the server on the previous version', async () => {
    const broken = join(dir, 'broken');
    await writeTinyPackage(broken, 3);
    await writeFile(join(broken, 'model.json'), '{"modelTopology": ');
    const before = (await predict({ rows })).version;
    const r = await post('/admin/models/tiny/reload', JSON.stringify({ source: broken }), {
      authorization: `Bearer ${TOKEN}`,
    });
    expect(r.status).toBe(400);
    expect(await err(r)).toMatch(/model\.json: cannot read the model/);
    const s = await post('/admin/models/tiny/rollout', JSON.stringify({ source: broken }), {
      authorization: `Bearer ${TOKEN}`,
    });
    expect(s.status).toBe(400);
    const after = await predict({ rows });
    expect(after.version).toBe(before);
    expect(after.variant).toBe('stable');
    expect((await fetch(`${srv.url}/v2/health/ready`)).status).toBe(200);
  });
});
