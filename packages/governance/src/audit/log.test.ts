import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendAudit, startAuditSegment, verifyAudit, verifyAuditLines } from './log.js';
import { fileAuditSink } from './sink.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-audit-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fiveEntries(key: string | null = null) {
  const sink = fileAuditSink(join(dir, 'audit.jsonl'));
  const events = ['train', 'eval', 'register', 'promote', 'rollout'] as const;
  for (const [i, event] of events.entries()) {
    await appendAudit(
      sink,
      { event, outcome: 'ok', actor: 'alice', model: 'm', version: '1', data: { i } },
      { key },
    );
  }
  return sink;
}

describe('audit log', () => {
  it('chains entries and verifies an untouched log', async () => {
    const sink = await fiveEntries();
    const lines = await sink.read();
    expect(lines).toHaveLength(5);
    const entries = lines.map((l) => JSON.parse(l));
    expect(entries[0].prev).toBe('0'.repeat(64));
    expect(entries[1].prev).toBe(entries[0].hash);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    const result = await verifyAudit(sink);
    expect(result).toMatchObject({ ok: true, entries: 5, firstBad: null, head: entries[4].hash });
  });

  it('detects an edited entry and names its line', async () => {
    const sink = await fiveEntries();
    const lines = await sink.read();
    lines[2] = lines[2]!.replace('"actor":"alice"', '"actor":"mallory"');
    const r = verifyAuditLines(lines);
    expect(r.ok).toBe(false);
    expect(r.firstBad).toEqual({ line: 3, reason: expect.stringContaining('edited') });
  });

  it('detects a deleted entry', async () => {
    const sink = await fiveEntries();
    const lines = await sink.read();
    lines.splice(1, 1);
    const r = verifyAuditLines(lines);
    expect(r.firstBad?.line).toBe(2);
    expect(r.firstBad?.reason).toMatch(/deleted, inserted or moved/);
  });

  it('detects an inserted entry, even one with a correct own hash', async () => {
    const sink = await fiveEntries();
    const lines = await sink.read();
    // A forger copies line 2 and re-appends it after line 3 (valid JSON, valid hash of its own content).
    lines.splice(3, 0, lines[1]!);
    const r = verifyAuditLines(lines);
    expect(r.ok).toBe(false);
    expect(r.firstBad?.line).toBe(4);
  });

  it('detects reordered entries', async () => {
    const sink = await fiveEntries();
    const lines = await sink.read();
    [lines[2], lines[3]] = [lines[3]!, lines[2]!];
    const r = verifyAuditLines(lines);
    expect(r.firstBad?.line).toBe(3);
  });

  it('detects truncation of the tail against an anchored head', async () => {
    const sink = await fiveEntries();
    const lines = await sink.read();
    const head = JSON.parse(lines[4]!).hash as string;
    expect(verifyAuditLines(lines, { expectHead: head }).ok).toBe(true);
    const r = verifyAuditLines(lines.slice(0, 4), { expectHead: head });
    expect(r.ok).toBe(false);
    expect(r.firstBad?.reason).toMatch(/removed from the end/);
  });

  it('with a key, a rewritten chain without the key is caught', async () => {
    const sink = await fiveEntries('s3cret');
    expect((await verifyAudit(sink, { key: 's3cret' })).hmacVerified).toBe(true);
    expect((await verifyAudit(sink, { key: 'wrong' })).firstBad).toEqual({
      line: 1,
      reason: expect.stringContaining('HMAC'),
    });
    // Rewriting line 1's content and recomputing every hash (what a forger without the key can do)
    // still fails on the HMAC.
    const { createHash } = await import('node:crypto');
    const { canonicalJson } = await import('@slipway/core');
    const lines = await sink.read();
    let prev = '0'.repeat(64);
    const forged = lines.map((l, i) => {
      const { hash: _h, hmac, ...body } = JSON.parse(l);
      if (i === 0) body.actor = 'mallory';
      body.prev = prev;
      const hash = createHash('sha256').update(canonicalJson(body)).digest('hex');
      prev = hash;
      return JSON.stringify({ ...body, hash, hmac });
    });
    expect(verifyAuditLines(forged).ok).toBe(true);
    const r = verifyAuditLines(forged, { key: 's3cret' });
    expect(r.firstBad?.line).toBe(1);
    expect(r.firstBad?.reason).toMatch(/HMAC/);
  });

  it('refuses to extend a log whose last line is not JSON', async () => {
    const path = join(dir, 'audit.jsonl');
    await writeFile(path, 'garbage\n');
    await expect(
      appendAudit(fileAuditSink(path), { event: 'train', outcome: 'ok', actor: 'a' }),
    ).rejects.toThrow(/not JSON/);
  });

  it('keeps the chain intact under concurrent appends', async () => {
    const sink = fileAuditSink(join(dir, 'audit.jsonl'));
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        appendAudit(fileAuditSink(join(dir, 'audit.jsonl')), {
          event: 'drift',
          outcome: 'alert',
          actor: null,
          data: { i },
        }),
      ),
    );
    const r = await verifyAudit(sink);
    expect(r).toMatchObject({ ok: true, entries: 12 });
    expect((await readFile(join(dir, 'audit.jsonl'), 'utf8')).split('\n')).toHaveLength(13);
  });

  it('a signed chain refuses an unsigned entry (naming the key variable), and an unsigned one a signed entry', async () => {
    const sink = await fiveEntries('s3cret');
    await expect(
      appendAudit(sink, { event: 'approve', outcome: 'allowed', actor: 'dev' }, { keyEnv: 'MY_KEY' }),
    ).rejects.toMatchObject({
      code: 'AUDIT_KEY_REQUIRED',
      message: expect.stringContaining('$MY_KEY is not set'),
    });
    await expect(
      appendAudit(sink, { event: 'approve', outcome: 'allowed', actor: 'dev' }, { key: 'other' }),
    ).rejects.toMatchObject({ code: 'AUDIT_KEY_MISMATCH' });
    // A keyless stage event goes to the separate log; the chain is untouched.
    await appendAudit(sink, { event: 'train', outcome: 'ok', actor: 'dev' }, { keylessFallback: true });
    expect(await sink.read()).toHaveLength(5);
    expect(await sink.unkeyed().read()).toHaveLength(1);
    // An unsigned line smuggled in after signed ones breaks verification even without the key.
    const lines = await sink.read();
    const { hash: _h, hmac: _m, ...last } = JSON.parse(lines[4]!);
    const { createHash } = await import('node:crypto');
    const { canonicalJson } = await import('@slipway/core');
    const body = { ...last, seq: 6, prev: JSON.parse(lines[4]!).hash, event: 'approve' };
    const forged = JSON.stringify({
      ...body,
      hash: createHash('sha256').update(canonicalJson(body)).digest('hex'),
    });
    expect(verifyAuditLines([...lines, forged]).firstBad).toEqual({
      line: 6,
      reason: expect.stringMatching(/no HMAC after signed/),
    });

    const plain = fileAuditSink(join(dir, 'plain.jsonl'));
    await appendAudit(plain, { event: 'train', outcome: 'ok', actor: 'dev' });
    await expect(
      appendAudit(plain, { event: 'train', outcome: 'ok', actor: 'ci' }, { key: 'k' }),
    ).rejects.toMatchObject({ code: 'AUDIT_UNKEYED_HEAD' });
  });

  it('a segment cuts off a broken tail, anchors the last good entry, and verification joins the segments', async () => {
    const path = join(dir, 'audit.jsonl');
    const sink = await fiveEntries('k');
    const { checkpoint } = await verifyAudit(sink, { key: 'k' });
    const { appendFile } = await import('node:fs/promises');
    await appendFile(path, '{"not":"an entry"}\n');
    expect((await verifyAudit(sink, { key: 'k' })).firstBad?.line).toBe(6);
    const seg = await startAuditSegment(sink, { actor: 'ops', reason: 'junk line', key: 'k' });
    expect(seg).toMatchObject({ segment: 2, anchored: { seq: 5 }, cut: { line: 6 } });
    await appendAudit(sink, { event: 'train', outcome: 'ok', actor: 'ci' }, { key: 'k' });
    const r = await verifyAudit(sink, { key: 'k', expectHead: checkpoint });
    expect(r).toMatchObject({ ok: true, entries: 7, segments: 2, cut: [{ positions: [6] }] });
    expect(r.checkpoint).toMatch(/^7:/);
    expect(await readFile(join(dir, 'audit.2.jsonl'), 'utf8')).toMatch(/"event":"segment"/);
    // A checkpoint that is not in the chain (here: a made-up head) fails.
    expect((await verifyAudit(sink, { key: 'k', expectHead: `7:${'e'.repeat(64)}` })).ok).toBe(false);
  });
});
