/**
 * Canary integrity against clients (issue 22, reproductions 3 and 4): anonymous clients cannot pin
 * themselves to the canary or pick a sticky key; requests a client shapes (pinned, over-sized) do not
 * decide a rollout; and a canary slower than serving.canaryTimeoutMs is answered by stable and rolled
 * back. Predictions run in the real worker pool; the slow and fragile canaries are real packages made
 * slow or fragile inside the worker thread (tests/support/fault-loader.mjs).
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { configSchema, type RolloutStep } from '@slipway/core';
import { createLoader, type RolloutState, type ServingServer, startServer } from '@slipway/serving';
import { train } from '@slipway/training';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeProject } from '../packages/training/src/project.fixture.js';

const defaults = configSchema.shape.serving.unwrap().parse({});
const ADMIN = 'ops:attack-admin-token';
const admin = { authorization: 'Bearer attack-admin-token', 'content-type': 'application/json' };
const CLIENT = 'client-token-123';
const row = { x1: 0.7, x2: 88, cat: 'd', when: '2001-02-11T17:00:00.000Z' };
const loaderModule = pathToFileURL(join(import.meta.dirname, 'support', 'fault-loader.mjs')).href;
let dir: string;
let srv: ServingServer | null = null;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-attack-'));
  for (const [name, seed] of [
    ['v1', 3],
    ['v2', 4],
  ] as const) {
    const p = await makeProject({
      config: { training: { backend: 'cpu', epochs: 1, batchSize: 32, seed, validationSplit: 0.2 } },
    });
    await train({ loaded: await p.load(), outDir: join(dir, name) });
    await rm(p.dir, { recursive: true, force: true });
  }
  await cp(join(dir, 'v2'), join(dir, 'v2-slow'), { recursive: true });
  await cp(join(dir, 'v2'), join(dir, 'v2-fragile'), { recursive: true });
}, 240_000);
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(async () => {
  await srv?.close();
  srv = null;
});

async function serve(overrides: Partial<typeof defaults>, tokens?: string): Promise<ServingServer> {
  srv = await startServer({
    config: {
      ...defaults,
      port: 0,
      workers: 2,
      predictionLog: false,
      stateDir: join(dir, `state-${Math.random()}`),
      ...overrides,
    },
    root: dir,
    models: [{ source: 'v1', name: 'm' }],
    load: createLoader({ cwd: dir }),
    adminToken: ADMIN,
    ...(tokens ? { inferenceTokens: tokens } : {}),
    workerLoaderModule: loaderModule,
    defaultMetrics: false,
  });
  return srv;
}

async function startRollout(s: ServingServer, source: string, steps: RolloutStep[]): Promise<RolloutState> {
  const r = await fetch(`${s.url}/admin/models/m/rollout`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ source, steps }),
  });
  expect(r.status, await r.clone().text()).toBe(200);
  return (await r.json()) as RolloutState;
}

const status = async (s: ServingServer) =>
  (await (await fetch(`${s.url}/admin/models/m/rollout`, { headers: admin })).json()) as RolloutState;

async function until(
  s: ServingServer,
  done: (st: RolloutState) => boolean,
  ms = 60_000,
): Promise<RolloutState> {
  const t0 = Date.now();
  for (;;) {
    const st = await status(s);
    if (done(st) || Date.now() - t0 > ms) return st;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const predict = (s: ServingServer, body: unknown, headers: Record<string, string> = {}, query = '') =>
  fetch(`${s.url}/predict${query}`, { method: 'POST', headers, body: JSON.stringify(body) });

describe('client steering', () => {
  const hold: RolloutStep[] = [{ setWeight: 50 }, { pause: {} }];

  it('refuses anonymous pinning to the canary and ignores an anonymous sticky key', async () => {
    const cur = await serve({});
    await startRollout(cur, 'v2', hold);
    const st = await until(cur, (x) => x.phase === 'Paused');
    const canary = st.canary?.version as string;
    const pinned = await fetch(`${cur.url}/v2/models/m/versions/${canary}/infer`, {
      method: 'POST',
      body: JSON.stringify({ inputs: [{ name: 'x1', shape: [1], datatype: 'FP64', data: [1] }] }),
    });
    expect(pinned.status).toBe(403);
    expect(((await pinned.json()) as { code: string }).code).toBe('STEERING_REFUSED');
    expect((await predict(cur, { rows: [row] }, {}, `?version=${canary}`)).status).toBe(403);
    // Pinning stable steers nothing: allowed.
    expect((await predict(cur, { rows: [row] }, {}, `?version=${st.stable?.version}`)).status).toBe(200);
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const r = await predict(cur, { rows: [row] }, { 'x-slipway-key': 'always-the-same' });
      seen.add(r.headers.get('x-slipway-variant') as string);
    }
    expect([...seen].sort()).toEqual(['canary', 'stable']);
  }, 120_000);

  it('honours pinning and sticky keys for authenticated callers only', async () => {
    const s = await serve({}, `client:${CLIENT}`);
    await startRollout(s, 'v2', hold);
    const st = await until(s, (x) => x.phase === 'Paused');
    const auth = { authorization: `Bearer ${CLIENT}` };
    expect((await predict(s, { rows: [row] })).status).toBe(401);
    const pinned = await predict(s, { rows: [row] }, auth, `?version=${st.canary?.version}`);
    expect(pinned.status, await pinned.clone().text()).toBe(200);
    expect(pinned.headers.get('x-slipway-variant')).toBe('canary');
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const r = await predict(s, { rows: [row] }, { ...auth, 'x-slipway-key': 'always-the-same' });
      seen.add(r.headers.get('x-slipway-variant') as string);
    }
    expect(seen.size).toBe(1);
    // /metrics is behind the same tokens.
    expect((await fetch(`${s.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${s.url}/metrics`, { headers: auth })).status).toBe(200);
  }, 120_000);
});

/** Single-row traffic until `stop()`; counts answers by variant, fallbacks and failures. */
function traffic(s: ServingServer, options: { loops?: number; gapMs?: number } = {}) {
  const stats = { ok: 0, failed: 0, fallbacks: 0, variants: {} as Record<string, number> };
  let stopped = false;
  const loops = Array.from({ length: options.loops ?? 3 }, async () => {
    while (!stopped) {
      if (options.gapMs) await new Promise((r) => setTimeout(r, options.gapMs));
      const r = await predict(s, { rows: [row] });
      await r.arrayBuffer();
      if (r.status === 200) stats.ok++;
      else stats.failed++;
      const v = r.headers.get('x-slipway-variant') ?? 'none';
      stats.variants[v] = (stats.variants[v] ?? 0) + 1;
      if (r.headers.get('x-slipway-fallback')) stats.fallbacks++;
    }
  });
  return {
    stats,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

describe('analysis integrity', () => {
  const analysed: RolloutStep[] = [
    { setWeight: 50 },
    {
      analysis: {
        interval: '1s',
        count: 3,
        failureLimit: 0,
        inconclusiveLimit: 0,
        consecutiveErrorLimit: 10,
        metrics: [{ name: 'error_rate', failureCondition: 'result > 0.2' }],
      },
    },
  ];

  it('over-sized and pinned requests that break the canary do not roll back a canary healthy for normal traffic', async () => {
    // The fragile canary fails on batches over 1,000 rows, as one out-of-memory bug would.
    const s = await serve({
      rollout: { ...defaults.rollout, minRequests: 3, analysisMaxRows: 1000 },
      clientSteering: 'anyone',
    });
    await startRollout(s, 'v2-fragile', analysed);
    // A quiet service (about 10 requests a second), and an attacker sending big requests alongside.
    const t = traffic(s, { loops: 1, gapMs: 100 });
    const big = { rows: Array.from({ length: 5000 }, () => row) };
    let attacking = true;
    const attack = (async () => {
      while (attacking) {
        // Unpinned: when routed to the canary it fails, stable answers, and it is too big to count.
        // (Once promoted, the fragile model is stable and fails such requests itself: not asserted here.)
        await (await predict(s, big)).arrayBuffer();
        // Pinned to the canary: the caller gets the canary's failure, the analysis never sees it.
        const canary = (await status(s)).canary?.version;
        if (canary) await (await predict(s, big, {}, `?version=${canary}`)).arrayBuffer();
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const st = await until(s, (x) => x.phase !== 'Progressing');
    attacking = false;
    await attack;
    await t.stop();
    expect(st.phase, st.message).toBe('Healthy');
    expect(st.stable?.source).toBe('v2-fragile');
    expect(t.stats.failed).toBe(0);
  }, 120_000);

  it('answers with stable when the canary is slower than canaryTimeoutMs, counts it as a failure and rolls back', async () => {
    const s = await serve({ canaryTimeoutMs: 100, rollout: { ...defaults.rollout, minRequests: 3 } });
    await startRollout(s, 'v2-slow', analysed);
    const t = traffic(s);
    const st = await until(s, (x) => x.phase !== 'Progressing');
    // Health answers while the slow canary holds worker threads.
    const t0 = performance.now();
    expect((await fetch(`${s.url}/v2/health/live`)).status).toBe(200);
    const healthMs = performance.now() - t0;
    await t.stop();
    expect(st.phase, st.message).toBe('Degraded');
    expect(st.message).toMatch(/analysis Failed/);
    expect(t.stats.failed).toBe(0);
    expect(t.stats.fallbacks).toBeGreaterThan(0);
    expect(t.stats.variants.canary ?? 0).toBe(0);
    expect(healthMs).toBeLessThan(5000);
  }, 120_000);
});
