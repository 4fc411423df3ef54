import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServingMetrics } from '../metrics.js';
import type { LoadedSource } from '../slot.js';
import { loadTinyPackage, type TinyOptions, writeTinyPackage } from '../testing/tiny-package.js';
import { Deployment } from './deployment.js';
import { bucketOf, routesToCanary } from './hash.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-router-'));
  await writeTinyPackage(join(dir, 'v1'), 1);
  await writeTinyPackage(join(dir, 'v2'), 2);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function load(name: string, opts: TinyOptions = {}): Promise<LoadedSource> {
  const pkg = await loadTinyPackage(join(dir, name), opts);
  return { pkg, version: name, source: name };
}
const row = { distance: 1500, hour: 20, carrier: 'AA' };

describe('router', () => {
  it('spreads keys evenly and keeps users on their variant as the weight rises', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `user-${i}`);
    const at = (w: number) => new Set(keys.filter((k) => routesToCanary(bucketOf(k), w)));
    const ten = at(10);
    const fifty = at(50);
    expect(ten.size / keys.length).toBeGreaterThan(0.09);
    expect(ten.size / keys.length).toBeLessThan(0.11);
    expect(fifty.size / keys.length).toBeGreaterThan(0.48);
    expect(fifty.size / keys.length).toBeLessThan(0.52);
    for (const k of ten) expect(fifty.has(k)).toBe(true);
    expect(bucketOf('user-1')).toBe(bucketOf('user-1'));
  });

  it('answers the same key with the same variant, and both variants carry their version', async () => {
    const d = new Deployment(await load('v1'), { name: 'm', batching: false, canaryTimeoutMs: 500 });
    await d.setCanary(await load('v2'), 30);
    const seen = new Map<string, Set<string>>();
    for (let i = 0; i < 200; i++) {
      const key = `k${i % 40}`;
      const out = await d.predict([row], { key });
      expect(out.version).toBe(out.variant === 'canary' ? 'v2' : 'v1');
      if (!seen.has(key)) seen.set(key, new Set());
      seen.get(key)?.add(out.variant);
    }
    for (const variants of seen.values()) expect(variants.size).toBe(1);
    const canaryUsers = [...seen.values()].filter((v) => v.has('canary')).length;
    expect(canaryUsers).toBeGreaterThan(3);
    expect(canaryUsers).toBeLessThan(25);
    await d.close();
  });

  it('answers from stable when the canary fails or times out, and counts it', async () => {
    const metrics = new ServingMetrics({ defaultMetrics: false });
    const d = new Deployment(await load('v1'), { name: 'm', batching: false, canaryTimeoutMs: 50, metrics });
    await d.setCanary(await load('v2', { fail: true }), 100);
    const a = await d.predict([row]);
    expect([a.variant, a.fallback]).toEqual(['stable', 'error']);
    await d.setCanary(await load('v2', { extraDelayMs: 200 }), 100);
    const b = await d.predict([row]);
    expect([b.variant, b.fallback]).toEqual(['stable', 'timeout']);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/slipway_variant_failures_total\{model="m",variant="canary",reason="error"\} 1/);
    expect(text).toMatch(/slipway_variant_failures_total\{model="m",variant="canary",reason="timeout"\} 1/);
    const s = d.stats.take();
    expect([s.canary.attempts, s.canary.failures]).toEqual([2, 2]);
    await d.close();
  });

  it('mirrors a share of traffic to a shadow, answers from stable and records the comparison', async () => {
    const metrics = new ServingMetrics({ defaultMetrics: false });
    const d = new Deployment(await load('v1'), { name: 'm', batching: false, canaryTimeoutMs: 500, metrics });
    await d.setShadow(await load('v2'), 100);
    for (let i = 0; i < 10; i++) expect((await d.predict([row])).variant).toBe('stable');
    await new Promise((r) => setTimeout(r, 50));
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/slipway_shadow_requests_total\{model="m",outcome="ok"\} 10/);
    expect(text).toMatch(/slipway_shadow_abs_difference_count\{model="m"\} 10/);
    // Different weights, different answers: the recorded difference is not zero.
    expect(text).not.toMatch(/slipway_shadow_abs_difference_sum\{model="m"\} 0\n/);
    expect(d.stats.take().shadow.attempts).toBe(10);
    await d.close();
  });
});
