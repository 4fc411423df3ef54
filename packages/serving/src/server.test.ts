import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '@slipway/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServingServer, startServer } from './server.js';
import { loadTinyPackage, writeTinyPackage } from './testing/tiny-package.js';

const servingDefaults = configSchema.shape.serving.unwrap().parse({});

let dir: string;
let srv: ServingServer;
const TOKEN = 'test-token-123';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-serve-'));
  await writeTinyPackage(join(dir, 'v1'), 1);
  await writeTinyPackage(join(dir, 'v2'), 2);
  srv = await startServer({
    config: { ...servingDefaults, port: 0, workers: 0, predictionLog: false, stateDir: join(dir, 'state') },
    root: dir,
    models: [{ source: join(dir, 'v1') }],
    load: async (source) => {
      const pkg = await loadTinyPackage(source);
      return { pkg, version: pkg.hash.slice(0, 12), source };
    },
    adminToken: TOKEN,
    defaultMetrics: false,
  });
});
afterAll(async () => {
  await srv?.close();
  await rm(dir, { recursive: true, force: true });
});

const row = { distance: 500, hour: 9, carrier: 'AA' };

describe('serving http', () => {
  it('answers /predict with the version and variant', async () => {
    const r = await fetch(`${srv.url}/predict`, {
      method: 'POST',
      body: JSON.stringify({ rows: [row, { ...row, carrier: 'ZZ' }] }),
    });
    expect(r.status).toBe(200);
    const j = (await r.json()) as { predictions: number[]; version: string; variant: string };
    expect(j.predictions).toHaveLength(2);
    expect(j.predictions[0]).toBeGreaterThan(0);
    expect(j.predictions[0]).toBeLessThan(1);
    expect(j.variant).toBe('stable');
    expect(j.version).toBe(srv.deployments.get('tiny')?.stable.version);
    expect(r.headers.get('x-slipway-variant')).toBe('stable');
  });

  it('gives the same answer for rows and columns, and for OIP JSON', async () => {
    type P = { predictions: number[] };
    const a = (await (
      await fetch(`${srv.url}/predict`, { method: 'POST', body: JSON.stringify({ rows: [row] }) })
    ).json()) as P;
    const b = (await (
      await fetch(`${srv.url}/predict`, {
        method: 'POST',
        body: JSON.stringify({ columns: { distance: [500], hour: [9], carrier: ['AA'] } }),
      })
    ).json()) as P;
    const c = (await (
      await fetch(`${srv.url}/v2/models/tiny/infer`, {
        method: 'POST',
        body: JSON.stringify({
          inputs: [
            { name: 'distance', shape: [1], datatype: 'FP64', data: [500] },
            { name: 'hour', shape: [1, 1], datatype: 'INT32', data: [[9]] },
            { name: 'carrier', shape: [1], datatype: 'BYTES', data: ['AA'] },
          ],
        }),
      })
    ).json()) as { outputs: { name: string; data: number[] }[]; model_version: string };
    expect(b.predictions).toEqual(a.predictions);
    expect(c.outputs[0]?.data).toEqual(a.predictions);
  });

  it('rejects bad input with a reason naming it', async () => {
    const post = (path: string, body: string) => fetch(`${srv.url}${path}`, { method: 'POST', body });
    let r = await post('/predict', '{"rows": [');
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(/not valid JSON/);
    r = await post('/predict', JSON.stringify({ rows: [{ distance: 1, carrier: 'AA' }] }));
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(/"hour"/);
    r = await post('/predict', JSON.stringify({ rows: [{ ...row, hour: 'nine' }] }));
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(/input "hour" row 0: expected a number/);
    r = await post(
      '/v2/models/tiny/infer',
      JSON.stringify({ inputs: [{ name: 'distance', shape: [2], datatype: 'FP64', data: [1] }] }),
    );
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(
      /input "distance": shape \[2\] holds 2 values but 1/,
    );
    r = await post('/v2/models/nope/infer', '{}');
    expect(r.status).toBe(404);
    r = await post('/predict', JSON.stringify({ rows: Array.from({ length: 30000 }, () => row) }));
    expect(r.status).toBe(413);
  });

  it('guards the admin API with a bearer token', async () => {
    let r = await fetch(`${srv.url}/admin/models/tiny/rollout`);
    expect(r.status).toBe(401);
    r = await fetch(`${srv.url}/admin/models/tiny/rollout`, { headers: { authorization: 'Bearer nope' } });
    expect(r.status).toBe(403);
    r = await fetch(`${srv.url}/admin/models/tiny/rollout`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { phase: string }).phase).toBe('Healthy');
  });

  it('hot-reloads stable and keeps the old version when a load fails', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const before = srv.deployments.get('tiny')?.stable.version;
    let r = await fetch(`${srv.url}/admin/models/tiny/reload`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ source: join(dir, 'missing') }),
    });
    expect(r.status).toBe(400);
    expect(srv.deployments.get('tiny')?.stable.version).toBe(before);
    r = await fetch(`${srv.url}/admin/models/tiny/reload`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ source: join(dir, 'v2') }),
    });
    expect(r.status).toBe(200);
    const p = (await (
      await fetch(`${srv.url}/predict`, { method: 'POST', body: JSON.stringify({ rows: [row] }) })
    ).json()) as {
      version: string;
    };
    expect(p.version).not.toBe(before);
  });

  it('pins a version through /v2/models/{name}/versions/{v}', async () => {
    const v = srv.deployments.get('tiny')?.stable.version as string;
    expect((await fetch(`${srv.url}/v2/models/tiny/versions/${v}/ready`)).status).toBe(200);
    expect((await fetch(`${srv.url}/v2/models/tiny/versions/nope/ready`)).status).toBe(404);
    const r = await fetch(`${srv.url}/v2/models/tiny/versions/${v}/infer`, {
      method: 'POST',
      body: JSON.stringify({
        inputs: [
          { name: 'distance', shape: [1], datatype: 'FP32', data: [10] },
          { name: 'hour', shape: [1], datatype: 'INT64', data: [3] },
          { name: 'carrier', shape: [1], datatype: 'BYTES', data: ['UA'] },
        ],
      }),
    });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { model_version: string; parameters: { variant: string } };
    expect(body.model_version).toBe(v);
    expect(body.parameters.variant).toBe('stable');
  });

  it('exposes prometheus metrics', async () => {
    const text = await (await fetch(`${srv.url}/metrics`)).text();
    expect(text).toMatch(
      /slipway_requests_total\{model="tiny",variant="stable",endpoint="predict",code="200"\} \d+/,
    );
  });
});
