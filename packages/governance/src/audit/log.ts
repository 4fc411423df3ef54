/**
 * The audit log: JSON lines, each entry carrying the hash of the one before it, so an edited, deleted,
 * inserted or reordered line breaks the chain. With a key (governance.auditKeyEnv) every entry also gets
 * an HMAC of its hash, so that rewriting the whole chain needs the key too.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson, hashBytes, SlipwayError } from '@slipway/core';
import type { AuditSink } from './sink.js';

export const AUDIT_SCHEMA = 'slipway.audit/v1';
export const GENESIS_HASH = '0'.repeat(64);

export type AuditEvent =
  | 'train'
  | 'eval'
  | 'card'
  | 'register'
  | 'approve'
  | 'promote'
  | 'rollout'
  | 'rollback'
  | 'drift'
  /** A package's bundled custom-transform code was admitted (`--allow-package-code`). */
  | 'package-code';

export interface AuditRecord {
  event: AuditEvent;
  /** allowed / refused for decisions; ok / failed for steps; alert for drift. */
  outcome: 'allowed' | 'refused' | 'ok' | 'failed' | 'alert';
  actor: string | null;
  model?: string | null;
  version?: string | null;
  /** Event-specific facts (alias moved, rule that refused, step weight, drift share, …). */
  data?: Record<string, unknown>;
}

export interface AuditEntry extends Required<Omit<AuditRecord, 'data'>> {
  schema: typeof AUDIT_SCHEMA;
  /** 1-based position in the log: equals the line number. */
  seq: number;
  ts: string;
  data: Record<string, unknown>;
  /** Hash of the previous entry (GENESIS_HASH for the first). */
  prev: string;
  /** sha256 of the canonical JSON of every other field (hash and hmac excluded). */
  hash: string;
  /** HMAC-SHA256 of `hash` under the audit key, when one is configured. */
  hmac?: string;
}

function entryHash(entry: Omit<AuditEntry, 'hash' | 'hmac'>): string {
  return hashBytes(canonicalJson(entry));
}

function hmacOf(key: string, hash: string): string {
  return createHmac('sha256', key).update(hash).digest('hex');
}

/** The audit key from the environment variable the config names (governance.auditKeyEnv). */
export function auditKeyFromEnv(envName: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const key = env[envName];
  return key && key.length > 0 ? key : null;
}

export interface AppendOptions {
  key?: string | null;
  now?: () => Date;
}

/** Appends one entry, chained to the last one; returns the entry written. */
export async function appendAudit(
  sink: AuditSink,
  record: AuditRecord,
  options: AppendOptions = {},
): Promise<AuditEntry> {
  return sink.exclusive(async () => {
    const lines = await sink.read();
    let prev = GENESIS_HASH;
    let seq = 1;
    const last = lines.at(-1);
    if (last !== undefined) {
      let parsed: Partial<AuditEntry>;
      try {
        parsed = JSON.parse(last) as Partial<AuditEntry>;
      } catch {
        throw new SlipwayError(
          'AUDIT_CORRUPT',
          `${sink.location}:${lines.length}: the last audit entry is not JSON; refusing to extend a broken chain`,
          { hint: 'run `slipway audit verify` to find the first bad line' },
        );
      }
      if (typeof parsed.hash !== 'string' || typeof parsed.seq !== 'number') {
        throw new SlipwayError(
          'AUDIT_CORRUPT',
          `${sink.location}:${lines.length}: the last audit entry has no hash/seq`,
          {
            hint: 'run `slipway audit verify` to find the first bad line',
          },
        );
      }
      prev = parsed.hash;
      seq = lines.length + 1;
    }
    const body: Omit<AuditEntry, 'hash' | 'hmac'> = {
      schema: AUDIT_SCHEMA,
      seq,
      ts: (options.now?.() ?? new Date()).toISOString(),
      event: record.event,
      outcome: record.outcome,
      actor: record.actor,
      model: record.model ?? null,
      version: record.version ?? null,
      data: record.data ?? {},
      prev,
    };
    const hash = entryHash(body);
    const entry: AuditEntry = { ...body, hash, ...(options.key ? { hmac: hmacOf(options.key, hash) } : {}) };
    await sink.append(JSON.stringify(entry));
    return entry;
  });
}

export interface AuditProblem {
  /** 1-based line number. */
  line: number;
  reason: string;
}

export interface VerifyResult {
  ok: boolean;
  entries: number;
  /** The first line that breaks the chain, with why. */
  firstBad: AuditProblem | null;
  /** Hash of the last entry: anchor it elsewhere to detect truncation of the tail. */
  head: string;
  /** True when a key was given and every entry's HMAC matched. */
  hmacVerified: boolean;
  location: string;
}

function safeEqualHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** Parses audit lines; entries that fail verification are still returned (callers verify first). */
export function parseAuditLines(lines: string[]): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (const l of lines) {
    try {
      out.push(JSON.parse(l) as AuditEntry);
    } catch {}
  }
  return out;
}

/**
 * Walks the chain from the first line and stops at the first break: bad JSON, a seq that is not the
 * line number (deleted or inserted lines), a prev that is not the previous hash (reordered, deleted,
 * inserted), a hash that does not match the content (edited), or an HMAC that does not match the key.
 */
export function verifyAuditLines(
  lines: string[],
  options: { key?: string | null; expectHead?: string | null; location?: string } = {},
): VerifyResult {
  const key = options.key ?? null;
  let prev = GENESIS_HASH;
  const fail = (line: number, reason: string): VerifyResult => ({
    ok: false,
    entries: lines.length,
    firstBad: { line, reason },
    head: prev,
    hmacVerified: false,
    location: options.location ?? 'audit log',
  });
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    let entry: AuditEntry;
    try {
      entry = JSON.parse(lines[i]!) as AuditEntry;
    } catch {
      return fail(line, 'not valid JSON');
    }
    if (!entry || typeof entry !== 'object' || entry.schema !== AUDIT_SCHEMA) {
      return fail(line, `not a ${AUDIT_SCHEMA} entry`);
    }
    const { hash, hmac, ...body } = entry;
    if (entry.prev !== prev) {
      return fail(
        line,
        `prev is ${String(entry.prev).slice(0, 12)}… but the entry before it hashes to ${prev.slice(0, 12)}… (an entry was deleted, inserted or moved here)`,
      );
    }
    if (entry.seq !== line) {
      return fail(line, `seq is ${entry.seq} on line ${line} (an entry was deleted, inserted or moved)`);
    }
    const actual = entryHash(body);
    if (typeof hash !== 'string' || !safeEqualHex(actual, hash)) {
      return fail(line, 'content does not match its hash (the entry was edited)');
    }
    if (key) {
      if (typeof hmac !== 'string') return fail(line, 'no HMAC although an audit key is configured');
      if (!safeEqualHex(hmacOf(key, hash), hmac))
        return fail(line, 'HMAC does not match the audit key (forged or re-hashed entry)');
    }
    prev = hash;
  }
  if (options.expectHead && options.expectHead !== prev) {
    return {
      ...fail(
        lines.length,
        `the last entry hashes to ${prev.slice(0, 12)}… but the anchored head is ${options.expectHead.slice(0, 12)}… (entries were removed from the end or rewritten)`,
      ),
      head: prev,
    };
  }
  return {
    ok: true,
    entries: lines.length,
    firstBad: null,
    head: prev,
    hmacVerified: key !== null && lines.length > 0,
    location: options.location ?? 'audit log',
  };
}

export async function verifyAudit(
  sink: AuditSink,
  options: { key?: string | null; expectHead?: string | null } = {},
): Promise<VerifyResult> {
  return verifyAuditLines(await sink.read(), { ...options, location: sink.location });
}

/** Reads and verifies, then returns the entries; a broken chain is an error (nothing is trusted from it). */
export async function readVerifiedAudit(sink: AuditSink, key?: string | null): Promise<AuditEntry[]> {
  const lines = await sink.read();
  const result = verifyAuditLines(lines, { key: key ?? null, location: sink.location });
  if (!result.ok) {
    throw new SlipwayError(
      'AUDIT_TAMPERED',
      `${sink.location}:${result.firstBad!.line}: ${result.firstBad!.reason}`,
      { hint: 'the audit log was modified; restore it from a trusted copy before promoting', exitCode: 1 },
    );
  }
  return parseAuditLines(lines);
}
