import { configSchema } from '@slipway/core';
import { driftReport, profileTable, type Table } from '@slipway/data';
import { describe, expect, it } from 'vitest';
import { createRng } from '../util/rng.js';
import { windowDriftConfig } from './window-drift.js';

/** A training-like table: skewed numbers, an integer hour, a skewed category (like flights' columns). */
function referenceTable(n: number, seed: number): Table {
  const rng = createRng(seed);
  const distance = new Float64Array(n);
  const hour = new Float64Array(n);
  const origin: string[] = [];
  const ones = new Uint8Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    distance[i] = Math.round(100 + Math.exp(5 + rng.next() * 2.5));
    hour[i] = 5 + Math.floor(rng.next() * rng.next() * 19);
    origin.push(`A${Math.floor(20 * rng.next() ** 2)}`);
  }
  return {
    rowCount: n,
    columns: [
      { name: 'distance', sqlType: 'DOUBLE', kind: 'number', values: distance, valid: ones },
      { name: 'hour', sqlType: 'DOUBLE', kind: 'number', values: hour, valid: ones },
      { name: 'origin', sqlType: 'VARCHAR', kind: 'string', values: origin },
    ],
  } as unknown as Table;
}

function sampleRows(t: Table, rows: number, rng: ReturnType<typeof createRng>): Table {
  const idx = Array.from({ length: rows }, () => Math.floor(rng.next() * t.rowCount));
  return {
    rowCount: rows,
    columns: t.columns.map((c) =>
      c.kind === 'string'
        ? { ...c, values: idx.map((i) => c.values[i] as string) }
        : {
            ...c,
            values: Float64Array.from(idx, (i) => c.values[i] as number),
            valid: new Uint8Array(rows).fill(1),
          },
    ),
  } as unknown as Table;
}

describe('drift on small windows', () => {
  // Windows drawn from the reference data itself: every alarm is a false alarm.
  const reference = referenceTable(20_000, 3);
  const profile = profileTable(reference, { source: 'train' });
  const drift = configSchema.shape.drift.parse({});

  async function falseAlarms(rows: number, sized: boolean, windows = 60): Promise<number> {
    const rng = createRng(rows);
    let alarms = 0;
    for (let w = 0; w < windows; w++) {
      const window = sampleRows(reference, rows, rng);
      const config = sized ? windowDriftConfig(drift, rows).config : drift;
      const r = await driftReport({ reference: profile, current: window, config });
      if (r.drifted) alarms++;
    }
    return alarms / windows;
  }

  it('at most 5 % false alarms for 100+ row windows at the default settings', async () => {
    for (const rows of [100, 120, 300, 999, 1000, 2000]) {
      const rate = await falseAlarms(rows, true, rows >= 1000 ? 30 : 60);
      if (process.env.SLIPWAY_PRINT_RATES) console.log(`${rows} rows: false-alarm rate ${rate}`);
      expect(rate, `${rows} rows`).toBeLessThanOrEqual(0.05);
    }
  });

  it("the distances Evidently picks for a large reference alarm on small windows' noise (why the switch)", async () => {
    const rate = await falseAlarms(120, false);
    if (process.env.SLIPWAY_PRINT_RATES) console.log(`120 rows, distances: false-alarm rate ${rate}`);
    expect(rate).toBeGreaterThan(0.2);
  });

  it('says so in a warning, keeps a configured choice, and leaves large windows alone', () => {
    expect(windowDriftConfig(drift, 120).warning).toMatch(/^small window: 120 rows \(< 1,000\)/);
    expect(windowDriftConfig(drift, 120).config.numerical).toEqual({ method: 'ks' });
    const own = { ...drift, numerical: { method: 'psi' as const, threshold: 0.3 } };
    expect(windowDriftConfig(own, 120).config.numerical).toEqual({ method: 'psi', threshold: 0.3 });
    expect(windowDriftConfig(drift, 5000)).toEqual({ config: drift, warning: null });
  });
});
