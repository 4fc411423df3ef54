import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendAudit, verifyAudit, verifyAuditLines } from './log.js';
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
});
