import { describe, expect, it } from 'vitest';
import { createProgress, formatBytes, formatDuration } from './progress.js';

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { stream: { isTTY, write: (s: string) => out.push(s) }, out };
}

describe('progress', () => {
  it('prints one line per step and a few in between in CI logs', () => {
    const { stream, out } = sink(false);
    let t = 0;
    const p = createProgress({ stream, now: () => t });
    const task = p.task('hashing', { total: 100, unit: 'items' });
    for (let i = 0; i < 100; i++) {
      t += 10;
      task.tick();
    }
    task.done();
    expect(out[0]).toBe('hashing: started\n');
    expect(out.at(-1)).toMatch(/^hashing: done \(100 in 1s, 100\/s\)\n$/);
    expect(out.length).toBeLessThanOrEqual(12);
  });

  it('draws a bar with rate and ETA on a TTY', () => {
    const { stream, out } = sink(true);
    const saved = process.env.CI;
    delete process.env.CI;
    try {
      let t = 0;
      const task = createProgress({ stream, now: () => t }).task('upload', { total: 4096, unit: 'bytes' });
      t = 1000;
      task.tick(1024);
      expect(out.join('')).toMatch(/upload \[#+-+\]\s+25%\s+1\.0 KiB\/4\.0 KiB\s+ETA 3s\s+1\.0 KiB\/s/);
    } finally {
      if (saved !== undefined) process.env.CI = saved;
    }
  });

  it('is silent with --json when stderr is not a TTY', () => {
    const { stream, out } = sink(false);
    const task = createProgress({ stream, json: true }).task('x', { total: 2 });
    task.tick(2);
    task.done();
    expect(out).toEqual([]);
  });

  it('formats sizes and durations', () => {
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatDuration(125_000)).toBe('2m05s');
  });
});
