import { configSchema } from '@slipway/core';
import { describe, expect, it } from 'vitest';
import { driftReport } from './drift.js';
import { driftRoles } from './drift-roles.js';
import { numberColumn, table } from './test-helpers.js';

describe('driftRoles', () => {
  it('tests the feature columns and names why each other column is not tested', async () => {
    const config = configSchema.parse({
      project: { name: 'm' },
      data: { train: 't.csv', eval: 'e.csv', label: 'late', id: 'id' },
      features: [
        { column: 'distance', transform: 'standardize' },
        { column: 'distance', as: 'log_distance', transform: 'log1p' },
      ],
      model: { task: 'binary' },
      drift: { ignore: ['carrier'] },
    });
    const roles = driftRoles(config, ['id', 'distance', 'month', 'late', 'carrier']);
    expect(roles.columns).toEqual(['distance']);
    expect(roles.notTested).toEqual([
      { column: 'id', reason: 'identifier (data.id), not a model input' },
      { column: 'month', reason: 'not a model input (no feature reads it)' },
      { column: 'late', reason: 'the label (data.label), not a model input' },
      { column: 'carrier', reason: 'listed in drift.ignore' },
    ]);
    // An id always "drifts" between splits; with the roles it is listed, not counted.
    const ref = table(numberColumn('id', [1, 2, 3, 4, 5, 6]), numberColumn('distance', [1, 2, 3, 4, 5, 6]));
    const cur = table(
      numberColumn('id', [101, 102, 103, 104, 105, 106]),
      numberColumn('distance', [1, 2, 3, 4, 5, 6]),
    );
    const report = await driftReport({
      reference: ref,
      current: cur,
      columns: roles.columns,
      notTested: roles.notTested.filter((n) => n.column === 'id'),
    });
    expect(report.testedCount).toBe(1);
    expect(report.driftedCount).toBe(0);
    expect(report.skipped).toEqual([{ column: 'id', reason: 'identifier (data.id), not a model input' }]);
  });
});
