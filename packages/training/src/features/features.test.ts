import type { FeatureSpec } from '@slipway/core';
import type { Column, Table } from '@slipway/data';
import { describe, expect, it } from 'vitest';
import type { Row } from '../contract.js';
import { admitPackageCode, allowPackageCode, disallowPackageCode } from '../package-code.js';
import { registerTransform, unregisterTransform } from '../registry.js';
import { applyFeatures } from './apply.js';
import { fitFeatures } from './fit.js';
import type { FeaturesJson } from './types.js';

const num = (name: string, values: (number | null)[]): Column => ({
  name,
  sqlType: 'DOUBLE',
  kind: 'number',
  values: Float64Array.from(values, (v) => (v === null ? Number.NaN : v)),
  valid: Uint8Array.from(values, (v) => (v === null ? 0 : 1)),
});
const str = (name: string, values: (string | null)[]): Column => ({
  name,
  sqlType: 'VARCHAR',
  kind: 'string',
  values,
});
const ts = (name: string, values: number[]): Column => ({
  name,
  sqlType: 'TIMESTAMP',
  kind: 'timestamp',
  values: Float64Array.from(values),
  valid: new Uint8Array(values.length).fill(1),
});
const all = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);
const spec = (s: Record<string, unknown>) => ({ missing: 'impute', ...s }) as FeatureSpec;

function tableToRows(t: Table): Row[] {
  return Array.from({ length: t.rowCount }, (_, i) =>
    Object.fromEntries(
      t.columns.map((c) => {
        if (c.kind === 'string') return [c.name, c.values[i]];
        if (c.valid[i] === 0) return [c.name, null];
        if (c.kind === 'timestamp') return [c.name, new Date(c.values[i]!).toISOString()];
        return [c.name, c.kind === 'boolean' ? c.values[i] === 1 : c.values[i]];
      }),
    ),
  );
}

const bytes = (m: Float32Array) => new Uint8Array(m.buffer, m.byteOffset, m.byteLength);

describe('fitFeatures', () => {
  it('fits on the training rows only', () => {
    const table: Table = { rowCount: 4, columns: [num('x', [1, 3, 100, 1000])] };
    const f = fitFeatures(
      [spec({ column: 'x', transform: 'standardize' })],
      table,
      Uint32Array.from([0, 1]),
      't',
    );
    expect(f.features[0]).toMatchObject({ transform: 'standardize', mean: 2, std: 1, fill: 2 });
    expect(f.fittedRows).toBe(2);
    const { matrix } = applyFeatures(f, table);
    expect([...matrix]).toEqual([-1, 1, 98, 998]);
  });

  it('computes each transform', () => {
    const hours = [0, 6, 12, 18].map((h) => Date.UTC(2001, 0, 7, h)); // a Sunday
    const table: Table = {
      rowCount: 4,
      columns: [num('x', [0, 5, 10, 100]), str('c', ['a', 'a', 'b', 'z']), ts('t', hours)],
    };
    const f = fitFeatures(
      [
        spec({ column: 'x', as: 'mm', transform: 'minmax' }),
        spec({ column: 'x', as: 'lg', transform: 'log1p' }),
        spec({ column: 'x', as: 'cl', transform: 'clip', min: 1, max: 9 }),
        spec({ column: 'x', as: 'bk', transform: 'bucketize', boundaries: [5, 50] }),
        spec({ column: 'x', as: 'pt', transform: 'passthrough' }),
        spec({ column: 'c', transform: 'oneHot', maxVocab: 100, minCount: 2 }),
        spec({ column: 'c', as: 'h', transform: 'hash', buckets: 4 }),
        spec({ column: 't', transform: 'datetime', parts: ['hour', 'dayOfWeek'], cyclical: false }),
      ],
      table,
      all(4),
      't',
    );
    expect(f.outputs).toEqual([
      'mm',
      'lg',
      'cl',
      'bk<5',
      'bk[5,50)',
      'bk>=50',
      'pt',
      'c=a',
      'c=<oov>',
      'h#0',
      'h#1',
      'h#2',
      'h#3',
      't.hour',
      't.dayOfWeek',
    ]);
    const { matrix, width } = applyFeatures(f, table);
    const row = (i: number) => [...matrix.subarray(i * width, (i + 1) * width)];
    const r1 = row(1);
    expect(r1.slice(0, 7)).toEqual([0.05, Math.fround(Math.log1p(5)), 5, 0, 1, 0, 5].map(Math.fround));
    expect(r1.slice(7, 9)).toEqual([1, 0]); // "a" kept (count 2)
    expect(row(2).slice(7, 9)).toEqual([0, 1]); // "b" seen once < minCount → out of vocabulary
    expect(row(3).slice(0, 7)).toEqual([1, Math.fround(Math.log1p(100)), 9, 0, 0, 1, 100]);
    expect(r1.slice(9, 13).reduce((a, b) => a + b)).toBe(1);
    expect(row(2).slice(13)).toEqual([Math.fround(12 / 23), 0]);
  });

  it('fits clip ranges from quantiles and cyclical date parts', () => {
    const table: Table = {
      rowCount: 101,
      columns: [
        num(
          'x',
          Array.from({ length: 101 }, (_, i) => i),
        ),
      ],
    };
    const f = fitFeatures(
      [spec({ column: 'x', transform: 'clip', quantiles: [0.1, 0.9] })],
      table,
      all(101),
      't',
    );
    expect(f.features[0]).toMatchObject({ min: 10, max: 90 });
    const t: Table = { rowCount: 1, columns: [ts('t', [Date.UTC(2001, 0, 1, 6)])] };
    const g = fitFeatures(
      [spec({ column: 't', transform: 'datetime', parts: ['hour'], cyclical: true })],
      t,
      all(1),
      't',
    );
    const { matrix } = applyFeatures(g, t);
    expect(matrix[0]).toBeCloseTo(1, 6);
    expect(matrix[1]).toBeCloseTo(0, 6);
  });

  it('applies bit for bit the same from a table, from rows and after a JSON round trip', async () => {
    registerTransform('bitsSquare', (v) =>
      typeof v === 'number' ? [v * v, Math.sqrt(Math.abs(v))] : [0, 0],
    );
    const n = 200;
    const table: Table = {
      rowCount: n,
      columns: [
        num(
          'x',
          Array.from({ length: n }, (_, i) => (i % 17 === 0 ? null : Math.sin(i) * 1000 + i / 7)),
        ),
        str(
          'c',
          Array.from({ length: n }, (_, i) => (i % 23 === 0 ? null : `k${(i * 7) % 13}`)),
        ),
        ts(
          't',
          Array.from({ length: n }, (_, i) => Date.UTC(2001, 0, 1) + i * 3_700_000),
        ),
      ],
    };
    const specs = [
      spec({ column: 'x', transform: 'standardize' }),
      spec({ column: 'x', as: 'x_log', transform: 'log1p' }),
      spec({ column: 'x', as: 'x_clip', transform: 'clip', quantiles: [0.05, 0.95] }),
      spec({ column: 'x', as: 'x_sq', transform: 'custom', name: 'bitsSquare' }),
      spec({ column: 'c', transform: 'oneHot', maxVocab: 5 }),
      spec({ column: 'c', as: 'c_hash', transform: 'hash', buckets: 8 }),
      spec({
        column: 't',
        transform: 'datetime',
        parts: ['hour', 'dayOfWeek', 'month', 'year'],
        cyclical: true,
      }),
    ];
    const fitted = fitFeatures(specs, table, all(150), 'train');
    const training = applyFeatures(fitted, table).matrix;
    const served = JSON.parse(JSON.stringify(fitted)) as FeaturesJson;
    const fromRows = applyFeatures(served, JSON.parse(JSON.stringify(tableToRows(table))) as Row[]).matrix;
    expect(Buffer.from(bytes(fromRows)).equals(Buffer.from(bytes(training)))).toBe(true);
    // Nothing registered under the name (a fresh server): the bundled source is refused by default…
    unregisterTransform('bitsSquare');
    expect(() => applyFeatures(served, table)).toThrow(
      expect.objectContaining({ code: 'PACKAGE_CODE_REFUSED' }),
    );
    // …and used, bit for bit, once an opted-in load admitted it.
    allowPackageCode(() => {});
    try {
      await admitPackageCode(served, { dir: 'mem', packageHash: 'h' });
      const bundled = applyFeatures(served, table).matrix;
      expect(Buffer.from(bytes(bundled)).equals(Buffer.from(bytes(training)))).toBe(true);
    } finally {
      disallowPackageCode();
    }
  });

  it('imputes missing values with the fitted value, or names the column and row count', () => {
    const table: Table = { rowCount: 4, columns: [num('x', [1, null, 3, null])] };
    const f = fitFeatures([spec({ column: 'x', transform: 'passthrough' })], table, all(4), 'train.csv');
    expect([...applyFeatures(f, table).matrix]).toEqual([1, 2, 3, 2]);
    expect(() =>
      fitFeatures(
        [spec({ column: 'x', transform: 'standardize', missing: 'error' })],
        table,
        all(4),
        'train.csv',
      ),
    ).toThrow(/train\.csv: column "x" .*2 of 4 training rows are missing/);
    const strict = fitFeatures(
      [spec({ column: 'x', transform: 'standardize', missing: 'error' })],
      { rowCount: 2, columns: [num('x', [1, 3])] },
      all(2),
      't',
    );
    expect(() =>
      applyFeatures(strict, [{ x: 1 }, { x: null }, { x: Number.NaN }], { source: 'request' }),
    ).toThrow(/request: column "x" has 2 missing \(null\/NaN\) value\(s\) \(first at row 2\)/);
  });

  it('refuses text in a numeric column, naming the column, count and first row', () => {
    const table: Table = { rowCount: 3, columns: [str('x', ['1.5', 'n/a', '7'])] };
    expect(() =>
      fitFeatures([spec({ column: 'x', transform: 'standardize' })], table, all(3), 'train.csv'),
    ).toThrow(/train\.csv: column "x" .*1 value\(s\) are text, not numbers \(first at row 2: "n\/a"\)/);
    const ok = fitFeatures(
      [spec({ column: 'x', transform: 'standardize' })],
      { rowCount: 2, columns: [str('x', ['1', '3'])] },
      all(2),
      't',
    );
    expect(() => applyFeatures(ok, [{ x: 'abc' }])).toThrow(
      expect.objectContaining({ code: 'TEXT_IN_NUMERIC_COLUMN' }),
    );
    expect([...applyFeatures(ok, [{ x: ' 3 ' }]).matrix]).toEqual([1]);
  });

  it('detects an impure custom transform at fit time', () => {
    let calls = 0;
    registerTransform('counter', (v) => Number(v) + calls++);
    const table: Table = { rowCount: 3, columns: [num('x', [1, 2, 3])] };
    expect(() =>
      fitFeatures([spec({ column: 'x', transform: 'custom', name: 'counter' })], table, all(3), 't'),
    ).toThrow(
      expect.objectContaining({ code: 'IMPURE_TRANSFORM', message: expect.stringMatching(/not pure/) }),
    );
    registerTransform('rand', () => Math.random());
    expect(() =>
      fitFeatures([spec({ column: 'x', transform: 'custom', name: 'rand' })], table, all(3), 't'),
    ).toThrow(/custom transform "rand" is not pure/);
    expect(() =>
      fitFeatures([spec({ column: 'x', transform: 'custom', name: 'nope' })], table, all(3), 't'),
    ).toThrow(expect.objectContaining({ code: 'CUSTOM_TRANSFORM_UNKNOWN' }));
  });

  it('refuses a registered transform whose code changed since training, and names a missing input column', () => {
    registerTransform('twice', (v) => Number(v) * 2);
    const table: Table = { rowCount: 2, columns: [num('x', [1, 2])] };
    const f = fitFeatures([spec({ column: 'x', transform: 'custom', name: 'twice' })], table, all(2), 't');
    registerTransform('twice', (v) => Number(v) * 3);
    expect(() => applyFeatures(f, table)).toThrow(
      expect.objectContaining({ code: 'CUSTOM_TRANSFORM_CHANGED' }),
    );
    expect(() => applyFeatures(f, [{ y: 1 }])).toThrow(/missing input column "x"/);
  });
});
