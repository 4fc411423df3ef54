/**
 * One call for every stage that must leave a trace (train, eval, register, rollout steps, rollbacks,
 * drift alerts): appends to the store's audit log, with the HMAC key from governance.auditKeyEnv. A
 * writer without the key never poisons a keyed chain: its event goes to the separate unkeyed log.
 */
import type { SlipwayConfig } from '@slipway/core';
import { type AuditEntry, type AuditRecord, appendAudit, auditKeyFromEnv } from './log.js';
import { type LogStore, storeAuditSink } from './sink.js';

export async function recordAuditEvent(
  store: LogStore,
  config: Pick<SlipwayConfig, 'governance'>,
  record: AuditRecord,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AuditEntry> {
  return appendAudit(storeAuditSink(store), record, {
    key: auditKeyFromEnv(config.governance.auditKeyEnv, env),
    keyEnv: config.governance.auditKeyEnv,
    keylessFallback: true,
  });
}
