/**
 * Fault test under load (autocannon): a canary that errors on every request and one that is 10× slower
 * are rolled back by the analysis step while clients see zero failed requests; a healthy canary passes
 * the same analysis. Prints the time from rollout start to rollback.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema, type RolloutStep } from '@slipway/core';
import {
  createLoader,
  type RolloutEvent,
  type RolloutState,
  type ServingServer,
  startServer,
} from '@slipway/serving';
import { train } from '@slipway/training';
import autocannon from 'autocannon';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type TinyOptions, withFaults } from '../packages/serving/src/testing/tiny-package.js';
import { makeProject } from '../packages/training/src/project.fixture.js';

const defaults = configSchema.shape.serving.unwrap().parse({});
const TOKEN = 'fault-token';
const steps: RolloutStep[] = [
  { setWeight: 25 },
  {
    analysis: {
      interval: '1s',
      count: 4,
      failureLimit: 0,
      inconclusiveLimit: 0,
      consecutiveErrorLimit: 4,
      metrics: [
        { name: 'error_rate', failureCondition: 'result > 0.05' },
        { name: 'latency_p99_ratio', failureCondition: 'result > 4' },
      ],
    },
  },
  { setWeight: 50 },
  { pause: {} },
];

let dir: string;
let srv: ServingServer | null = null;
let events: RolloutEvent[] = [];

// Two real packages from @slipway/training: v1 (stable) and v2 (the canary), trained with different seeds.
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-fault-'));
  for (const [name, seed] of [
    ['v1', 7],
    ['v2', 8],
  ] as const) {
    const p = await makeProject({
      config: { training: { backend: 'cpu', epochs: 2, batchSize: 32, seed, validationSplit: 0.2 } },
    });
    await train({ loaded: await p.load(), outDir: join(dir, name) });
    await rm(p.dir, { recursive: true, force: true });
  }
});
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(async () => {
  await srv?.close();
  srv = null;
});

async function serve(name: string): Promise<ServingServer> {
  events = [];
  const realLoader = createLoader({ cwd: dir });
  srv = await startServer({
    config: {
      ...defaults,
      port: 0,
      canaryTimeoutMs: 250,
      // The faults are injected in-process (withFaults), so predictions stay on the event loop here.
      workers: 0,
      predictionLog: false,
      stateDir: join(dir, name),
      rollout: { ...defaults.rollout, steps, minRequests: 1 },
    },
    root: dir,
    models: [{ source: 'v1', name: 'm' }],
    // `v2?fail` errors on every call; `v2?slow` takes 10× as long as the real model call.
    load: async (source) => {
      const [path, flag] = source.split('?');
      // The slow canary also waits at least 20 ms: on a saturated 2-core machine queueing inflates both
      // variants' latency, and a sub-millisecond model call made 10× slower would vanish in that noise.
      const opts: TinyOptions =
        flag === 'fail' ? { fail: true } : flag === 'slow' ? { slowFactor: 10, extraDelayMs: 20 } : {};
      const loaded = await realLoader(path as string);
      return {
        ...loaded,
        pkg: withFaults(loaded.pkg, opts),
        version: `${loaded.version}${flag ? `-${flag}` : ''}`,
        source,
      };
    },
    adminToken: TOKEN,
    onEvent: (e) => {
      events.push(e);
    },
    defaultMetrics: false,
  });
  return srv;
}

async function rolloutUnderLoad(s: ServingServer, canary: string, settled: (st: RolloutState) => boolean) {
  const body = JSON.stringify({ rows: [{ x1: 0.4, x2: 61.5, cat: 'b', when: '2001-03-04T05:00:00.000Z' }] });
  const load = autocannon({
    url: `${s.url}/predict`,
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
    connections: 16,
    duration: 30,
    // A distinct sticky key per request spreads users over both variants.
    requests: [{ method: 'POST', path: '/predict', body, headers: { 'x-slipway-key': '[<id>]' } }],
    idReplacement: true,
  });
  await new Promise((r) => setTimeout(r, 1000));
  const t0 = Date.now();
  const r = await fetch(`${s.url}/admin/models/m/rollout`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ source: canary }),
  });
  expect(r.status).toBe(200);
  let state: RolloutState;
  for (;;) {
    state = (await (
      await fetch(`${s.url}/admin/models/m/rollout`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).json()) as RolloutState;
    if (settled(state) || Date.now() - t0 > 25_000) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  const seconds = (Date.now() - t0) / 1000;
  await new Promise((res) => setTimeout(res, 500));
  load.stop();
  const result = await load;
  return { state, seconds, result };
}

const canaryAnswered = () => {
  const fallbacks = events
    .filter((e) => e.type === 'rollout.analysis')
    .map((e) => e.details.traffic as { canary: number });
  return fallbacks.reduce((a, t) => a + t.canary, 0);
};

describe('canary fault under load', () => {
  it('rolls back a canary that errors on every request, with zero failed client requests', async () => {
    const s = await serve('fail');
    const { state, seconds, result } = await rolloutUnderLoad(s, 'v2?fail', (st) => st.phase === 'Degraded');
    process.stdout.write(
      `[serving-fault] erroring canary rolled back in ${seconds.toFixed(2)} s; ${result.requests.total} requests, ${result.non2xx} non-2xx, ${result.errors} errors\n`,
    );
    expect(state.phase).toBe('Degraded');
    expect(state.message).toMatch(/analysis (Failed|Error)/);
    expect(state.analysis?.metrics.find((m) => m.name === 'error_rate')?.phase).toBe('Failed');
    expect(canaryAnswered()).toBeGreaterThan(0);
    expect(result.requests.total).toBeGreaterThan(500);
    expect(result.non2xx).toBe(0);
    expect(result.errors).toBe(0);
    expect(events.some((e) => e.type === 'rollout.aborted' && e.details.automatic === true)).toBe(true);
    expect(s.deployments.get('m')?.canary).toBeNull();
  });

  it('rolls back a canary that is 10× slower, with zero failed client requests', async () => {
    const s = await serve('slow');
    const { state, seconds, result } = await rolloutUnderLoad(s, 'v2?slow', (st) => st.phase === 'Degraded');
    process.stdout.write(
      `[serving-fault] slow canary rolled back in ${seconds.toFixed(2)} s; ${result.requests.total} requests, ${result.non2xx} non-2xx, ${result.errors} errors\n`,
    );
    process.stdout.write(
      `${JSON.stringify(events.filter((e) => e.type === 'rollout.analysis').map((e) => e.details.measurements))}\n`,
    );
    expect(state.phase).toBe('Degraded');
    expect(state.analysis?.metrics.find((m) => m.name === 'latency_p99_ratio')?.phase).toBe('Failed');
    expect(result.non2xx).toBe(0);
    expect(result.errors).toBe(0);
  });

  it('lets a healthy canary pass the same analysis and wait at the pause', async () => {
    const s = await serve('good');
    const { state, result } = await rolloutUnderLoad(
      s,
      'v2',
      (st) => st.phase === 'Paused' || st.phase === 'Degraded',
    );
    expect(state.phase, state.message).toBe('Paused');
    expect(state.weight).toBe(50);
    expect(state.analysis?.phase).toBe('Successful');
    expect(result.non2xx).toBe(0);
  });
});
