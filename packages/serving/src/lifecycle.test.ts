import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '@slipway/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from './server.js';
import { loadTinyPackage, writeTinyPackage } from './testing/tiny-package.js';

const defaults = configSchema.shape.serving.unwrap().parse({});
const TOKEN = 't';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-life-'));
  await writeTinyPackage(join(dir, 'v1'), 1);
  await writeTinyPackage(join(dir, 'v2'), 2);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Every call of a `slow:` source takes 300 ms more. */
async function start() {
  const disposed: string[] = [];
  const srv = await startServer({
    config: {
      ...defaults,
      port: 0,
      workers: 0,
      predictionLog: false,
      stateDir: join(dir, `state-${Math.random()}`),
    },
    root: dir,
    models: [{ source: 'slow:v1' }],
    load: async (source) => {
      const slow = source.startsWith('slow:');
      const pkg = await loadTinyPackage(
        join(dir, source.replace('slow:', '')),
        slow ? { extraDelayMs: 300 } : {},
      );
      const dispose = pkg.dispose;
      pkg.dispose = () => {
        disposed.push(source);
        dispose();
      };
      return { pkg, version: source, source };
    },
    adminToken: TOKEN,
    defaultMetrics: false,
  });
  return { srv, disposed };
}

const row = { distance: 100, hour: 1, carrier: 'UA' };
const predict = (url: string) =>
  fetch(`${url}/predict`, { method: 'POST', body: JSON.stringify({ rows: [row] }) }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as { version: string },
  }));

describe('server lifecycle', () => {
  it('hot reload: in-flight requests finish on the old version, new ones get the new one', async () => {
    const { srv, disposed } = await start();
    const inflight = [predict(srv.url), predict(srv.url), predict(srv.url)];
    await new Promise((r) => setTimeout(r, 50));
    const reload = await fetch(`${srv.url}/admin/models/tiny/reload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ source: 'v2' }),
    });
    expect(reload.status).toBe(200);
    expect(disposed).toEqual([]);
    const after = await predict(srv.url);
    expect(after.body.version).toBe('v2');
    const done = await Promise.all(inflight);
    expect(done.map((d) => [d.status, d.body.version])).toEqual([
      [200, 'slow:v1'],
      [200, 'slow:v1'],
      [200, 'slow:v1'],
    ]);
    // The old version is freed once its last request is answered.
    await new Promise((r) => setTimeout(r, 20));
    expect(disposed).toEqual(['slow:v1']);
    await srv.close();
  });

  it('graceful shutdown: stops accepting, answers what is in flight, then frees the models', async () => {
    const { srv, disposed } = await start();
    const url = srv.url;
    const inflight = predict(url);
    await new Promise((r) => setTimeout(r, 50));
    const closing = srv.close();
    await expect(fetch(`${url}/v2/health/live`)).rejects.toThrow();
    expect((await inflight).status).toBe(200);
    await closing;
    expect(disposed).toEqual(['slow:v1']);
  });
});
