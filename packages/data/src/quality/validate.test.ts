import { describe, expect, it } from 'vitest';
import { inferSchema, readSchema } from './schema.js';
import { writeText } from './test-helpers.js';
import { validateDataset } from './validate.js';

const GOOD =
  'id,price,color,when,flag\n1,9.5,red,2024-01-01 00:00:00,true\n2,12,blue,2024-01-02 00:00:00,false\n3,7.25,red,2024-01-03 00:00:00,true\n';

describe('inferSchema', () => {
  it('infers types, nullability, ranges, categorical domains and required columns', async () => {
    const path = await writeText('good.csv', `${GOOD}4,,blue,2024-01-04 00:00:00,false\n`);
    const s = await inferSchema(path);
    expect(s.schema).toBe('slipway.data-schema/v1');
    expect(s.source).toBeUndefined();
    expect(s.columns).toEqual([
      // The id column is not range-checked; continuous ranges are widened by 10% of the span.
      { name: 'id', type: 'integer', required: true, nullable: false },
      { name: 'price', type: 'number', required: true, nullable: true, range: { min: 6.775, max: 12.475 } },
      { name: 'color', type: 'string', required: true, nullable: false, domain: { values: ['blue', 'red'] } },
      {
        name: 'when',
        type: 'timestamp',
        required: true,
        nullable: false,
        range: { min: Date.UTC(2024, 0, 1) - 25_920_000, max: Date.UTC(2024, 0, 4) + 25_920_000 },
      },
      { name: 'flag', type: 'boolean', required: true, nullable: false },
    ]);
  });

  it('does not give a domain to a string column with more than 100 distinct values (TFDV rule)', async () => {
    const rows = Array.from({ length: 150 }, (_, i) => `v${i}`).join('\n');
    const s = await inferSchema(await writeText('wide.csv', `name\n${rows}\n`));
    expect(s.columns[0]!.domain).toBeUndefined();
  });

  it('gives a healthy later split a pass: new ids, values slightly past the observed range', async () => {
    const train = Array.from({ length: 200 }, (_, i) => `${i + 1},${(i % 50) + 10.5},${i % 7}`);
    const later = Array.from({ length: 50 }, (_, i) => `${i + 1000},${(i % 50) + 9.9},${i % 7}`);
    const schema = await inferSchema(await writeText('train.csv', `row_id,x,k\n${train.join('\n')}\n`), {
      source: 'data/train.csv',
    });
    expect(schema.source).toBe('data/train.csv');
    expect(schema.columns.find((c) => c.name === 'row_id')!.range).toBeUndefined();
    expect(schema.columns.find((c) => c.name === 'x')!.range!.min).toBeGreaterThanOrEqual(0);
    const report = await validateDataset(
      await writeText('later.csv', `row_id,x,k\n${later.join('\n')}\n`),
      schema,
    );
    expect(report.anomalies).toEqual([]);
    // Far outside the range is still an anomaly.
    const bad = await validateDataset(await writeText('bad.csv', 'row_id,x,k\n1,500,3\n'), schema);
    expect(bad.anomalies.map((a) => `${a.expectation}:${a.column}`)).toEqual([
      'expect_column_values_to_be_between:x',
    ]);
  });

  it('refuses to infer from an empty dataset', async () => {
    await expect(inferSchema(await writeText('empty.csv', 'a,b\n'))).rejects.toMatchObject({
      code: 'DATASET_EMPTY',
    });
  });
});

describe('validateDataset', () => {
  it('passes the data it was inferred from', async () => {
    const path = await writeText('good.csv', GOOD);
    const report = await validateDataset(path, await inferSchema(path));
    expect(report.success).toBe(true);
    expect(report.anomalies).toEqual([]);
    expect(report.results.map((r) => r.expectation)).toContain('expect_column_values_to_be_in_set');
  });

  it('names anomalies with GX expectations, counts, shares, ≤ 20 samples and honours mostly', async () => {
    const path = await writeText('good.csv', GOOD);
    const schema = await inferSchema(path);
    const rows = Array.from(
      { length: 40 },
      (_, i) => `${i + 1},${i % 2 ? 100 + i : 10},${i % 4 === 0 ? 'green' : 'red'},,true`,
    );
    const bad = await writeText('bad.csv', `id,price,color,when,flag,extra\n${rows.join(',x\n')},x\n`);
    const report = await validateDataset(bad, schema);
    expect(report.success).toBe(false);
    const byName = Object.fromEntries(report.anomalies.map((a) => [`${a.expectation}:${a.column ?? ''}`, a]));
    expect(byName['expect_table_columns_to_match_set:']!.sample).toEqual(['unexpected: extra']);
    const between = byName['expect_column_values_to_be_between:price']!;
    expect(between.unexpectedCount).toBe(20);
    expect(between.unexpectedShare).toBe(0.5);
    expect(between.sample).toHaveLength(20);
    expect(between.kwargs).toMatchObject({ min_value: 6.775, max_value: 12.475, mostly: 1 });
    expect(byName['expect_column_values_to_be_in_set:color']).toMatchObject({
      unexpectedCount: 10,
      unexpectedShare: 0.25,
    });
    expect(byName['expect_column_values_to_not_be_null:when']).toMatchObject({
      unexpectedCount: 40,
      unexpectedShare: 1,
    });
    expect(byName['expect_column_values_to_be_between:id']).toBeUndefined();
    // With `mostly` tolerances the same data passes those checks.
    schema.columns.find((c) => c.name === 'price')!.range!.mostly = 0.5;
    schema.columns.find((c) => c.name === 'color')!.domain!.mostly = 0.7;
    const tolerant = await validateDataset(bad, schema);
    const failed = tolerant.anomalies.map((a) => `${a.expectation}:${a.column ?? ''}`);
    expect(failed).not.toContain('expect_column_values_to_be_between:price');
    expect(failed).not.toContain('expect_column_values_to_be_in_set:color');
  });

  it('reports a column of the wrong type with the values that do not parse', async () => {
    const schema = await inferSchema(await writeText('good.csv', GOOD));
    const wrong = await writeText(
      'wrong.csv',
      'id,price,color,when,flag\n1,9.5,red,2024-01-01 00:00:00,true\n2,cheap,red,2024-01-01 00:00:00,true\n3,n/a,blue,2024-01-01 00:00:00,false\n',
    );
    const report = await validateDataset(wrong, schema);
    const type = report.anomalies.find((a) => a.expectation === 'expect_column_values_to_be_of_type')!;
    expect(type).toMatchObject({ column: 'price', unexpectedCount: 2, sample: ['cheap', 'n/a'] });
    expect(type.kwargs).toMatchObject({ type_: 'number', observed: 'string' });
  });

  it('flags missing columns, an empty dataset, an all-null column, and NaN/Infinity', async () => {
    const schema = await inferSchema(await writeText('good.csv', GOOD));
    const missing = await validateDataset(await writeText('m.csv', 'id,price\n1,9\n'), schema);
    expect(
      missing.anomalies.filter((a) => a.expectation === 'expect_column_to_exist').map((a) => a.column),
    ).toEqual(['color', 'when', 'flag']);
    const empty = await validateDataset(await writeText('e.csv', 'id,price,color,when,flag\n'), schema);
    expect(empty.anomalies.map((a) => a.expectation)).toEqual(['expect_table_row_count_to_be_between']);
    const nulls = await validateDataset(
      await writeText(
        'n.csv',
        'id,price,color,when,flag\n1,,,2024-01-01 00:00:00,true\n2,,,2024-01-01 00:00:00,true\n',
      ),
      schema,
    );
    expect(nulls.anomalies.find((a) => a.column === 'color')).toMatchObject({
      expectation: 'expect_column_values_to_not_be_null',
      unexpectedCount: 2,
    });
    const inf = await writeText('inf.csv', 'x\n1.5\nNaN\nInfinity\n-inf\n');
    const numeric = await validateDataset(inf, {
      schema: 'slipway.data-schema/v1',
      rowCount: { min: 1 },
      exactColumns: true,
      columns: [{ name: 'x', type: 'number', required: true, nullable: false, range: { min: 0, max: 10 } }],
    });
    const between = numeric.anomalies.find((a) => a.expectation === 'expect_column_values_to_be_between');
    expect(between).toMatchObject({ unexpectedCount: 3, sample: ['NaN', 'Infinity', '-Infinity'] });
  });

  it('turns ragged CSV rows and non-UTF-8 bytes into errors that name the file and line', async () => {
    const schema = await inferSchema(await writeText('good.csv', GOOD));
    const ragged = await writeText('ragged.csv', 'a,b,c\n1,2,3\n4,5\n6,7,8\n');
    await expect(validateDataset(ragged, schema)).rejects.toMatchObject({
      code: 'CSV_RAGGED_ROWS',
      message: expect.stringMatching(/ragged\.csv: line 3 has 2 fields, but the header \(line 1\) has 3/),
    });
    const latin1 = await writeText('latin1.csv', Buffer.from('a,b\n1,caf\xe9\n', 'latin1'));
    await expect(validateDataset(latin1, schema)).rejects.toMatchObject({
      code: 'DATASET_UNREADABLE',
      message: expect.stringMatching(/latin1\.csv: .*not utf-8 encoded/i),
    });
  });

  it('names the broken field of a hand-edited schema', async () => {
    const path = await writeText(
      'schema.json',
      JSON.stringify({ schema: 'slipway.data-schema/v1', columns: [{ name: 'a', type: 'float' }] }),
    );
    await expect(readSchema(path)).rejects.toThrow(/columns\[0\]\.type must be one of integer, number/);
    const notJson = await writeText('schema.json', '{');
    await expect(readSchema(notJson)).rejects.toMatchObject({ code: 'SCHEMA_INVALID' });
  });
});
