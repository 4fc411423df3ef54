/**
 * Nulls in the evaluation rows and what the pipeline did with them: rows without a label are left out
 * and counted (`data.missingLabel: 'drop'`) or refused ('error'); nulls in a model input follow that
 * feature's `missing` policy from features.json (impute the value fitted on the training split, or error).
 */
import { SlipwayError, type Task } from '@slipway/core';
import type { Column, Table } from '@slipway/data';
import type { FeaturesJson } from '@slipway/training';
import { takeRows } from './explain/table.js';
import { isMissingLabel, type RawLabel } from './labels.js';
import type { MissingValues } from './report/types.js';

export interface LabelledRows {
  table: Table;
  labels: RawLabel[];
  /** Rows left out for a missing label. */
  dropped: number;
}

/** Applies the null-label policy to the evaluation rows; 'error' names the first unlabelled row. */
export function dropUnlabelled(
  table: Table,
  labels: RawLabel[],
  task: Task,
  policy: 'drop' | 'error',
  source: string,
): LabelledRows {
  const keep: number[] = [];
  for (let i = 0; i < labels.length; i++) if (!isMissingLabel(task, labels[i])) keep.push(i);
  const dropped = labels.length - keep.length;
  if (dropped === 0) return { table, labels, dropped: 0 };
  if (policy === 'error') {
    const first = labels.findIndex((v) => isMissingLabel(task, v));
    throw new SlipwayError(
      'LABEL_MISSING_VALUES',
      `${source}: ${dropped} row(s) have no label (first at row ${first + 1}) and data.missingLabel is "error"`,
      {
        hint: 'fill or remove those rows, or set data.missingLabel to "drop" to leave them out (counted in the report)',
      },
    );
  }
  if (keep.length === 0) {
    throw new SlipwayError(
      'EVAL_DATA_EMPTY',
      `${source}: none of the ${dropped} evaluation rows has a label`,
      {
        hint: 'point --data at a dataset with labelled rows',
      },
    );
  }
  const idx = Int32Array.from(keep);
  return { table: takeRows(table, idx), labels: keep.map((i) => labels[i] as RawLabel), dropped };
}

function nullCount(col: Column): number {
  let n = 0;
  if (col.kind === 'string') {
    for (const v of col.values) if (v === null) n++;
  } else {
    for (let i = 0; i < col.valid.length; i++) if (col.valid[i] === 0) n++;
  }
  return n;
}

/** The report's account of missing values: the label policy and, per input with nulls, the feature policy. */
export function missingValuesSummary(
  table: Table,
  features: FeaturesJson | null,
  label: { column: string; policy: 'drop' | 'error'; droppedRows: number },
): MissingValues {
  const out: MissingValues = { label, features: [] };
  for (const f of features?.features ?? []) {
    const col = table.columns.find((c) => c.name === f.column);
    const nulls = col ? nullCount(col) : 0;
    if (nulls > 0)
      out.features.push({ feature: f.name, column: f.column, nulls, policy: f.missing, fill: f.fill });
  }
  return out;
}
