/**
 * The server against real clients and tools: tritonclient[http] speaks OIP v2 to it (binary and JSON
 * tensors), promtool checks /metrics, and raw sockets send the bad input real clients send.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { configSchema } from '@slipway/core';
import { createLoader, type ServingServer, startServer } from '@slipway/serving';
import { train } from '@slipway/training';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject } from '../packages/training/src/project.fixture.js';

const run = promisify(execFile);
const PY = join(import.meta.dirname, '..', '.venv-interop', 'bin', 'python');
const defaults = configSchema.shape.serving.unwrap().parse({});
const TOKEN = 'interop-admin-token';
const rows = [
  { x1: -1.2, x2: 10.5, cat: 'a', when: '2001-01-01T03:00:00.000Z' },
  { x1: 0.7, x2: 88, cat: 'd', when: '2001-02-11T17:00:00.000Z' },
  { x1: 1.9, x2: 45.25, cat: 'zz', when: '2001-06-30T23:00:00.000Z' },
];

let dir: string;
let srv: ServingServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-oip-'));
  // A real package from @slipway/training, served by name "tiny" with the default (real) loader.
  const project = await makeProject();
  await train({ loaded: await project.load(), outDir: join(dir, 'v1') });
  await rm(project.dir, { recursive: true, force: true });
  srv = await startServer({
    config: {
      ...defaults,
      port: 0,
      requestTimeoutMs: 1000,
      stateDir: join(dir, 'state'),
      predictionLog: {
        path: join(dir, 'predictions.jsonl'),
        sampleRate: 1,
        maxBytes: 1 << 20,
        keep: 1,
        maxRowsPerEntry: 100,
      },
    },
    root: dir,
    models: [{ source: 'v1', name: 'tiny' }],
    load: createLoader({ cwd: dir }),
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
    expect(out.metadata.inputs.map((i: { name: string }) => i.name)).toEqual(['x1', 'x2', 'cat', 'when']);
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
    expect(out.bad.message).toMatch(/input "x1": datatype BYTES does not fit a number column/);
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
      JSON.stringify({ inputs: [{ name: 'x1', shape: [1, 3], datatype: 'FP64', data: [1, 2, 3] }] }),
    );
    expect(r.status).toBe(400);
    expect(await err(r)).toMatch(/input "x1": shape \[1, 3\]/);
    r = await post(
      '/v2/models/tiny/infer',
      JSON.stringify({
        inputs: [
          { name: 'x1', shape: [1], datatype: 'FP64', data: [1] },
          { name: 'x2', shape: [1], datatype: 'FP64', data: [1] },
        ],
      }),
    );
    expect(r.status).toBe(400);
    expect(await err(r)).toMatch(/missing input "cat"/);
    r = await post(
      '/predict',
      JSON.stringify({ columns: { x1: [1, 2], x2: [3], cat: ['a', 'b'], when: [0, 0] } }),
    );
    expect(r.status).toBe(400);
    expect(await err(r)).toMatch(/columns\.x2 has 1 values/);
    r = await post('/predict', JSON.stringify({ rows: [{ x1: 1, x2: 2, cat: 7, when: 0 }] }));
    expect(r.status).toBe(400);
    expect(await err(r)).toMatch(/input "cat" row 0: expected a string, got number 7/);
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
    await cp(join(dir, 'v1'), broken, { recursive: true });
    await writeFile(join(broken, 'model.json'), '{"modelTopology": ');
    const before = (await predict({ rows })).version;
    const r = await post('/admin/models/tiny/reload', JSON.stringify({ source: broken }), {
      authorization: `Bearer ${TOKEN}`,
    });
    expect(r.status).toBe(400);
    expect(await err(r)).toMatch(/broken/);
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
