/**
 * The server against a hostile client on the loopback (issue 22's reproductions 1 and 6, plus a
 * property-based fuzz): no request may end the process, a client error is never a 500 nor carries a
 * stack trace or a filesystem path, and a well-formed request after every bad one still gets exactly
 * the right prediction. Predictions run in the real worker pool on a package trained by @slipway/training.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '@slipway/core';
import { createLoader, type ServingServer, startServer } from '@slipway/serving';
import { train } from '@slipway/training';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject } from '../packages/training/src/project.fixture.js';
import { rawRequest } from './support/raw-http.ts';

const defaults = configSchema.shape.serving.unwrap().parse({});
const row = { x1: 0.7, x2: 88, cat: 'd', when: '2001-02-11T17:00:00.000Z' };
let dir: string;
let srv: ServingServer;
let expected: number[];
const warnings: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-hostile-'));
  const project = await makeProject();
  await train({ loaded: await project.load(), outDir: join(dir, 'v1') });
  await rm(project.dir, { recursive: true, force: true });
  srv = await startServer({
    config: {
      ...defaults,
      port: 0,
      workers: 1,
      maxRows: 1000,
      requestTimeoutMs: 5000,
      stateDir: join(dir, 'state'),
      predictionLog: false,
    },
    root: dir,
    models: [{ source: 'v1', name: 'm' }],
    load: createLoader({ cwd: dir }),
    adminToken: 'ops:hostile-admin-token',
    warn: (m) => warnings.push(m),
    defaultMetrics: false,
  });
  expected = await good();
}, 120_000);
afterAll(async () => {
  await srv?.close();
  await rm(dir, { recursive: true, force: true });
});

async function good(): Promise<number[]> {
  const r = await fetch(`${srv.url}/predict`, { method: 'POST', body: JSON.stringify({ rows: [row, row] }) });
  expect(r.status).toBe(200);
  return ((await r.json()) as { predictions: number[] }).predictions;
}

function head(method: string, path: string, headers: Record<string, string>, body: Buffer): string {
  const lines = [
    `${method} ${path} HTTP/1.1`,
    'host: 127.0.0.1',
    `content-length: ${body.length}`,
    'connection: close',
  ];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** A client error: 4xx (or 503 when busy), a JSON body with a code, no stack, no path on this machine. */
function expectClientError(status: number | null, text: string): void {
  expect(status, text.slice(0, 400)).not.toBeNull();
  expect(status, text.slice(0, 400)).not.toBe(500);
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(text).not.toContain(dir);
  expect(text).not.toContain(import.meta.dirname);
}

describe('hostile requests (issue 22 reproductions)', () => {
  it('1: a bad percent-escape in the path is a 400, and the process lives', async () => {
    for (const path of [
      '/v2/models/%ZZ/infer',
      '/v2/models/%E0%A4%A',
      '/v2/models/%/ready',
      '/predict/%C0',
    ]) {
      const method = path.endsWith('infer') ? 'POST' : 'GET';
      const r = await rawRequest(srv.port, head(method, path, {}, Buffer.from('{}')), Buffer.from('{}'));
      expect(r.status, `${path}: ${r.text}`).toBe(400);
      expect(r.text).toMatch(/"code":"BAD_PATH"/);
    }
    expect(await good()).toEqual(expected);
  });

  it('6: deep nesting, a negative binary_data_size and a vanished client are client problems', async () => {
    const deep = `{"inputs":[{"name":"x1","shape":[1],"datatype":"FP64","data":${'['.repeat(400_000)}1${']'.repeat(400_000)}}]}`;
    const r1 = await fetch(`${srv.url}/v2/models/m/infer`, { method: 'POST', body: deep });
    expect(r1.status).toBe(400);
    expect(((await r1.json()) as { code: string }).code).toBe('BAD_INPUT_SHAPE');
    const header = JSON.stringify({
      inputs: [{ name: 'x1', shape: [1], datatype: 'FP64', parameters: { binary_data_size: -8 } }],
    });
    const r2 = await fetch(`${srv.url}/v2/models/m/infer`, {
      method: 'POST',
      headers: { 'inference-header-content-length': String(Buffer.byteLength(header)) },
      body: Buffer.concat([Buffer.from(header), Buffer.alloc(16)]),
    });
    expect(r2.status).toBe(400);
    expect(await r2.text()).toMatch(/binary_data_size -8 is not a byte count/);
    // A client that sends half a body and leaves.
    const before = warnings.length;
    const s = connect(srv.port, '127.0.0.1');
    s.on('error', () => {});
    s.write(`${head('POST', '/predict', {}, Buffer.alloc(5000))}{"rows":`);
    await new Promise((r) => setTimeout(r, 100));
    s.destroy();
    await new Promise((r) => setTimeout(r, 200));
    expect(warnings.slice(before).join('\n')).not.toMatch(/internal error/);
    expect(await good()).toEqual(expected);
  });

  it('refuses more rows than serving.maxRows before decoding them (400 TOO_MANY_ROWS)', async () => {
    const n = 70_000;
    const r = await fetch(`${srv.url}/v2/models/m/infer`, {
      method: 'POST',
      body: JSON.stringify({
        inputs: [{ name: 'x1', shape: [n], datatype: 'FP64', data: new Array(n).fill(0) }],
      }),
    });
    expect(r.status).toBe(400);
    expect(await r.text()).toMatch(/holds 70000 rows; this server takes at most 1000/);
  });
});

describe('a full disk under the prediction log (reproduction 5)', () => {
  it('keeps answering, counts the write errors and reports them', async () => {
    const logWarnings: string[] = [];
    const s = await startServer({
      config: {
        ...defaults,
        port: 0,
        workers: 0,
        stateDir: join(dir, 'state-full'),
        predictionLog: { path: '/dev/full', sampleRate: 1, maxBytes: 1 << 20, keep: 1, maxRowsPerEntry: 10 },
      },
      root: dir,
      models: [{ source: 'v1', name: 'm' }],
      load: createLoader({ cwd: dir }),
      warn: (m) => logWarnings.push(m),
    });
    try {
      for (let i = 0; i < 20; i++) {
        const r = await fetch(`${s.url}/predict`, {
          method: 'POST',
          body: JSON.stringify({ rows: [row, row] }),
        });
        expect(r.status).toBe(200);
        await new Promise((ok) => setTimeout(ok, 20));
      }
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      expect(metrics).toMatch(/slipway_prediction_log_entries_total\{outcome="failed"\} [1-9]/);
      expect(logWarnings.join('\n')).toMatch(/prediction log \/dev\/full: ENOSPC/);
    } finally {
      await s.close();
    }
  });
});

const segment = fc.oneof(
  fc.constantFrom(
    'v2',
    'models',
    'm',
    'infer',
    'ready',
    'versions',
    'predict',
    'metrics',
    'admin',
    'health',
    'live',
    'rollout',
  ),
  fc.constantFrom('%ZZ', '%', '%E0%A4%A', '%00', '%2F', '..', '.', '%C0%AF', 'constructor', '__proto__'),
  fc.stringMatching(/^[A-Za-z0-9._~%-]{0,12}$/),
);
const pathArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '/v2/models/m/infer',
      '/predict',
      '/predict?model=m',
      '/v2/models/m/versions/x/infer',
      '/admin/models/m/rollout',
      '/metrics',
    ),
  },
  { weight: 2, arbitrary: fc.array(segment, { maxLength: 6 }).map((s) => `/${s.join('/')}`) },
);
const methodArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant('POST') },
  {
    weight: 1,
    arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'FOO'),
  },
);
const datatypeArb = fc.constantFrom(
  'FP64',
  'FP32',
  'INT64',
  'INT8',
  'UINT64',
  'BOOL',
  'BYTES',
  'FP16',
  'toString',
  '',
);
const nasty = fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 1e308, -1e308, 2 ** 53 + 1);
const valueArb = fc.oneof(
  fc.double(),
  fc.string({ maxLength: 8 }),
  fc.boolean(),
  fc.constant(null),
  nasty,
  fc.constant('NaN'),
  fc.constant('Infinity'),
);
const tensorArb = fc.record(
  {
    name: fc.constantFrom('x1', 'x2', 'cat', 'when', 'nope', ''),
    shape: fc.oneof(
      fc.array(fc.integer({ min: -2, max: 4 }), { maxLength: 3 }),
      fc.constant([1e12]),
      fc.constant([2 ** 31, 1]),
      fc.constant(['1']),
    ),
    datatype: datatypeArb,
    data: fc.oneof(
      fc.array(valueArb, { maxLength: 5 }),
      fc.array(fc.array(valueArb, { maxLength: 2 }), { maxLength: 3 }),
      valueArb,
    ),
    parameters: fc.oneof(
      fc.constant(undefined),
      fc.record({
        binary_data_size: fc.oneof(
          fc.integer({ min: -100, max: 100 }),
          fc.constant(1e20),
          fc.constant('8'),
          fc.double(),
        ),
      }),
      fc.constant('x'),
    ),
  },
  { requiredKeys: ['name'] },
);
const inferBody = fc.record(
  {
    inputs: fc.oneof(fc.array(tensorArb, { maxLength: 5 }), valueArb),
    outputs: fc.oneof(
      fc.array(
        fc.record({ name: fc.constantFrom('predictions', 'probabilities', 'x'), parameters: fc.anything() }),
      ),
      fc.anything(),
    ),
    parameters: fc.anything(),
    id: fc.anything(),
  },
  { requiredKeys: [] },
);
const predictBody = fc.oneof(
  fc.record({
    rows: fc.oneof(
      fc.array(fc.dictionary(fc.constantFrom('x1', 'x2', 'cat', 'when', 'zz'), valueArb), { maxLength: 4 }),
      valueArb,
    ),
  }),
  fc.record({
    columns: fc.oneof(
      fc.dictionary(fc.constantFrom('x1', 'x2', 'cat', 'when'), fc.array(valueArb, { maxLength: 4 })),
      valueArb,
    ),
  }),
  fc.record({ rows: fc.constant([row]), model: fc.anything() }),
);
const bodyArb = fc.oneof(
  inferBody.map((b) => Buffer.from(JSON.stringify(b) ?? 'null')),
  predictBody.map((b) => Buffer.from(JSON.stringify(b) ?? 'null')),
  fc.json().map((j) => Buffer.from(j)),
  fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)),
  fc.constant(Buffer.from(`{"inputs":${'['.repeat(5000)}`)),
);
const headersArb = fc.record(
  {
    'inference-header-content-length': fc.oneof(
      fc.integer({ min: -5, max: 400 }).map(String),
      fc.constantFrom('abc', '1e3', '-0', '99999999999999999999', ''),
    ),
    'content-type': fc.constantFrom('application/json', 'application/octet-stream', 'text/plain'),
    'x-slipway-key': fc.string({ maxLength: 10 }).filter((s) => /^[\x21-\x7e]*$/.test(s)),
    authorization: fc.constantFrom('Bearer x', 'Bearer hostile-admin-token', 'Basic Zm9v', 'Bearer'),
  },
  { requiredKeys: [] },
);

describe('fuzz: paths, methods, headers, JSON and binary OIP bodies', () => {
  it('never exits, never answers 500 to a client error, and still predicts exactly after each', async () => {
    const tally: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(methodArb, pathArb, headersArb, bodyArb, async (method, path, headers, body) => {
        const r = await rawRequest(
          srv.port,
          head(method, path, headers as Record<string, string>, body),
          body,
        );
        tally[String(r.status)] = (tally[String(r.status)] ?? 0) + 1;
        expectClientError(r.status, r.text);
        expect(await good()).toEqual(expected);
      }),
      { numRuns: 250, seed: 22 },
    );
    // The fuzz reaches the handlers, not only the router: some requests predict, most are refused.
    expect(tally['200']).toBeGreaterThan(0);
    expect(tally['400']).toBeGreaterThan(20);
  }, 240_000);

  it('targets the infer endpoint with typed tensors: only 200 or a 4xx naming the cause', async () => {
    await fc.assert(
      fc.asyncProperty(inferBody, fc.boolean(), async (b, binary) => {
        const json = Buffer.from(JSON.stringify(b) ?? 'null');
        const extra = binary ? Buffer.alloc(64, 1) : Buffer.alloc(0);
        const r = await fetch(`${srv.url}/v2/models/m/infer`, {
          method: 'POST',
          headers: binary ? { 'inference-header-content-length': String(json.length) } : {},
          body: Buffer.concat([json, extra]),
        });
        const text = await r.text();
        if (r.status !== 200) {
          expect(r.status, text).toBeGreaterThanOrEqual(400);
          expect(r.status, text).toBeLessThan(500);
          expect(text).toMatch(/"code":"[A-Z_]+"/);
        }
        expectClientError(r.status, text);
      }),
      { numRuns: 300, seed: 6 },
    );
    expect(warnings.filter((w) => /internal error/.test(w))).toEqual([]);
    expect(await good()).toEqual(expected);
  }, 240_000);
});
