import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '@slipway/core';
import { profileTable, readTable, type Table } from '@slipway/data';
import type { LoadedModelPackage, Predictions } from '@slipway/training';
import { describe, expect, it } from 'vitest';
import { monitorWindow } from './monitor.js';
import { renderMonitorMarkdown } from './render.js';

const csv = (rows: number[][]) => `x,y\n${rows.map((r) => r.join(',')).join('\n')}\n`;

describe('monitorWindow, regression', () => {
  it('reads the reference split from the project root, whatever the cwd, and reports prediction drift by value', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-monitor-'));
    const evalRows = Array.from({ length: 400 }, (_, i) => [i / 4, i / 2]);
    await writeFile(join(dir, 'eval.csv'), csv(evalRows));
    // The window: x shifted up, so predictions (2x) shift too; a few labels are missing.
    await writeFile(
      join(dir, 'window.csv'),
      `x,y\n${Array.from({ length: 200 }, (_, i) => `${60 + i / 4},${i % 7 === 0 ? '' : 120 + i / 2}`).join('\n')}\n`,
    );
    const reference = await readTable(join(dir, 'eval.csv'));
    const model = {
      dir,
      hash: 'e'.repeat(64),
      signature: {
        name: 'cars',
        task: 'regression',
        inputs: [{ name: 'x', kind: 'number' }],
        label: 'y',
        classes: null,
        threshold: null,
      },
      profile: profileTable(reference, { source: 'eval.csv' }),
      async predictTable(t: Table): Promise<Predictions> {
        const x = t.columns.find((c) => c.name === 'x');
        const values = Float64Array.from({ length: t.rowCount }, (_, i) => 2 * (x?.values[i] as number));
        return { task: 'regression', n: t.rowCount, values };
      },
    } as unknown as LoadedModelPackage;
    const config = configSchema.parse({
      project: { name: 'cars' },
      data: { train: 'eval.csv', eval: 'eval.csv', label: 'y' },
      features: [{ column: 'x', transform: 'standardize' }],
      model: { task: 'regression' },
      eval: { bootstrap: { resamples: 50, seed: 1, confidence: 0.95 }, gates: { mae: { threshold: 1 } } },
    });
    // The relative data.eval would not resolve against this process's cwd.
    const report = await monitorWindow({ model, window: join(dir, 'window.csv'), config, root: dir });
    expect(report.predictionDrift).toMatchObject({ over: 'value', drifted: true });
    expect(report.predictionDrift?.edges).toHaveLength(9);
    expect(report.predictionDrift?.windowMean).toBeCloseTo(2 * (60 + 199 / 8), 9);
    expect(report.reasons.some((r) => r.startsWith('prediction drift: PSI'))).toBe(true);
    // Performance on the labelled rows only: y = 2x exactly, so MAE is 0.
    expect(report.performance?.labelsJoined).toBe(200 - Math.ceil(200 / 7));
    expect(report.performance?.unlabelledRows).toBe(Math.ceil(200 / 7));
    expect(renderMonitorMarkdown(report)).toContain(
      '171 rows with labels (29 without a label, not counted).',
    );
    expect(renderMonitorMarkdown(report)).toContain(
      "PSI of the model's predicted values, window vs evaluation data",
    );
    expect(report.performance?.metrics.find((m) => m.name === 'mae')?.candidate).toBe(0);
    await expect(monitorWindow({ model, window: join(dir, 'window.csv'), config })).rejects.toMatchObject({
      message: expect.stringContaining('eval.csv'),
    });
  });
});

describe('monitorWindow, columns that are not model inputs', () => {
  it('an id or another column of the training file is not "new" and not drift; a column nobody knew is new', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-monitor-roles-'));
    const rows = (n: number, off: number, extra = false) =>
      `id,x,month,y${extra ? ',surprise' : ''}\n${Array.from(
        { length: n },
        (_, i) => `${off + i},${(i % 50) / 5},${off > 0 ? 6 : 3},${i % 2}${extra ? ',z' : ''}`,
      ).join('\n')}\n`;
    await writeFile(join(dir, 'train.csv'), rows(300, 0));
    await writeFile(join(dir, 'eval.csv'), rows(300, 0));
    await writeFile(join(dir, 'window.csv'), rows(300, 100_000, true));
    const model = {
      dir,
      hash: 'e'.repeat(64),
      signature: {
        name: 'm',
        task: 'binary',
        inputs: [{ name: 'x', kind: 'number' }],
        label: 'y',
        classes: [0, 1],
        threshold: 0.5,
      },
      // The package profile holds the columns training read: the features and the label.
      profile: profileTable(await readTable(join(dir, 'train.csv'), { columns: ['x', 'y'] }), {
        source: 'train.csv',
      }),
      async predictTable(t: Table): Promise<Predictions> {
        const x = t.columns.find((c) => c.name === 'x');
        return {
          task: 'binary',
          n: t.rowCount,
          values: Float64Array.from({ length: t.rowCount }, (_, i) => (x?.values[i] as number) / 10),
        };
      },
    } as unknown as LoadedModelPackage;
    const config = configSchema.parse({
      project: { name: 'm' },
      data: { train: 'train.csv', eval: 'eval.csv', label: 'y', id: 'id' },
      features: [{ column: 'x', transform: 'standardize' }],
      model: { task: 'binary' },
      eval: { bootstrap: { resamples: 20, seed: 1, confidence: 0.95 } },
    });
    const report = await monitorWindow({ model, window: join(dir, 'window.csv'), config, root: dir });
    expect(report.schemaChanges).toEqual([
      { column: 'surprise', change: 'new', seen: 'string', modelInput: false },
    ]);
    expect(report.drift.testedCount).toBe(1);
    expect(report.drift.skipped).toEqual(
      expect.arrayContaining([
        { column: 'id', reason: 'identifier (data.id), not a model input' },
        { column: 'month', reason: 'not a model input (no feature reads it)' },
      ]),
    );
    expect(report.alert).toBe(false);
  });
});
