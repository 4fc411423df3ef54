/** Label encoding: class lists for classification, numbers for regression, with clear errors. */
import { SlipwayError, type Task } from '@slipway/core';
import type { Column, Table } from '@slipway/data';
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
      {
        hint: 'a label cannot be imputed: set data.missingLabel to "drop" to leave such rows out (counted in the report), or fill them',
      },
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

/** Whether a raw label counts as missing for `task` (the rule encodeLabels applies). */
function isMissing(raw: string | number | boolean | null, task: Task): boolean {
  return task === 'regression' ? toNumber(raw) === null : key(raw) === null;
}

export interface LabelledRows {
  table: Table;
  /** Rows left out because their label is null. */
  dropped: number;
  /** 1-based row of the first one (0 when none). */
  firstDropped: number;
}

function gather(col: Column, keep: Uint32Array): Column {
  if (col.kind === 'string') return { ...col, values: Array.from(keep, (i) => col.values[i] ?? null) };
  const valid = Uint8Array.from(keep, (i) => col.valid[i]!);
  if (col.kind === 'boolean') return { ...col, values: Uint8Array.from(keep, (i) => col.values[i]!), valid };
  return { ...col, values: Float64Array.from(keep, (i) => col.values[i]!), valid };
}

/**
 * The null-label policy (`data.missingLabel`): 'drop' returns the table without the rows whose label is
 * null and counts them; 'error' returns it unchanged, and encodeLabels then names the first such row.
 */
export function dropMissingLabels(
  table: Table,
  label: string,
  task: Task,
  policy: 'drop' | 'error',
): LabelledRows {
  if (policy === 'error') return { table, dropped: 0, firstDropped: 0 };
  const get = tableSource(table).column(label)!;
  const keep: number[] = [];
  let firstDropped = 0;
  for (let i = 0; i < table.rowCount; i++) {
    if (!isMissing(get(i), task)) keep.push(i);
    else if (firstDropped === 0) firstDropped = i + 1;
  }
  const dropped = table.rowCount - keep.length;
  if (dropped === 0) return { table, dropped: 0, firstDropped: 0 };
  const idx = Uint32Array.from(keep);
  return {
    table: { rowCount: idx.length, columns: table.columns.map((c) => gather(c, idx)) },
    dropped,
    firstDropped,
  };
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
