/**
 * Turns raw labels (as read from the evaluation data) into what the metrics need: 0/1 for binary,
 * class indices for multiclass, finite numbers for regression. A label that is not one of the
 * model's classes is an error naming its row, never a silent miscount.
 */
import { SlipwayError } from '@slipway/core';

export type RawLabel = string | number | boolean | null | undefined;

function same(value: RawLabel, cls: string | number): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'boolean') {
    const s = String(cls).toLowerCase();
    return value ? s === 'true' || s === '1' : s === 'false' || s === '0';
  }
  if (typeof value === 'number' && typeof cls === 'number') return value === cls;
  return String(value) === String(cls);
}

/**
 * Whether a raw label is missing (null, NaN; for regression also blank text or "nan"/"null"): the rows
 * `data.missingLabel: 'drop'` leaves out, the same rule training applies.
 */
export function isMissingLabel(task: 'binary' | 'multiclass' | 'regression', v: RawLabel): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === 'number') return Number.isNaN(v);
  if (task === 'regression' && typeof v === 'string') {
    const s = v.trim().toLowerCase();
    return s === '' || s === 'nan' || s === 'null';
  }
  return false;
}

export function encodeLabels(
  task: 'binary' | 'multiclass' | 'regression',
  labels: ArrayLike<RawLabel>,
  classes: readonly (string | number)[] | null | undefined,
  source = 'labels',
): Float64Array | Int32Array {
  const n = labels.length;
  if (task === 'regression') {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = labels[i];
      const x = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
      if (!Number.isFinite(x)) {
        throw new SlipwayError(
          'LABEL_INVALID',
          `${source}: row ${i} has label ${JSON.stringify(v ?? null)}, not a finite number`,
          {
            hint: 'regression labels must be numbers; drop or fill rows with missing labels',
          },
        );
      }
      out[i] = x;
    }
    return out;
  }
  const out = new Int32Array(n);
  if (classes && classes.length > 0) {
    if (task === 'binary' && classes.length !== 2) {
      throw new SlipwayError(
        'CLASSES_INVALID',
        `binary task with ${classes.length} classes (${classes.join(', ')})`,
        {
          hint: 'a binary model has classes [negative, positive]',
        },
      );
    }
    const index = new Map<string, number>();
    for (const [i, c] of classes.entries()) index.set(String(c), i);
    for (let i = 0; i < n; i++) {
      const v = labels[i];
      let found = typeof v === 'string' || typeof v === 'number' ? index.get(String(v)) : undefined;
      if (found === undefined) found = classes.findIndex((c) => same(v, c));
      if (found === undefined || found < 0) {
        throw new SlipwayError(
          'LABEL_NOT_IN_CLASSES',
          `${source}: row ${i} has label ${JSON.stringify(v ?? null)}, which is not one of the model's classes [${classes.map((c) => JSON.stringify(c)).join(', ')}]`,
          { hint: 'evaluate on data labelled like the training data, or retrain with the new class' },
        );
      }
      out[i] = found;
    }
    return out;
  }
  const k = task === 'binary' ? 2 : Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    const x = typeof v === 'boolean' ? (v ? 1 : 0) : typeof v === 'number' ? v : Number.NaN;
    if (!Number.isInteger(x) || x < 0 || x >= k) {
      throw new SlipwayError(
        'LABEL_NOT_IN_CLASSES',
        `${source}: row ${i} has label ${JSON.stringify(v ?? null)}; without class names, ${task === 'binary' ? 'binary labels must be 0 or 1' : 'multiclass labels must be class indices 0..k-1'}`,
        { hint: 'pass `classes` (the model signature lists them) to map label values to classes' },
      );
    }
    out[i] = x;
  }
  return out;
}
