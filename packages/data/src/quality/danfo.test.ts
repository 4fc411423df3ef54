import { describe, expect, it } from 'vitest';
import { dataFrameToTable, tableToDataFrame } from './danfo.js';
import { profileTable } from './profile.js';
import { numberColumn, stringColumn, table } from './test-helpers.js';

describe('danfojs-node adapter', () => {
  it('round-trips a table through a real danfo DataFrame, nulls included', async () => {
    const t = table(numberColumn('x', [1.5, null, 3]), stringColumn('s', ['a', null, 'c']));
    const df = await tableToDataFrame(t);
    expect(df.columns).toEqual(['x', 's']);
    expect(df.shape).toEqual([3, 2]);
    const back = dataFrameToTable(df);
    expect(back.rowCount).toBe(3);
    const [x, s] = back.columns;
    expect(x?.kind === 'number' && [...x.valid]).toEqual([1, 0, 1]);
    expect(x?.kind === 'number' && x.values[2]).toBe(3);
    expect(s?.values).toEqual(['a', null, 'c']);
    expect(profileTable(back).columns[0]!.numeric!.mean).toBe(2.25);
  });

  it('reads danfo integer and boolean dtypes', async () => {
    const { DataFrame } = (await import('danfojs-node')) as unknown as {
      DataFrame: new (d: Record<string, unknown[]>) => Parameters<typeof dataFrameToTable>[0];
    };
    const t = dataFrameToTable(new DataFrame({ n: [1, 2, 3], b: [true, false, true] }));
    expect(t.columns.map((c) => [c.kind, c.sqlType])).toEqual([
      ['number', 'BIGINT'],
      ['boolean', 'BOOLEAN'],
    ]);
  });
});
