import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RolloutStep } from '@slipway/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deployment } from '../router/deployment.js';
import type { LoadedSource } from '../slot.js';
import { loadTinyPackage, type TinyOptions, writeTinyPackage } from '../testing/tiny-package.js';
import { RolloutController, type RolloutEvent, type RolloutState } from './controller.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-rollout-'));
  await writeTinyPackage(join(dir, 'v1'), 1);
  await writeTinyPackage(join(dir, 'v2'), 2);
  await writeTinyPackage(join(dir, 'v3'), 3);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** `v2?fail` loads v2 as a canary that throws on every call. */
async function load(source: string): Promise<LoadedSource> {
  const [path, flag] = source.split('?');
  const opts: TinyOptions = flag === 'fail' ? { fail: true } : {};
  const pkg = await loadTinyPackage(join(dir, path as string), opts);
  return { pkg, version: pkg.hash.slice(0, 12), source };
}

const row = { distance: 900, hour: 17, carrier: 'DL' };

async function until(
  c: RolloutController,
  pred: (s: RolloutState) => boolean,
  ms = 5000,
): Promise<RolloutState> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    const s = c.status();
    if (pred(s)) return s;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out; state ${JSON.stringify(c.status())}`);
}

async function setup(name: string, steps: RolloutStep[], stable = 'v1') {
  const events: RolloutEvent[] = [];
  const warnings: string[] = [];
  const d = new Deployment(await load(stable), { name, batching: false, canaryTimeoutMs: 500 });
  const c = await RolloutController.open({
    deployment: d,
    stateFile: join(dir, `${name}.json`),
    load,
    steps,
    onEvent: (e) => {
      events.push(e);
    },
    warn: (m) => warnings.push(m),
  });
  return { d, c, events, warnings };
}

/** Sends traffic while the rollout runs; counts client-visible failures. */
function traffic(d: Deployment) {
  let stop = false;
  let failures = 0;
  let sent = 0;
  const loop = (async () => {
    let i = 0;
    while (!stop) {
      sent++;
      await d.predict([row], { key: `user-${i++}` }).catch(() => failures++);
      await new Promise((r) => setTimeout(r, 1));
    }
  })();
  return {
    async end() {
      stop = true;
      await loop;
      return { failures, sent };
    },
  };
}

const analysis = (failureCondition: string): RolloutStep => ({
  analysis: {
    interval: '100ms',
    count: 2,
    failureLimit: 0,
    inconclusiveLimit: 0,
    consecutiveErrorLimit: 4,
    metrics: [{ name: 'error_rate', failureCondition }],
  },
});

describe('rollout controller', () => {
  it('runs setWeight → analysis → pause, then promotes the canary to stable', async () => {
    const { d, c, events } = await setup('good', [
      { setWeight: 50 },
      analysis('result > 0.05'),
      { pause: { duration: '50ms' } },
    ]);
    const t = traffic(d);
    await c.start('v2');
    const s = await until(c, (x) => x.phase === 'Healthy' && x.stable?.source === 'v2');
    expect((await t.end()).failures).toBe(0);
    await until(c, () => events.some((e) => e.type === 'rollout.promoted'));
    expect(s.canary).toBeNull();
    expect(d.stable.loaded.source).toBe('v2');
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'rollout.started',
        'rollout.step',
        'rollout.analysis',
        'rollout.paused',
        'rollout.promoted',
      ]),
    );
    await c.close();
    await d.close();
  });

  it('aborts to stable when the canary fails, with no failed requests', async () => {
    const { d, c, events } = await setup('bad', [
      { setWeight: 50 },
      analysis('result > 0.05'),
      { pause: {} },
    ]);
    const t = traffic(d);
    await c.start('v2?fail');
    const s = await until(c, (x) => x.phase === 'Degraded');
    expect((await t.end()).failures).toBe(0);
    expect(s.weight).toBe(0);
    expect(d.canary).toBeNull();
    await until(c, () => events.some((e) => e.type === 'rollout.aborted'));
    const aborted = events.find((e) => e.type === 'rollout.aborted');
    expect(aborted?.details.automatic).toBe(true);
    expect(String(aborted?.details.reason)).toMatch(/analysis Failed/);
    await c.close();
    await d.close();
  });

  it('waits at an indefinite pause, and survives a restart there', async () => {
    const { d, c } = await setup('restart', [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }]);
    await c.start('v2');
    await until(c, (x) => x.phase === 'Paused');
    await c.close();
    await d.close();
    const saved = JSON.parse(await readFile(join(dir, 'restart.json'), 'utf8')) as RolloutState;
    expect(saved.phase).toBe('Paused');
    expect(saved.weight).toBe(20);
    // A new process: stable from the command line, the rest from the saved state.
    const again = await setup('restart', []);
    expect(again.d.canary?.loaded.source).toBe('v2');
    expect(again.d.weight).toBe(20);
    await again.c.promote();
    const s = await until(again.c, (x) => x.phase === 'Healthy');
    expect(s.stable?.source).toBe('v2');
    await again.c.close();
    await again.d.close();
    // And after promotion, a restart serves the promoted version.
    const third = await setup('restart', []);
    expect(third.d.stable.loaded.source).toBe('v2');
    expect(third.warnings).toEqual([]);
    await third.c.close();
    await third.d.close();
    // A restart that asks for another model gets it: the saved state belongs to the earlier request.
    const fourth = await setup('restart', [], 'v3');
    expect(fourth.d.stable.loaded.source).toBe('v3');
    expect(fourth.c.status()).toMatchObject({ phase: 'Healthy', canary: null, stable: { source: 'v3' } });
    expect(fourth.warnings.join('\n')).toMatch(/saved for v1 .*serving v3 as asked/);
    await fourth.c.close();
    await fourth.d.close();
    const saved4 = JSON.parse(await readFile(join(dir, 'restart.json'), 'utf8')) as RolloutState;
    expect(saved4.requested?.source).toBe('v3');
  });

  it('refuses a second rollout and a promote with nothing paused', async () => {
    const { d, c } = await setup('conflict', [{ setWeight: 10 }, { pause: { duration: '10s' } }]);
    await c.start('v2');
    await expect(c.start('v2')).rejects.toThrow(/in progress/);
    await until(c, (x) => x.phase === 'Paused');
    await c.abort();
    expect(c.status().phase).toBe('Degraded');
    await expect(c.promote()).rejects.toThrow(/no rollout/);
    await c.close();
    await d.close();
  });
  it('pauses on an inconclusive analysis (as Argo does); promote continues with the next step', async () => {
    const inconclusive: RolloutStep = {
      analysis: {
        interval: '100ms',
        count: 3,
        failureLimit: 0,
        inconclusiveLimit: 0,
        consecutiveErrorLimit: 4,
        metrics: [{ name: 'error_rate', successCondition: 'result < 0', failureCondition: 'result > 0.5' }],
      },
    };
    const { d, c, events } = await setup('inconclusive', [
      { setWeight: 50 },
      inconclusive,
      { setWeight: 80 },
      { pause: {} },
    ]);
    const t = traffic(d);
    await c.start('v2');
    const paused = await until(c, (x) => x.phase === 'Paused');
    expect(paused.pause?.reason).toBe('InconclusiveAnalysisRun');
    expect(paused.analysis?.phase).toBe('Inconclusive');
    expect(paused.weight).toBe(50);
    await c.promote();
    const next = await until(c, (x) => x.phase === 'Paused' && x.pause?.reason === 'CanaryPauseStep');
    expect(next.weight).toBe(80);
    expect((await t.end()).failures).toBe(0);
    expect(events.some((e) => e.type === 'rollout.resumed')).toBe(true);
    await c.close();
    await d.close();
  });
});
