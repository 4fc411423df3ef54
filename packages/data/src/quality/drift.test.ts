import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connect, sqlString } from '../table/duckdb.js';
import { writeTable } from '../table/write.js';
import { defaultMethod, driftReport } from './drift.js';
import { profileTable } from './profile.js';
import { renderDriftHtml } from './render-html.js';
import { renderDriftMarkdown } from './render-markdown.js';
import { normal, numberColumn, rng, stringColumn, table, tempDir, writeText } from './test-helpers.js';

function sample(n: number, seed: number, shift = 0) {
  const r = rng(seed);
  return table(
    numberColumn(
      'x',
      Array.from({ length: n }, () => normal(r, shift)),
    ),
    stringColumn(
      'c',
      Array.from({ length: n }, () => (r() < 0.2 + shift * 0.3 ? 'red' : r() < 0.5 ? 'green' : 'blue')),
    ),
    stringColumn(
      'b',
      Array.from({ length: n }, () => (r() < 0.5 + shift / 4 ? 'yes' : 'no')),
    ),
  );
}

describe('defaultMethod (Evidently automatic choice)', () => {
  it('follows the table for small and large references', () => {
    expect(defaultMethod('numerical', 1000, 2)).toBe('z');
    expect(defaultMethod('numerical', 1000, 5)).toBe('chisquare');
    expect(defaultMethod('numerical', 1000, 6)).toBe('ks');
    expect(defaultMethod('categorical', 1000, 2)).toBe('z');
    expect(defaultMethod('categorical', 1000, 3)).toBe('chisquare');
    expect(defaultMethod('numerical', 1001, 5)).toBe('jensenshannon');
    expect(defaultMethod('numerical', 1001, null)).toBe('wasserstein');
    expect(defaultMethod('categorical', 1001, 2)).toBe('jensenshannon');
  });
});

describe('driftReport', () => {
  it('uses KS / chi-square / Z on a small reference and flags a shifted sample', async () => {
    const same = await driftReport({ reference: profileTable(sample(500, 1)), current: sample(400, 2) });
    expect(same.columns.map((c) => [c.column, c.method, c.scoreType])).toEqual([
      ['x', 'ks', 'p_value'],
      ['c', 'chisquare', 'p_value'],
      ['b', 'z', 'p_value'],
    ]);
    expect(same.drifted).toBe(false);
    expect(same.columns.every((c) => c.approximate === false)).toBe(true);
    const moved = await driftReport({ reference: profileTable(sample(500, 1)), current: sample(400, 3, 1) });
    expect(moved.columns.map((c) => c.drifted)).toEqual([true, true, true]);
    expect(moved).toMatchObject({
      drifted: true,
      share: 1,
      shareThreshold: 0.5,
      driftedCount: 3,
      testedCount: 3,
    });
  });

  it('uses normed Wasserstein and Jensen-Shannon distance on a large reference', async () => {
    const report = await driftReport({ reference: sample(3000, 4), current: sample(2000, 5, 1) });
    const [x, c, b] = report.columns;
    expect([x!.method, c!.method, b!.method]).toEqual(['wasserstein', 'jensenshannon', 'jensenshannon']);
    expect(c!.jensenShannon).toEqual({ quantity: 'distance', logBase: 'e' });
    expect(x!.drifted).toBe(true);
    expect(x!.statistic).toBeGreaterThan(0.3);
    expect(x!.psi).toBeGreaterThan(0.1);
  });

  it('applies per-column and per-kind overrides and the share threshold from config', async () => {
    const report = await driftReport({
      reference: sample(3000, 4),
      current: sample(2000, 5, 1),
      config: {
        shareThreshold: 0.9,
        columns: { x: { method: 'psi', threshold: 50 } },
        categorical: { method: 'chisquare' },
        ignore: ['b'],
      },
    });
    expect(report.columns.map((c) => [c.column, c.method, c.methodSource, c.threshold])).toEqual([
      ['x', 'psi', 'config:column', 50],
      ['c', 'chisquare', 'config:categorical', 0.05],
    ]);
    expect(report.columns[0]!.drifted).toBe(false);
    expect(report.shareThreshold).toBe(0.9);
    await expect(
      driftReport({
        reference: sample(100, 1),
        current: sample(100, 2),
        config: { columns: { c: { method: 'ks' } } },
      }),
    ).rejects.toThrow(/drift.columns.c: ks needs a numerical column/);
  });

  it('works from a saved reference profile alone, with the same answer as from the data', async () => {
    const ref = sample(800, 8);
    const cur = sample(700, 9, 0.2);
    const fromData = await driftReport({ reference: ref as never, current: cur });
    const dir = await tempDir();
    const path = join(dir, 'profile.json');
    const { writeJsonAtomic } = await import('@slipway/core');
    await writeJsonAtomic(path, profileTable(ref));
    const fromProfile = await driftReport({ reference: path, current: cur });
    expect(fromProfile.columns.map((c) => c.statistic)).toEqual(fromData.columns.map((c) => c.statistic));
  });

  it('reports missing and new columns, skips all-null and type-changed columns, drops NaN/Infinity', async () => {
    const ref = table(
      numberColumn('x', [1, 2, 3, 4, 5, 6, 7, 8]),
      numberColumn('gone', [1, 2, 3, 4, 5, 6, 7, 8]),
      stringColumn('empty', [null, null, null, null, null, null, null, null]),
      stringColumn('flip', ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']),
    );
    const cur = table(
      numberColumn('x', [1, 2, Number.NaN, Number.POSITIVE_INFINITY, 5, 6, 7, 8]),
      stringColumn('empty', [null, null, null, null, null, null, null, null]),
      numberColumn('flip', [1, 2, 1, 2, 1, 2, 1, 2]),
      stringColumn('fresh', ['n', 'e', 'w', '!', 'n', 'e', 'w', '!']),
    );
    const r = await driftReport({ reference: profileTable(ref), current: cur });
    expect(r.missingColumns).toEqual(['gone']);
    expect(r.newColumns).toEqual(['fresh']);
    expect(r.skipped).toEqual([
      { column: 'empty', reason: 'no non-null values in reference' },
      { column: 'flip', reason: 'type changed: string in reference, number in current' },
    ]);
    const x = r.columns.find((c) => c.column === 'x')!;
    expect(x.currentCount).toBe(6);
    expect(x.notes[0]).toMatch(/dropped NaN\/±Infinity before testing: 0 in reference, 2 in current/);
    // The missing column counts as drifted: 1 of 2.
    expect(r).toMatchObject({ driftedCount: 1, testedCount: 2, share: 0.5, drifted: true });
  });

  it('refuses an empty dataset with a clear error', async () => {
    const empty = await writeText('empty.csv', 'x,c\n');
    const full = await writeText('full.csv', 'x,c\n1,a\n2,b\n');
    await expect(driftReport({ reference: full, current: empty })).rejects.toMatchObject({
      code: 'DATASET_EMPTY',
      message: expect.stringContaining('current'),
    });
  });

  it('handles a "categorical" column with 10^6 distinct values', async () => {
    const dir = await tempDir();
    const ref = join(dir, 'ref.parquet');
    const cur = join(dir, 'cur.parquet');
    const c = await connect();
    await c.run(
      `COPY (SELECT 'id-' || i AS id, i % 7 AS k FROM range(1000000) t(i)) TO ${sqlString(ref)} (FORMAT parquet)`,
    );
    await c.run(
      `COPY (SELECT 'id-' || (i + 500000) AS id, i % 7 AS k FROM range(200000) t(i)) TO ${sqlString(cur)} (FORMAT parquet)`,
    );
    c.closeSync();
    const r = await driftReport({ reference: ref, current: cur });
    const id = r.columns.find((x) => x.column === 'id')!;
    expect(id.kind).toBe('categorical');
    expect(id.method).toBe('jensenshannon');
    expect(id.approximate).toBe(true);
    expect(id.distinctValues).toBeNull();
    expect(id.notes.join(' ')).toMatch(/most frequent values plus an "\(other values\)" bin/);
    const k = r.columns.find((x) => x.column === 'k')!;
    // Integers with ≤ 10 distinct values are categorical, as in Evidently.
    expect(k).toMatchObject({ kind: 'categorical', method: 'jensenshannon', drifted: false });
    expect(renderDriftMarkdown(r).length).toBeLessThan(65_536);
  }, 60_000);

  it('renders Markdown for a PR comment and offline HTML with an SVG per drifted column', async () => {
    const r = await driftReport({ reference: sample(3000, 4), current: sample(2000, 5, 1) });
    const md = renderDriftMarkdown(r);
    expect(md).toContain('Dataset drift detected');
    expect(md).toMatch(/\| x \| numerical \| Wasserstein \(normed\) \| [0-9.]+( ±[0-9.]+)? \| 0\.1 \|/);
    const html = renderDriftHtml(r);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html.match(/<svg /g)?.length).toBe(r.columns.filter((c) => c.drifted).length);
  });

  it('names a column the reference lacks', async () => {
    await expect(
      driftReport({ reference: sample(50, 1), current: sample(50, 2), columns: ['nope'] }),
    ).rejects.toThrow(/has no column "nope"/);
    const path = join(await tempDir(), 't.parquet');
    await writeTable(sample(20, 1), path);
    const only = await driftReport({ reference: path, current: path, columns: ['x'] });
    expect(only.columns.map((c) => c.column)).toEqual(['x']);
  });
});
