/** Label encoding: class lists for classification, numbers for regression, with clear errors. */
import { SlipwayError, type Task } from '@slipway/core';
import type { Table } from '@slipway/data';
import { tableSource, toCategory, toNumber } from './features/values.js';

export interface EncodedLabels {
  y: Float32Array;
  /** binary/multiclass class values in output order; null for regression. */
  classes: (string | number)[] | null;
}

function sortClasses(values: string[], kind: string): (string | number)[] {
  if (kind === 'boolean') return [0, 1];
  if (kind === 'number') return values.map(Number).sort((a, b) => a - b);
  return [...values].sort();
}

/** Category key of a label value: booleans become 0/1, like the class list. */
function key(v: string | number | boolean | null): string | null {
  if (typeof v === 'boolean') return v ? '1' : '0';
  return toCategory(v);
}

export function encodeLabels(
  table: Table,
  label: string,
  task: Task,
  configured: (string | number)[] | undefined,
  sourceLabel: string,
): EncodedLabels {
  const get = tableSource(table).column(label)!;
  const kind = table.columns.find((c) => c.name === label)!.kind;
  const n = table.rowCount;
  const y = new Float32Array(n);
  let missing = 0;
  let firstMissing = -1;
  const missingError = () =>
    new SlipwayError(
      'LABEL_MISSING_VALUES',
      `${sourceLabel}: label column "${label}" is missing in ${missing} row(s) (first at row ${firstMissing + 1})`,
      { hint: 'drop unlabeled rows before training (a label cannot be imputed)' },
    );
  if (task === 'regression') {
    for (let i = 0; i < n; i++) {
      const raw = get(i);
      const x = toNumber(raw);
      if (x === undefined) {
        throw new SlipwayError(
          'TEXT_IN_NUMERIC_COLUMN',
          `${sourceLabel}: label column "${label}" holds text at row ${i + 1} (${JSON.stringify(raw)}); a regression label must be numeric`,
          { hint: 'clean the label column, or use task "binary"/"multiclass" for categories' },
        );
      }
      if (x === null) {
        if (missing++ === 0) firstMissing = i;
        continue;
      }
      y[i] = x;
    }
    if (missing > 0) throw missingError();
    return { y, classes: null };
  }
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const k = key(get(i));
    if (k === null) {
      if (missing++ === 0) firstMissing = i;
    } else seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  if (missing > 0) throw missingError();
  let classes: (string | number)[];
  if (configured) {
    classes = configured;
    const known = new Set(configured.map(String));
    const unknown = [...seen.keys()].filter((k) => !known.has(k));
    if (unknown.length > 0) {
      throw new SlipwayError(
        'LABEL_UNKNOWN_CLASS',
        `${sourceLabel}: label "${label}" has value(s) not in model.classes: ${unknown.slice(0, 10).join(', ')}`,
        { hint: `add them to model.classes (now ${JSON.stringify(configured)}) or remove those rows` },
      );
    }
  } else classes = sortClasses([...seen.keys()], kind);
  if (task === 'binary' && classes.length !== 2) {
    throw new SlipwayError(
      'LABEL_NOT_BINARY',
      `${sourceLabel}: label "${label}" has ${classes.length} distinct value(s) (${classes.slice(0, 10).join(', ')}); a binary model needs exactly 2`,
      {
        hint:
          classes.length > 2
            ? 'use model.task "multiclass", or map the label to two values'
            : 'the training data has only one class; check the split or the label definition',
      },
    );
  }
  if (task === 'multiclass' && classes.length < 2) {
    throw new SlipwayError('LABEL_ONE_CLASS', `${sourceLabel}: label "${label}" has fewer than 2 classes`, {
      hint: 'check the split or the label definition',
    });
  }
  const index = new Map(classes.map((c, k) => [String(c), k]));
  for (let i = 0; i < n; i++) y[i] = index.get(key(get(i))!)!;
  return { y, classes };
}

/** Distinct class keys of `label` in `table` that are not among `classes` (for the eval-split check). */
export function unseenClasses(table: Table, label: string, classes: (string | number)[]): string[] {
  const get = tableSource(table).column(label)!;
  const known = new Set(classes.map(String));
  const unseen = new Set<string>();
  for (let i = 0; i < table.rowCount; i++) {
    const k = key(get(i));
    if (k !== null && !known.has(k)) unseen.add(k);
  }
  return [...unseen].sort();
}
