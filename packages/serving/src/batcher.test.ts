import type { LoadedModelPackage, Predictions, Row } from '@slipway/training';
import { describe, expect, it } from 'vitest';
import { MicroBatcher } from './batcher.js';

/** A model that doubles `x` and records each call's size; `fail` rows make the call throw. */
function fakeModel(delayMs = 0) {
  const calls: number[] = [];
  const pkg = {
    async predictRows(rows: Row[]): Promise<Predictions> {
      calls.push(rows.length);
      if (rows.some((r) => r.fail)) throw new Error('bad row');
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      return {
        task: 'regression',
        n: rows.length,
        values: Float64Array.from(rows, (r) => (r.x as number) * 2),
      };
    },
  } as unknown as LoadedModelPackage;
  return { pkg, calls };
}

describe('micro-batching', () => {
  it('coalesces concurrent requests into one call and splits the answers back', async () => {
    const { pkg, calls } = fakeModel();
    const b = new MicroBatcher(pkg, { maxDelayMs: 5, maxBatchSize: 64 });
    const out = await Promise.all([
      b.predict([{ x: 1 }]),
      b.predict([{ x: 2 }, { x: 3 }]),
      b.predict([{ x: 4 }]),
    ]);
    expect(calls).toEqual([4]);
    expect(out.map((p) => Array.from(p.values))).toEqual([[2], [4, 6], [8]]);
  });

  it('sends a full batch at once and queues the rest while the model runs', async () => {
    const { pkg, calls } = fakeModel(20);
    const b = new MicroBatcher(pkg, { maxDelayMs: 1000, maxBatchSize: 2 });
    const t0 = Date.now();
    await Promise.all([1, 2, 3, 4, 5].map((x) => b.predict([{ x }])));
    expect(calls).toEqual([2, 2, 1]);
    // The last one did not wait for the 1 s timer: it went out when the running call ended.
    expect(Date.now() - t0).toBeLessThan(500);
  });

  it('keeps one bad request from failing its neighbours', async () => {
    const { pkg } = fakeModel();
    const b = new MicroBatcher(pkg, { maxDelayMs: 1, maxBatchSize: 64 });
    const [good, bad] = await Promise.allSettled([b.predict([{ x: 1 }]), b.predict([{ x: 2, fail: true }])]);
    expect(good.status === 'fulfilled' && Array.from(good.value.values)).toEqual([2]);
    expect(bad.status).toBe('rejected');
  });

  it('can be off: one call per request', async () => {
    const { pkg, calls } = fakeModel();
    const b = new MicroBatcher(pkg, false);
    await Promise.all([b.predict([{ x: 1 }]), b.predict([{ x: 2 }])]);
    expect(calls).toEqual([1, 1]);
  });
});
