import type { Table } from '@slipway/data';
import { describe, expect, it } from 'vitest';
import { dropMissingLabels, encodeLabels } from './labels.js';
import { makeProject, syntheticRows } from './project.fixture.js';
import { train } from './train.js';

const table: Table = {
  rowCount: 5,
  columns: [
    {
      name: 'x',
      sqlType: 'DOUBLE',
      kind: 'number',
      values: Float64Array.from([1, 2, 3, 4, 5]),
      valid: Uint8Array.from([1, 1, 1, 0, 1]),
    },
    { name: 'cls', sqlType: 'VARCHAR', kind: 'string', values: ['a', null, 'b', 'a', null] },
    {
      name: 'y',
      sqlType: 'DOUBLE',
      kind: 'number',
      values: Float64Array.from([0.5, Number.NaN, 1.5, 2.5, 3.5]),
      valid: Uint8Array.from([1, 0, 1, 1, 1]),
    },
  ],
};

describe('null labels', () => {
  it('drop: leaves out the rows with no label and counts them, keeping the other columns aligned', () => {
    const out = dropMissingLabels(table, 'cls', 'multiclass', 'drop');
    expect(out.dropped).toBe(2);
    expect(out.firstDropped).toBe(2);
    expect(out.table.rowCount).toBe(3);
    const x = out.table.columns[0]!;
    expect(x.kind === 'number' && [...x.values]).toEqual([1, 3, 4]);
    expect(x.kind === 'number' && [...x.valid]).toEqual([1, 1, 0]);
    const encoded = encodeLabels(out.table, 'cls', 'multiclass', undefined, 't.csv');
    expect(encoded.classes).toEqual(['a', 'b']);
    expect([...encoded.y]).toEqual([0, 1, 0]);

    const reg = dropMissingLabels(table, 'y', 'regression', 'drop');
    expect(reg).toMatchObject({ dropped: 1, firstDropped: 2 });
    expect([...encodeLabels(reg.table, 'y', 'regression', undefined, 't.csv').y]).toEqual([
      0.5, 1.5, 2.5, 3.5,
    ]);
  });

  it('error: keeps the table and encodeLabels names the first unlabelled row and the policy', () => {
    const out = dropMissingLabels(table, 'cls', 'multiclass', 'error');
    expect(out).toMatchObject({ dropped: 0, table });
    expect(() => encodeLabels(out.table, 'cls', 'multiclass', undefined, 't.csv')).toThrow(
      /label column "cls" is missing in 2 row\(s\) \(first at row 2\)/,
    );
  });

  it('train drops unlabelled rows by default and records the count in the lineage; "error" refuses', async () => {
    const rows = syntheticRows(200, 5, 3).map((r, i) => ({ ...r, label: i % 10 === 3 ? null : r.label }));
    const p = await makeProject({
      train: rows as never,
      eval: syntheticRows(60, 6, 3) as never,
      config: {
        model: { task: 'multiclass', type: 'linear' },
        training: { backend: 'cpu', epochs: 1, batchSize: 64, seed: 3, validationSplit: 0.2 },
      },
    });
    const lines: string[] = [];
    const progress = {
      line: (m: string) => lines.push(m),
      task: () => ({ tick() {}, set() {}, setTotal() {}, status() {}, done() {}, fail() {} }),
    };
    const r = await train({ loaded: await p.load(), progress, outDir: 'pkg' });
    const trainRef = r.lineage.datasets.find((d) => d.name === 'train');
    expect(trainRef).toMatchObject({ rows: 180, unlabelledRows: 20 });
    expect(lines.join('\n')).toContain('left out 20 row(s) with no label "label" (first at row 4');

    const strict = await makeProject({
      train: rows as never,
      config: {
        data: { train: 'train.csv', eval: 'eval.csv', label: 'label', missingLabel: 'error' },
        model: { task: 'multiclass', type: 'linear' },
        training: { backend: 'cpu', epochs: 1, batchSize: 64, seed: 3, validationSplit: 0.2 },
      },
    });
    await expect(train({ loaded: await strict.load(), outDir: 'pkg' })).rejects.toMatchObject({
      code: 'LABEL_MISSING_VALUES',
    });
  });
});
