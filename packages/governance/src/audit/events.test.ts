import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStore } from '@slipway/tracking';
import { describe, expect, it } from 'vitest';
import { recordAuditEvent } from './events.js';
import { verifyAudit } from './log.js';
import { storeAuditSink } from './sink.js';

describe('recordAuditEvent', () => {
  it('appends every kind of event to the store log, with the HMAC key named by the config', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-events-'));
    const store = new LocalStore(join(dir, '.slipway'));
    try {
      const config = { governance: { auditKeyEnv: 'MY_AUDIT_KEY', policy: 'p', card: { tags: [] } } };
      const env = { MY_AUDIT_KEY: 'k1' };
      const m = { model: 'flight-delay', version: '2', actor: 'ci-bot' };
      await recordAuditEvent(
        store,
        config,
        { event: 'train', outcome: 'ok', ...m, data: { runId: 'r1', packageHash: 'abc' } },
        env,
      );
      await recordAuditEvent(
        store,
        config,
        { event: 'eval', outcome: 'ok', ...m, data: { verdict: 'pass' } },
        env,
      );
      await recordAuditEvent(store, config, { event: 'register', outcome: 'allowed', ...m, data: {} }, env);
      await recordAuditEvent(
        store,
        config,
        { event: 'rollout', outcome: 'ok', ...m, data: { step: 0, setWeight: 10 } },
        env,
      );
      await recordAuditEvent(
        store,
        config,
        { event: 'rollback', outcome: 'ok', ...m, data: { reason: 'error_rate' } },
        env,
      );
      await recordAuditEvent(
        store,
        config,
        { event: 'drift', outcome: 'alert', ...m, data: { share: 0.6 } },
        env,
      );
      const sink = storeAuditSink(store);
      expect(await verifyAudit(sink, { key: 'k1' })).toMatchObject({
        ok: true,
        entries: 6,
        hmacVerified: true,
      });
      expect((await verifyAudit(sink, { key: 'k2' })).ok).toBe(false);
      const events = (await sink.read()).map((l) => JSON.parse(l).event);
      expect(events).toEqual(['train', 'eval', 'register', 'rollout', 'rollback', 'drift']);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
