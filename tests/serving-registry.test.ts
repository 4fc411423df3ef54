/**
 * Registry aliases: `models:/<name>@<alias>` and `models:/<name>/<version>` resolve through
 * @slipway/tracking's store (the embedded local store here) to a trained package.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '@slipway/core';
import { createLoader, startServer } from '@slipway/serving';
import { openStore } from '@slipway/tracking';
import { train } from '@slipway/training';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject } from '../packages/training/src/project.fixture.js';

let dir: string;
let storeDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-registry-'));
  storeDir = join(dir, '.slipway');
  const project = await makeProject();
  const { packageDir } = await train({ loaded: await project.load(), outDir: join(dir, 'pkg') });
  await rm(project.dir, { recursive: true, force: true });
  const store = await openStore(storeDir);
  await store.ensureRegisteredModel('flights');
  const v = await store.createModelVersion('flights', packageDir);
  await store.setAlias('flights', 'champion', v.version);
  await store.close();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('serving from the registry', () => {
  it('serves models:/name@alias with the registry version, and refuses an unset alias', async () => {
    const load = createLoader({ cwd: dir, trackingUri: storeDir });
    const srv = await startServer({
      config: {
        ...configSchema.shape.serving.unwrap().parse({}),
        port: 0,
        predictionLog: false,
        stateDir: join(dir, 'state'),
      },
      root: dir,
      models: [{ source: 'models:/flights@champion', name: 'flights' }],
      load,
      defaultMetrics: false,
    });
    try {
      const r = await fetch(`${srv.url}/predict`, {
        method: 'POST',
        body: JSON.stringify({ rows: [{ x1: 0.1, x2: 20, cat: 'c', when: '2001-01-05T10:00:00Z' }] }),
      });
      expect(r.status).toBe(200);
      const body = (await r.json()) as { version: string; predictions: number[] };
      expect(body.version).toBe('1');
      expect(body.predictions[0]).toBeGreaterThanOrEqual(0);
      expect((await load('models:/flights/1')).version).toBe('1');
      await expect(load('models:/flights@challenger')).rejects.toThrow(/no alias "challenger"/);
    } finally {
      await srv.close();
    }
  });
});
