/** `slipway predict`: batch inference over a dataset in chunks, prediction columns appended. */
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  commitTemp,
  type Progress,
  reserveTemp,
  SlipwayError,
  silentProgress,
  sweepTemps,
  tempName,
} from '@slipway/core';
import {
  type Column,
  connect,
  datasetError,
  describeDataset,
  formatOf,
  scanTable,
  sourceSql,
  sqlString,
  type Table,
  writeTable,
} from '@slipway/data';
import type { LoadedModelPackage, Predictions } from './contract.js';

export interface PredictBatchOptions {
  model: LoadedModelPackage;
  input: string;
  /** .parquet, .csv or .jsonl, by extension. */
  output: string;
  progress?: Progress;
  /** Rows per chunk (default 65,536). */
  batchRows?: number;
  /** The repository: an output inside it may not pass through (or be) a symbolic link. */
  root?: string;
}

export interface PredictBatchResult {
  output: string;
  rows: number;
  /** The appended columns. */
  columns: string[];
}

/** The columns appended to each chunk: prediction, and probability (binary) or probability_<class>. */
export function predictionColumns(model: LoadedModelPackage, p: Predictions): Column[] {
  const { signature } = model;
  const n = p.n;
  const all = (v: number) => new Uint8Array(n).fill(v);
  const number = (name: string, values: Float64Array): Column => ({
    name,
    sqlType: 'DOUBLE',
    kind: 'number',
    values,
    valid: all(1),
  });
  if (signature.task === 'regression') return [number('prediction', p.values)];
  const classes = signature.classes ?? [];
  const label = (k: number) => classes[k]!;
  const numericClasses = classes.every((c) => typeof c === 'number');
  const predicted = (k: (i: number) => number): Column =>
    numericClasses
      ? number(
          'prediction',
          Float64Array.from({ length: n }, (_, i) => label(k(i)) as number),
        )
      : {
          name: 'prediction',
          sqlType: 'VARCHAR',
          kind: 'string',
          values: Array.from({ length: n }, (_, i) => String(label(k(i)))),
        };
  if (signature.task === 'binary') {
    const threshold = signature.threshold ?? 0.5;
    return [predicted((i) => (p.values[i]! >= threshold ? 1 : 0)), number('probability', p.values)];
  }
  const k = classes.length;
  return [
    predicted((i) => p.values[i]!),
    ...classes.map((c, j) =>
      number(
        `probability_${c}`,
        Float64Array.from({ length: n }, (_, i) => p.probabilities![i * k + j]!),
      ),
    ),
  ];
}

export async function predictBatch(options: PredictBatchOptions): Promise<PredictBatchResult> {
  const { model } = options;
  const progress = options.progress ?? silentProgress;
  const output = resolve(options.output);
  const format = formatOf(output);
  const place = { given: options.output, ...(options.root ? { root: options.root } : {}) };
  // Refused targets (a link, a directory, a path through a link) fail before any work.
  reserveTemp(output, place);
  const info = await describeDataset(options.input);
  const task = progress.task('predict', { total: info.rowCount, unit: 'rows' });
  // Parts of a killed run are swept by the next one (their names say whose they were).
  await mkdir(dirname(output), { recursive: true });
  await sweepTemps(dirname(output));
  const parts = join(dirname(output), tempName('.slipway-predict'));
  await mkdir(parts);
  let rows = 0;
  let columns: string[] = [];
  try {
    let index = 0;
    for await (const chunk of scanTable(options.input, { batchRows: options.batchRows ?? 65_536 })) {
      const predictions = await model.predictTable(chunk);
      const added = predictionColumns(model, predictions);
      const clash = added.find((c) => chunk.columns.some((existing) => existing.name === c.name));
      if (clash) {
        throw new SlipwayError(
          'PREDICTION_COLUMN_EXISTS',
          `${options.input}: already has a column "${clash.name}", which predict would append`,
          { hint: 'rename or drop that column in the input' },
        );
      }
      columns = added.map((c) => c.name);
      // Only the predictions are staged; the input's own rows are copied from the source below.
      const out: Table = { rowCount: chunk.rowCount, columns: added };
      await writeTable(out, join(parts, `part-${String(index++).padStart(6, '0')}.parquet`));
      rows += chunk.rowCount;
      task.set(rows);
    }
    if (index === 0) {
      throw new SlipwayError('EMPTY_INPUT', `${options.input}: has no rows to predict`, {
        hint: 'check the input path',
      });
    }
    // One COPY joins the parts in order into the requested format; memory stays at one chunk.
    const tmp = reserveTemp(output, place);
    const c = await connect();
    try {
      const files = Array.from({ length: index }, (_, i) =>
        sqlString(join(parts, `part-${String(i).padStart(6, '0')}.parquet`)),
      );
      const target =
        format === 'parquet'
          ? '(FORMAT parquet)'
          : format === 'csv'
            ? '(FORMAT csv, HEADER true)'
            : '(FORMAT json)';
      // The input's columns come straight from the source, never through the float/epoch values the
      // model reads: ints stay ints, dates stay dates, and CSV to CSV copies each field's text as it was.
      // POSITIONAL JOIN pairs row i of the source with prediction i (both are read in file order).
      const source = sourceSql(options.input, {
        verbatim: format === 'csv' && formatOf(options.input) === 'csv',
      });
      await c.run(
        `COPY (SELECT * FROM ${source} POSITIONAL JOIN read_parquet([${files.join(', ')}])) TO ${sqlString(tmp)} ${target}`,
      );
      await commitTemp(tmp, output);
    } catch (err) {
      await rm(tmp, { force: true });
      throw datasetError(err, output);
    } finally {
      c.closeSync();
    }
    task.done(`${rows.toLocaleString('en-US')} rows → ${options.output}`);
    return { output, rows, columns };
  } catch (err) {
    task.fail();
    throw err;
  } finally {
    await rm(parts, { recursive: true, force: true });
  }
}
