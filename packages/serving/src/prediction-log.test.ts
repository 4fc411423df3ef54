import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PredictionLog, type PredictionLogEntry } from './prediction-log.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-plog-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const entry = (rows: number): PredictionLogEntry => ({
  ts: '2001-01-01T00:00:00.000Z',
  model: 'm',
  version: '1',
  variant: 'stable',
  rows: Array.from({ length: rows }, (_, i) => ({ x: i })),
  predictions: Array.from({ length: rows }, () => 0.5),
  latencyMs: 1,
});
const tick = () => new Promise((r) => setTimeout(r, 50));

describe('prediction log', () => {
  it('survives a full disk: write errors are counted and reported, never thrown', async () => {
    if (!existsSync('/dev/full')) return;
    const warnings: string[] = [];
    const log = new PredictionLog('/dev/full', { sampleRate: 1, warn: (m) => warnings.push(m) });
    for (let i = 0; i < 20; i++) {
      log.maybeLog(() => entry(3));
      await tick();
    }
    await log.close();
    expect(log.counts.failed).toBeGreaterThan(0);
    expect(log.counts.dropped).toBeGreaterThan(0);
    expect(warnings.join('\n')).toMatch(/ENOSPC/);
  });

  it('keeps at most maxRowsPerEntry rows and records how many the request had', async () => {
    const path = join(dir, 'rows.jsonl');
    const log = new PredictionLog(path, { sampleRate: 1, maxRowsPerEntry: 5 });
    log.maybeLog(() => entry(70_000));
    log.maybeLog(() => entry(2));
    await log.close();
    const lines = (await readFile(path, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as PredictionLogEntry);
    expect(lines[0]?.rows).toHaveLength(5);
    expect(lines[0]?.predictions).toHaveLength(5);
    expect(lines[0]?.rowCount).toBe(70_000);
    expect(lines[1]?.rows).toHaveLength(2);
    expect(lines[1]?.rowCount).toBeUndefined();
  });

  it('rotates at maxBytes, keeping `keep` old files, and never grows past the cap', async () => {
    const path = join(dir, 'rot.jsonl');
    const log = new PredictionLog(path, { sampleRate: 1, maxBytes: 4096, keep: 2 });
    for (let i = 0; i < 400; i++) {
      log.maybeLog(() => entry(1));
      if (i % 20 === 0) await tick();
    }
    await tick();
    await log.close();
    expect(existsSync(`${path}.1`)).toBe(true);
    expect(existsSync(`${path}.2`)).toBe(true);
    expect(existsSync(`${path}.3`)).toBe(false);
    for (const p of [path, `${path}.1`, `${path}.2`]) {
      if (existsSync(p)) expect((await readFile(p)).length).toBeLessThanOrEqual(4096);
    }
    expect(log.counts.written + log.counts.dropped).toBe(400);
  });

  it('drops samples instead of buffering while the disk lags', async () => {
    const path = join(dir, 'bp.jsonl');
    const log = new PredictionLog(path, { sampleRate: 1, maxRowsPerEntry: 10_000 });
    // One turn of the event loop: nothing is flushed, so the stream's buffer fills and later samples drop.
    for (let i = 0; i < 200; i++) log.maybeLog(() => entry(2_000));
    expect(log.counts.dropped).toBeGreaterThan(0);
    expect(log.counts.written).toBeLessThan(200);
    await log.close();
  });
});
