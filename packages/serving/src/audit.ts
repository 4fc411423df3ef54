/** Rollout and reload events → @slipway/governance's hash-chained audit log. */
import { SlipwayError } from '@slipway/core';
import type { RolloutEvent } from './rollout/controller.js';

interface AuditRecordLike {
  event: 'rollout' | 'rollback' | 'package-code';
  outcome: 'ok' | 'failed' | 'allowed';
  actor: string | null;
  model: string;
  version: string | null;
  data: Record<string, unknown>;
}

/** The governance functions used here (structural, so serving type-checks against any governance build). */
interface Governance {
  appendAudit(
    sink: unknown,
    record: AuditRecordLike,
    options: { key?: string | null; keylessFallback?: boolean },
  ): Promise<unknown>;
  fileAuditSink(path: string): unknown;
  storeAuditSink(store: unknown, name?: string): unknown;
}

export async function governance(): Promise<Governance> {
  const g = (await import('@slipway/governance')) as unknown as Partial<Governance>;
  if (
    typeof g.appendAudit !== 'function' ||
    typeof g.fileAuditSink !== 'function' ||
    typeof g.storeAuditSink !== 'function'
  ) {
    throw new SlipwayError('NO_AUDIT_LOG', '@slipway/governance has no audit log in this build', {
      hint: 'update @slipway/governance',
    });
  }
  return g as Governance;
}

/** Maps one event to an audit record: aborts are `rollback`, failed loads have outcome `failed`. */
export function auditRecord(e: RolloutEvent, fallbackActor: string | null = null): AuditRecordLike {
  const failed = e.type === 'rollout.start_failed' || e.type === 'model.reload_failed';
  const d = e.details as Record<string, { version?: string } | undefined>;
  return {
    event: e.type === 'rollout.aborted' ? 'rollback' : 'rollout',
    outcome: failed ? 'failed' : 'ok',
    actor: e.actor ?? fallbackActor,
    model: e.model,
    version: d.canary?.version ?? d.stable?.version ?? null,
    data: { type: e.type, at: e.at, ...e.details },
  };
}

/**
 * An `onEvent` callback appending each event to the audit log held by `sink` (a governance AuditSink).
 * A server without the audit key never breaks a signed chain: its events go to the unkeyed log instead.
 */
export async function auditEvents(
  sink: unknown,
  options: { key?: string | null; actor?: string } = {},
): Promise<(e: RolloutEvent) => Promise<void>> {
  const g = await governance();
  return async (e) => {
    await g.appendAudit(sink, auditRecord(e, options.actor ?? null), {
      key: options.key ?? null,
      keylessFallback: true,
    });
  };
}
