/**
 * The audit log: JSON lines, each entry carrying the hash of the one before it, so an edited, deleted,
 * inserted or reordered line breaks the chain. With a key (governance.auditKeyEnv) every entry also gets
 * an HMAC of its hash, so that rewriting the whole chain needs the key too.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson, hashBytes, SlipwayError } from '@slipway/core';
import { type AuditSegment, type AuditSink, chainLines, POSITION_TAKEN } from './sink.js';

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
  | 'package-code'
  /** The first entry of a new log segment, anchoring the last good entry of the one before. */
  | 'segment';

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
  /** The variable the key is read from (named in errors); default SLIPWAY_AUDIT_KEY. */
  keyEnv?: string;
  now?: () => Date;
  /** The caller already holds `sink.exclusive` (promote does, around its entry and the alias move). */
  locked?: boolean;
  /**
   * For events from writers that may hold no key (train, eval, serve, drift): when the chain is keyed and
   * no key is given, the entry goes to the sink's separate unkeyed log instead of being refused.
   */
  keylessFallback?: boolean;
}

/** What an entry is built from: a record, or a function of the chain's head (re-run after a lost race). */
export type AuditRecordSource = AuditRecord | ((head: AuditHead) => AuditRecord | Promise<AuditRecord>);

export interface AuditHead {
  /** seq of the last entry (0 for an empty log). */
  seq: number;
  hash: string;
  /** True when the last entry carries an HMAC. */
  keyed: boolean;
}

/** The chain's head as appending sees it, with the segment and position the next entry goes to. */
async function appendPoint(
  sink: AuditSink,
): Promise<{ head: AuditHead; segment: number; position: number; headEntry: Partial<AuditEntry> | null }> {
  const segments = await sink.readSegments();
  const layout = layoutSegments(segments);
  const gap = layout.problems.find((p) => p.segment === (segments.at(-1)?.index ?? 1));
  if (gap) {
    throw new SlipwayError(
      'AUDIT_CORRUPT',
      `${gap.location}: ${gap.reason}; refusing to extend a broken chain`,
      {
        hint: 'run `slipway audit verify`; then `slipway audit segment --reason <why>` starts a new segment anchoring the last good entry',
      },
    );
  }
  const last = layout.lines.at(-1);
  const lastSeg = segments.at(-1);
  const segment = lastSeg?.index ?? 1;
  const position = (lastSeg?.lines.length ?? 0) + 1;
  if (last === undefined)
    return { head: { seq: 0, hash: GENESIS_HASH, keyed: false }, segment, position, headEntry: null };
  let parsed: Partial<AuditEntry>;
  try {
    parsed = JSON.parse(last) as Partial<AuditEntry>;
  } catch {
    throw new SlipwayError(
      'AUDIT_CORRUPT',
      `${lastSeg!.location}:${lastSeg!.lines.length}: the last audit entry is not JSON; refusing to extend a broken chain`,
      { hint: 'run `slipway audit verify` to find the first bad line' },
    );
  }
  if (
    typeof parsed.hash !== 'string' ||
    typeof parsed.seq !== 'number' ||
    parsed.seq !== layout.lines.length
  ) {
    throw new SlipwayError(
      'AUDIT_CORRUPT',
      `${lastSeg!.location}:${lastSeg!.lines.length}: the last audit entry has no hash, or its seq is not its position`,
      { hint: 'run `slipway audit verify` to find the first bad line' },
    );
  }
  return {
    head: { seq: parsed.seq, hash: parsed.hash, keyed: typeof parsed.hmac === 'string' },
    segment,
    position,
    headEntry: parsed,
  };
}

/** A keyed chain stays keyed: refuses an unsigned entry after a signed head, and the reverse. */
function checkKeying(
  sink: AuditSink,
  head: AuditHead,
  headEntry: Partial<AuditEntry> | null,
  options: AppendOptions,
): void {
  const env = options.keyEnv ?? 'SLIPWAY_AUDIT_KEY';
  if (head.seq === 0) return;
  if (head.keyed && !options.key) {
    throw new SlipwayError(
      'AUDIT_KEY_REQUIRED',
      `${sink.location}: the audit chain is signed (entry ${head.seq} carries an HMAC) but $${env} is not set; an unsigned entry would break it`,
      {
        hint: `run this where $${env} holds the audit key (the release job), or ask someone who holds it`,
        exitCode: 1,
      },
    );
  }
  if (head.keyed && options.key && headEntry?.hmac !== hmacOf(options.key, head.hash)) {
    throw new SlipwayError(
      'AUDIT_KEY_MISMATCH',
      `${sink.location}: entry ${head.seq} was not signed with the key in $${env} (wrong key, or a forged entry)`,
      { hint: '`slipway audit verify` with the right key names the first bad entry', exitCode: 1 },
    );
  }
  if (!head.keyed && options.key) {
    throw new SlipwayError(
      'AUDIT_UNKEYED_HEAD',
      `${sink.location}: $${env} is set but the audit chain is unsigned up to entry ${head.seq}; a signed entry cannot vouch for unsigned ones silently`,
      {
        hint: 'start a signed segment once, with the key: `slipway audit segment --reason "start signing"` (it anchors the unsigned head)',
        exitCode: 1,
      },
    );
  }
}

/** Appends one entry, chained to the last one; returns the entry written. */
export async function appendAudit(
  sink: AuditSink,
  record: AuditRecordSource,
  options: AppendOptions = {},
): Promise<AuditEntry> {
  const body = async (): Promise<AuditEntry> => {
    for (let attempt = 0; attempt < 200; attempt++) {
      const point = await appendPoint(sink);
      if (options.keylessFallback && !options.key && point.head.keyed) {
        const side = sink.unkeyed();
        if (side !== sink)
          return appendAudit(side, record, { ...options, locked: false, keylessFallback: false });
      }
      checkKeying(sink, point.head, point.headEntry, options);
      const r = typeof record === 'function' ? await record(point.head) : record;
      const entry = buildEntry(point.head, r, options);
      try {
        await sink.appendAt(point.segment, point.position, JSON.stringify(entry));
        return entry;
      } catch (err) {
        // Someone else appended first: re-read the head, rebuild the entry, try again.
        if ((err as { code?: string }).code !== POSITION_TAKEN) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** Math.min(attempt, 6))));
      }
    }
    throw new SlipwayError('AUDIT_CONTENDED', `${sink.location}: could not append after 200 tries`, {
      hint: 'too many concurrent writers; retry',
    });
  };
  return options.locked ? body() : sink.exclusive(body);
}

function buildEntry(head: AuditHead, record: AuditRecord, options: AppendOptions): AuditEntry {
  const body: Omit<AuditEntry, 'hash' | 'hmac'> = {
    schema: AUDIT_SCHEMA,
    seq: head.seq + 1,
    ts: (options.now?.() ?? new Date()).toISOString(),
    event: record.event,
    outcome: record.outcome,
    actor: record.actor,
    model: record.model ?? null,
    version: record.version ?? null,
    data: record.data ?? {},
    prev: head.hash,
  };
  const hash = entryHash(body);
  return { ...body, hash, ...(options.key ? { hmac: hmacOf(options.key, hash) } : {}) };
}

/**
 * Starts segment k + 1 with a `segment` entry anchoring the last good entry, cutting off a broken tail of
 * the last segment (a junk or gap position that cannot be deleted) or turning an unsigned chain into a
 * signed one. The entry records what was cut and why; it is signed when a key is given.
 */
export async function startAuditSegment(
  sink: AuditSink,
  input: { actor: string | null; reason: string; key?: string | null; keyEnv?: string; now?: () => Date },
): Promise<{
  entry: AuditEntry;
  segment: number;
  cut: AuditProblem | null;
  anchored: { seq: number; hash: string };
}> {
  if (!input.reason.trim())
    throw new SlipwayError('USAGE', 'a new audit segment needs a reason', { hint: 'pass --reason "<why>"' });
  return sink.exclusive(async () => {
    const segments = await sink.readSegments();
    const lastIndex = segments.at(-1)?.index ?? 1;
    const layout = layoutSegments(segments);
    // An unsigned chain is checked as one (a key then starts signing it); a signed one with the key.
    const signed = parseAuditLines(layout.lines).some((e) => typeof e.hmac === 'string');
    const result = verifyLayout(layout, {
      key: signed ? (input.key ?? null) : null,
      location: sink.location,
    });
    const good = result.ok ? layout.lines.length : result.firstBad!.line - 1;
    const lastStart = layout.segmentStart.get(lastIndex) ?? 1;
    if (good + 1 < lastStart) {
      throw new SlipwayError(
        'AUDIT_TAMPERED',
        `${sink.location}: line ${result.firstBad!.line} is broken (${result.firstBad!.reason}), before the last segment; a segment only cuts off the tail`,
        { hint: 'restore the log from a trusted copy', exitCode: 1 },
      );
    }
    const goodLines = layout.lines.slice(0, good);
    const lastGood = goodLines.length ? (JSON.parse(goodLines.at(-1)!) as AuditEntry) : null;
    if (lastGood?.hmac && input.key && lastGood.hmac !== hmacOf(input.key, lastGood.hash)) {
      throw new SlipwayError(
        'AUDIT_KEY_MISMATCH',
        `${sink.location}: entry ${lastGood.seq} was not signed with this key`,
        {
          hint: 'use the audit key the chain was signed with',
          exitCode: 1,
        },
      );
    }
    if (lastGood?.hmac && !input.key) {
      throw new SlipwayError(
        'AUDIT_KEY_REQUIRED',
        `${sink.location}: the audit chain is signed but $${input.keyEnv ?? 'SLIPWAY_AUDIT_KEY'} is not set`,
        { hint: 'start a segment where the audit key is available', exitCode: 1 },
      );
    }
    const head: AuditHead = lastGood
      ? { seq: lastGood.seq, hash: lastGood.hash, keyed: Boolean(lastGood.hmac) }
      : { seq: 0, hash: GENESIS_HASH, keyed: false };
    const segment = segments.length === 0 ? 1 : lastIndex + 1;
    const entry = buildEntry(
      head,
      {
        event: 'segment',
        outcome: 'ok',
        actor: input.actor,
        data: {
          segment,
          anchor: { seq: head.seq, hash: head.hash },
          reason: input.reason.slice(0, 1000),
          cut: result.ok
            ? null
            : { line: result.firstBad!.line, reason: result.firstBad!.reason.slice(0, 500) },
          signed: Boolean(input.key),
        },
      },
      { key: input.key ?? null, ...(input.now ? { now: input.now } : {}) },
    );
    await sink.appendAt(segment, 1, JSON.stringify(entry));
    return {
      entry,
      segment,
      cut: result.ok ? null : result.firstBad,
      anchored: { seq: head.seq, hash: head.hash },
    };
  });
}

/** The logical chain of a segmented log, with the gaps found in it (each with its position). */
export interface AuditLayout {
  lines: string[];
  /** seq of each segment's first line in the chain. */
  segmentStart: Map<number, number>;
  problems: { segment: number; location: string; line: number; reason: string }[];
  /** Lines left after a segment's anchor (cut off by the next segment), for the record. */
  cut: { segment: number; location: string; positions: number[] }[];
}

export function layoutSegments(segments: AuditSegment[]): AuditLayout {
  const lines = chainLines(segments);
  const segmentStart = new Map<number, number>();
  const problems: AuditLayout['problems'] = [];
  const cut: AuditLayout['cut'] = [];
  let seen = 0;
  for (const [i, seg] of segments.entries()) {
    segmentStart.set(seg.index, seen + 1);
    const next = segments[i + 1];
    const nextFirst = next?.lines.find((l) => l.position === 1);
    // The last segment keeps everything (a line far ahead is a gap to report, not a cut).
    let keep = Number.POSITIVE_INFINITY;
    if (next && nextFirst) {
      try {
        const seq = (JSON.parse(nextFirst.line) as { seq?: number }).seq;
        if (typeof seq === 'number') keep = Math.max(0, seq - 1 - seen);
      } catch {}
    }
    const kept = seg.lines.filter((l) => l.position <= keep);
    const rest = seg.lines.filter((l) => l.position > keep);
    if (rest.length)
      cut.push({ segment: seg.index, location: seg.location, positions: rest.map((l) => l.position) });
    let expected = 1;
    for (const l of kept) {
      if (l.position !== expected) {
        problems.push({
          segment: seg.index,
          location: seg.location,
          line: seen + expected,
          reason: `position ${expected} is empty but position ${l.position} holds a line (a gap: a line written ahead of the chain, or one lost)`,
        });
        break;
      }
      expected++;
    }
    seen += expected - 1;
    if (problems.length) break;
  }
  return { lines, segmentStart, problems, cut };
}
export interface AuditProblem {
  /** 1-based position in the chain (the entry's seq). */
  line: number;
  reason: string;
}

export interface VerifyResult {
  ok: boolean;
  entries: number;
  /** The first line that breaks the chain, with why. */
  firstBad: AuditProblem | null;
  /** Hash of the last good entry: anchor it elsewhere to detect truncation of the tail. */
  head: string;
  /** `<seq>:<hash>` of the last good entry: the checkpoint `--expect-head` takes. */
  checkpoint: string;
  /** True when a key was given and every entry's HMAC matched. */
  hmacVerified: boolean;
  location: string;
  /** Segments read (1 for a log never segmented). */
  segments?: number;
  /** Lines a later segment cut off (kept in the store, not part of the chain). */
  cut?: { location: string; positions: number[] }[];
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

/** Parses `<hash>` or `<seq>:<hash>` (what `audit verify` prints as the checkpoint). */
export function parseCheckpoint(text: string): { seq: number | null; hash: string } {
  const m = /^(?:(\d+):)?([0-9a-f]{64})$/.exec(text.trim());
  if (!m)
    throw new SlipwayError('USAGE', `"${text}" is not an audit checkpoint`, {
      hint: 'pass <seq>:<sha256> (or just the sha256) as `slipway audit verify` prints it',
    });
  return { seq: m[1] ? Number(m[1]) : null, hash: m[2]! };
}

/**
 * Walks the chain from the first line and stops at the first break: bad JSON, a seq that is not the
 * line number (deleted or inserted lines), a prev that is not the previous hash (reordered, deleted,
 * inserted), a hash that does not match the content (edited), an HMAC that does not match the key, or an
 * unsigned entry after a signed one (a keyed chain stays keyed; only a `segment` entry may start signing).
 * `expectHead` (a checkpoint taken earlier) must still be in the chain: a log cut below it fails.
 */
export function verifyAuditLines(
  lines: string[],
  options: { key?: string | null; expectHead?: string | null; location?: string } = {},
): VerifyResult {
  const key = options.key ?? null;
  let prev = GENESIS_HASH;
  let good = 0;
  let signedSeen = false;
  const hashes: string[] = [];
  const firstSigned = lines.findIndex((l) => {
    try {
      return typeof (JSON.parse(l) as AuditEntry).hmac === 'string';
    } catch {
      return false;
    }
  });
  const fail = (line: number, reason: string): VerifyResult => ({
    ok: false,
    entries: lines.length,
    firstBad: { line, reason },
    head: prev,
    checkpoint: `${good}:${prev}`,
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
    const signed = typeof hmac === 'string';
    if (signedSeen && !signed)
      return fail(line, 'no HMAC after signed entries (written without the audit key, or stripped)');
    if (!signedSeen && signed && i > 0 && entry.event !== 'segment')
      return fail(
        line,
        'signed entry after unsigned ones without a `segment` entry starting the signed part',
      );
    if (key) {
      // Unsigned entries may only precede the segment entry that starts the signed part.
      if (!signed && firstSigned === -1) return fail(line, 'no HMAC although an audit key is configured');
      if (signed && !safeEqualHex(hmacOf(key, hash), hmac!))
        return fail(line, 'HMAC does not match the audit key (forged or re-hashed entry)');
    }
    signedSeen ||= signed;
    prev = hash;
    good = line;
    hashes.push(hash);
  }
  if (options.expectHead) {
    const want = parseCheckpoint(options.expectHead);
    const at = want.seq ?? hashes.lastIndexOf(want.hash) + 1;
    if (at < 1 || hashes[at - 1] !== want.hash) {
      return fail(
        Math.min(lines.length, want.seq ?? lines.length),
        `the checkpoint ${want.seq ?? '?'}:${want.hash.slice(0, 12)}… is not in the chain (its head is ${good}:${prev.slice(0, 12)}…): entries were removed from the end or rewritten`,
      );
    }
  }
  return {
    ok: true,
    entries: lines.length,
    firstBad: null,
    head: prev,
    checkpoint: `${good}:${prev}`,
    hmacVerified: key !== null && signedSeen,
    location: options.location ?? 'audit log',
  };
}

/** Verifies a segmented log: the chain's own rules plus the gaps of each segment (named by position). */
export function verifyLayout(
  layout: AuditLayout,
  options: { key?: string | null; expectHead?: string | null; location?: string } = {},
): VerifyResult {
  const gap = layout.problems[0];
  const upTo = gap ? layout.lines.slice(0, gap.line - 1) : layout.lines;
  const result = verifyAuditLines(upTo, {
    ...options,
    expectHead: gap ? null : (options.expectHead ?? null),
  });
  const extra = {
    segments: layout.segmentStart.size || 1,
    cut: layout.cut.map(({ location, positions }) => ({ location, positions })),
  };
  if (!result.ok || !gap) return { ...result, entries: layout.lines.length, ...extra };
  return {
    ...result,
    ok: false,
    entries: layout.lines.length,
    firstBad: { line: gap.line, reason: `${gap.location}: ${gap.reason}` },
    hmacVerified: false,
    ...extra,
  };
}

export async function verifyAudit(
  sink: AuditSink,
  options: { key?: string | null; expectHead?: string | null } = {},
): Promise<VerifyResult> {
  return verifyLayout(layoutSegments(await sink.readSegments()), { ...options, location: sink.location });
}

/** Reads and verifies, then returns the entries; a broken chain is an error (nothing is trusted from it). */
export async function readVerifiedAudit(sink: AuditSink, key?: string | null): Promise<AuditEntry[]> {
  const layout = layoutSegments(await sink.readSegments());
  const result = verifyLayout(layout, { key: key ?? null, location: sink.location });
  if (!result.ok) {
    throw new SlipwayError(
      'AUDIT_TAMPERED',
      `${sink.location}:${result.firstBad!.line}: ${result.firstBad!.reason}`,
      { hint: 'the audit log was modified; restore it from a trusted copy before promoting', exitCode: 1 },
    );
  }
  return parseAuditLines(layout.lines);
}
