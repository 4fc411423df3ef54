import type { Table } from '@slipway/data';
import type { FeaturesJson } from '@slipway/training';
import { describe, expect, it } from 'vitest';
import { dropUnlabelled, missingValuesSummary } from './missing-values.js';

const table: Table = {
  rowCount: 4,
  columns: [
    {
      name: 'x',
      sqlType: 'DOUBLE',
      kind: 'number',
      values: Float64Array.from([1, Number.NaN, 3, 4]),
      valid: Uint8Array.from([1, 0, 1, 1]),
    },
    { name: 'c', sqlType: 'VARCHAR', kind: 'string', values: ['a', 'b', null, null] },
  ],
};

describe('missing values in the evaluation rows', () => {
  it('drop: leaves out unlabelled rows, keeps table and labels aligned, counts them', () => {
    const out = dropUnlabelled(table, ['p', null, 'q', Number.NaN], 'multiclass', 'drop', 'eval.csv');
    expect(out.dropped).toBe(2);
    expect(out.labels).toEqual(['p', 'q']);
    expect(out.table.rowCount).toBe(2);
    expect(out.table.columns[1]).toMatchObject({ values: ['a', null] });
    // Regression: blank text and "nan" are missing too.
    expect(dropUnlabelled(table, [1, ' ', 'nan', '2.5'], 'regression', 'drop', 'e').labels).toEqual([
      1,
      '2.5',
    ]);
  });

  it('error names the first unlabelled row; all rows unlabelled is an error either way', () => {
    expect(() =>
      dropUnlabelled(table, ['p', null, 'q', null], 'binary', 'error', 'eval.csv, column "y"'),
    ).toThrow(
      expect.objectContaining({
        code: 'LABEL_MISSING_VALUES',
        message:
          'eval.csv, column "y": 2 row(s) have no label (first at row 2) and data.missingLabel is "error"',
      }),
    );
    expect(() => dropUnlabelled(table, [null, null, null, null], 'binary', 'drop', 'eval.csv')).toThrow(
      expect.objectContaining({ code: 'EVAL_DATA_EMPTY' }),
    );
    const same = dropUnlabelled(table, [1, 0, 1, 0], 'binary', 'error', 'eval.csv');
    expect(same.table).toBe(table);
  });

  it('names each input with nulls and its feature policy', () => {
    const features = {
      features: [
        { name: 'x', column: 'x', missing: 'impute', fill: 2.5 },
        { name: 'c_hot', column: 'c', missing: 'impute', fill: 'a' },
      ],
    } as unknown as FeaturesJson;
    expect(missingValuesSummary(table, features, { column: 'y', policy: 'drop', droppedRows: 3 })).toEqual({
      label: { column: 'y', policy: 'drop', droppedRows: 3 },
      features: [
        { feature: 'x', column: 'x', nulls: 1, policy: 'impute', fill: 2.5 },
        { feature: 'c_hot', column: 'c', nulls: 2, policy: 'impute', fill: 'a' },
      ],
    });
  });
});
