import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema, type SlipwayConfig } from '@slipway/core';
import type { Table } from '@slipway/data';
import type { LoadedModelPackage, Predictions } from '@slipway/training';
import { describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.js';

/** A regression "model" y = 2x (x null → 0, the fitted fill), with features.json naming its policy. */
const model = {
  dir: '/tmp/pkg',
  hash: 'c'.repeat(64),
  manifest: { name: 'cars' },
  signature: {
    schema: 'slipway.signature/v1',
    name: 'cars',
    task: 'regression',
    inputs: [{ name: 'x', kind: 'number' }],
    label: 'mpg',
    classes: null,
    threshold: null,
  },
  features: { features: [{ name: 'x', column: 'x', missing: 'impute', fill: 0 }] },
  async predictTable(t: Table): Promise<Predictions> {
    const x = t.columns.find((c) => c.name === 'x');
    const values = Float64Array.from({ length: t.rowCount }, (_, i) =>
      x?.kind === 'number' && x.valid[i] ? 2 * (x.values[i] as number) : 0,
    );
    return { task: 'regression', n: t.rowCount, values };
  },
} as unknown as LoadedModelPackage;

function config(missingLabel: 'drop' | 'error'): SlipwayConfig {
  return configSchema.parse({
    project: { name: 'cars' },
    data: { train: 't.csv', eval: 'e.csv', label: 'mpg', missingLabel },
    features: [{ column: 'x', transform: 'standardize' }],
    model: { task: 'regression' },
    eval: { bootstrap: { resamples: 50, seed: 1, confidence: 0.95 }, explain: { enabled: false } },
  });
}

const n = 40;
const table: Table = {
  rowCount: n,
  columns: [
    {
      name: 'x',
      sqlType: 'DOUBLE',
      kind: 'number',
      values: Float64Array.from({ length: n }, (_, i) => i),
      valid: Uint8Array.from({ length: n }, (_, i) => (i === 5 ? 0 : 1)),
    },
    {
      name: 'mpg',
      sqlType: 'DOUBLE',
      kind: 'number',
      values: Float64Array.from({ length: n }, (_, i) => 2 * i + (i % 2 ? 0.5 : -0.5)),
      valid: Uint8Array.from({ length: n }, (_, i) => (i % 10 === 3 ? 0 : 1)),
    },
  ],
};

describe('evaluate: nulls in the label and in the features', () => {
  it('drops and counts unlabelled rows, and names the imputed inputs in the report', async () => {
    const r = await evaluate({ candidate: model, baseline: null, data: table, config: config('drop') });
    expect(r.dataset.rows).toBe(36);
    expect(r.missingValues).toEqual({
      label: { column: 'mpg', policy: 'drop', droppedRows: 4 },
      features: [{ feature: 'x', column: 'x', nulls: 1, policy: 'impute', fill: 0 }],
    });
    expect(r.notes).toContain(
      '4 of 40 evaluation rows have no label "mpg" and were left out (data.missingLabel "drop").',
    );
    // The metrics are those of the 36 labelled rows: |residual| is 0.5 everywhere but row 5 (x imputed).
    expect(r.metrics.find((m) => m.name === 'median_absolute_error')?.candidate).toBe(0.5);
    expect(r.residuals?.histogram.counts.reduce((a, b) => a + b, 0)).toBe(36);
  });

  it('"error" refuses unlabelled rows; a label column the data lacks is named with its columns', async () => {
    await expect(
      evaluate({ candidate: model, baseline: null, data: table, config: config('error') }),
    ).rejects.toMatchObject({
      code: 'LABEL_MISSING_VALUES',
      message: expect.stringMatching(/first at row 4/),
    });
    const renamed: Table = {
      ...table,
      columns: table.columns.map((c) => (c.name === 'mpg' ? { ...c, name: 'MPG' } : c)),
    };
    await expect(
      evaluate({ candidate: model, baseline: null, data: renamed, config: config('drop') }),
    ).rejects.toMatchObject({
      code: 'LABEL_COLUMN_MISSING',
      message:
        'evaluation table: has no label column "mpg" (the label cars was trained on) (did you mean "MPG"?)',
      hint: 'evaluate on data that carries the label; its columns are: x, MPG',
    });
  });

  it('says an empty (header-only) split is empty, not that it lacks the label', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-eval-empty-'));
    const path = join(dir, 'eval.csv');
    await writeFile(path, 'x,mpg\n');
    await expect(
      evaluate({ candidate: model, baseline: null, data: path, config: config('drop') }),
    ).rejects.toMatchObject({
      code: 'DATASET_EMPTY',
      message: `${path}: the evaluation split is empty (no rows)`,
    });
  });
});
