/**
 * Every rollout step and rollback lands in @slipway/governance's hash-chained audit log (the same
 * wiring `slipway serve` uses), and the chain verifies.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '@slipway/core';
import { fileAuditSink, readVerifiedAudit, verifyAudit } from '@slipway/governance';
import { auditEvents, type RolloutState, startServer } from '@slipway/serving';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTinyPackage, writeTinyPackage } from '../packages/serving/src/testing/tiny-package.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-audit-'));
  await writeTinyPackage(join(dir, 'v1'), 1);
  await writeTinyPackage(join(dir, 'v2'), 2);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('rollout audit trail', () => {
  it('records start, steps, analysis and the automatic rollback, hash-chained', async () => {
    const sink = fileAuditSink(join(dir, 'audit.jsonl'));
    const srv = await startServer({
      config: {
        ...configSchema.shape.serving.unwrap().parse({}),
        port: 0,
        workers: 0,
        predictionLog: false,
        stateDir: join(dir, 'state'),
        rollout: {
          ...configSchema.shape.serving.unwrap().parse({}).rollout,
          minRequests: 1,
          steps: [
            { setWeight: 50 },
            {
              analysis: {
                interval: '200ms',
                count: 3,
                failureLimit: 0,
                inconclusiveLimit: 0,
                consecutiveErrorLimit: 4,
                metrics: [{ name: 'error_rate', failureCondition: 'result > 0.05' }],
              },
            },
          ],
        },
      },
      root: dir,
      models: [{ source: 'v1' }],
      load: async (source) => {
        const [path, flag] = source.split('?');
        const pkg = await loadTinyPackage(join(dir, path as string), { fail: flag === 'fail' });
        return { pkg, version: source, source };
      },
      // A named token: the audit log records its name, whatever header the caller writes.
      adminToken: 'alice:k',
      onEvent: await auditEvents(sink, { key: 'audit-hmac-key' }),
      defaultMetrics: false,
    });
    const auth = { authorization: 'Bearer k', 'x-slipway-actor': 'mallory' };
    const r = await fetch(`${srv.url}/admin/models/tiny/rollout`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ source: 'v2?fail' }),
    });
    expect(r.status).toBe(200);
    let state: RolloutState;
    const t0 = Date.now();
    do {
      for (let i = 0; i < 10; i++) {
        await fetch(`${srv.url}/predict`, {
          method: 'POST',
          body: JSON.stringify({ rows: [{ distance: 1, hour: 2, carrier: 'AA' }] }),
        });
      }
      state = (await (
        await fetch(`${srv.url}/admin/models/tiny/rollout`, { headers: auth })
      ).json()) as RolloutState;
    } while (state.phase !== 'Degraded' && Date.now() - t0 < 10_000);
    await srv.close();
    expect(state.phase).toBe('Degraded');
    const verified = await verifyAudit(sink, { key: 'audit-hmac-key' });
    expect(verified.ok).toBe(true);
    expect(verified.hmacVerified).toBe(true);
    const entries = await readVerifiedAudit(sink, 'audit-hmac-key');
    const kinds = entries.map((e) => `${e.event}:${(e.data as { type: string }).type}`);
    expect(kinds[0]).toBe('rollout:rollout.started');
    expect(kinds).toContain('rollout:rollout.step');
    expect(kinds).toContain('rollout:rollout.analysis');
    expect(kinds.at(-1)).toBe('rollback:rollout.aborted');
    expect(entries[0]?.actor).toBe('alice');
    expect(entries.at(-1)?.data).toMatchObject({ automatic: true });
  });
});
