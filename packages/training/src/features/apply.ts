/**
 * Applies features.json to a table or to rows, producing the model's Float32 input matrix. Training,
 * evaluation, batch prediction and serving (Node or browser) all call this one function, so the served
 * transform is the trained one. No Node API here.
 */
import type { Table } from '@slipway/data';
import type { Row } from '../contract.js';
import { PackageError } from '../errors.js';
import { isAdmitted, packageCodeRefused, registeredFor } from '../package-code.js';
import { type CustomTransform, FEATURES_SCHEMA, type FeaturesJson, type FittedFeature } from './types.js';
import {
  bucketOf,
  datePart,
  fnv1a,
  type Getter,
  isTable,
  periodOf,
  rowSource,
  type Source,
  tableSource,
  toCategory,
  toNumber,
  toTime,
} from './values.js';

export interface FeatureMatrix {
  /** rows × width, row-major. */
  matrix: Float32Array;
  rows: number;
  width: number;
}

export interface ApplyOptions {
  /** Names the input in error messages (a file path, "request"). */
  source?: string;
  /** Write into this buffer (length ≥ rows × width) instead of allocating one. */
  out?: Float32Array;
}

const compiled = new Map<string, CustomTransform>();

/**
 * The function for a custom feature: the registered one when its code is the trained code; the bundled
 * code only when an opted-in load admitted it (package-code.ts). Anything else is refused: a package is
 * data, and its code does not run by default.
 */
export function resolveCustom(
  feature: Extract<FittedFeature, { transform: 'custom' }>,
  where = 'features.json',
): CustomTransform {
  const registered = registeredFor(feature);
  if (registered) return registered;
  if (!isAdmitted(feature.source)) throw packageCodeRefused(feature, where);
  const cached = compiled.get(feature.source);
  if (cached) return cached;
  let fn: unknown;
  try {
    fn = new Function(`"use strict"; return (${feature.source});`)();
  } catch (err) {
    throw new PackageError(
      'CUSTOM_TRANSFORM_UNAVAILABLE',
      `custom transform "${feature.customName}" is not registered and its bundled code does not compile (${(err as Error).message})`,
      { hint: `call registerTransform("${feature.customName}", fn) before loading the package` },
    );
  }
  if (typeof fn !== 'function') {
    throw new PackageError(
      'CUSTOM_TRANSFORM_UNAVAILABLE',
      `custom transform "${feature.customName}": bundled code is not a function`,
      { hint: `call registerTransform("${feature.customName}", fn) before loading the package` },
    );
  }
  compiled.set(feature.source, fn as CustomTransform);
  return fn as CustomTransform;
}

function describe(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v) : String(v);
}

interface Tally {
  missing: number;
  firstMissing: number;
  bad: number;
  firstBad: number;
  badValue: unknown;
}

function check(f: FittedFeature, t: Tally, label: string, what: string): void {
  if (t.bad > 0) {
    throw new PackageError(
      what === 'a date' ? 'NOT_A_DATE' : 'TEXT_IN_NUMERIC_COLUMN',
      `${label}: column "${f.column}" has ${t.bad} value(s) that are not ${what} (first at row ${t.firstBad + 1}: ${describe(t.badValue)})`,
      {
        hint: `feature "${f.name}" (${f.transform}) needs ${what}; clean the column or use a categorical transform (oneHot, hash)`,
        details: { column: f.column, rows: t.bad, firstRow: t.firstBad + 1 },
      },
    );
  }
  if (t.missing > 0) {
    throw new PackageError(
      'MISSING_VALUES',
      `${label}: column "${f.column}" has ${t.missing} missing (null/NaN) value(s) (first at row ${t.firstMissing + 1}) and feature "${f.name}" has missing: 'error'`,
      {
        hint: `fill the missing values, or set missing: 'impute' on the feature to use the value fitted on the training split`,
        details: { column: f.column, rows: t.missing, firstRow: t.firstMissing + 1 },
      },
    );
  }
}

function writeFeature(
  f: FittedFeature,
  get: Getter,
  rows: number,
  m: Float32Array,
  width: number,
  label: string,
): void {
  const t: Tally = { missing: 0, firstMissing: -1, bad: 0, firstBad: -1, badValue: null };
  const o = f.offset;
  const impute = f.missing === 'impute' && f.fill !== null;
  const missingAt = (i: number) => {
    if (t.missing++ === 0) t.firstMissing = i;
  };
  const badAt = (i: number, v: unknown) => {
    if (t.bad++ === 0) {
      t.firstBad = i;
      t.badValue = v;
    }
  };
  /** The numeric value of row i after the missing-value policy; undefined when it could not be had. */
  const num = (i: number): number | undefined => {
    const raw = get(i);
    const x = toNumber(raw);
    if (x === undefined) {
      badAt(i, raw);
      return undefined;
    }
    if (x !== null) return x;
    if (impute) return f.fill as number;
    missingAt(i);
    return undefined;
  };
  const cat = (i: number): string | undefined => {
    const c = toCategory(get(i));
    if (c !== null) return c;
    if (impute) return String(f.fill);
    missingAt(i);
    return undefined;
  };

  switch (f.transform) {
    case 'standardize': {
      const { mean, std } = f;
      for (let i = 0; i < rows; i++) {
        const x = num(i);
        if (x !== undefined) m[i * width + o] = (x - mean) / std;
      }
      break;
    }
    case 'minmax': {
      const { min, max } = f;
      const range = max - min;
      for (let i = 0; i < rows; i++) {
        const x = num(i);
        if (x !== undefined) m[i * width + o] = range > 0 ? (x - min) / range : 0;
      }
      break;
    }
    case 'log1p':
      for (let i = 0; i < rows; i++) {
        const x = num(i);
        if (x !== undefined) m[i * width + o] = Math.log1p(Math.max(x, 0));
      }
      break;
    case 'clip': {
      const { min, max } = f;
      for (let i = 0; i < rows; i++) {
        const x = num(i);
        if (x !== undefined) m[i * width + o] = Math.min(Math.max(x, min), max);
      }
      break;
    }
    case 'passthrough':
      for (let i = 0; i < rows; i++) {
        const x = num(i);
        if (x !== undefined) m[i * width + o] = x;
      }
      break;
    case 'bucketize':
      for (let i = 0; i < rows; i++) {
        const x = num(i);
        if (x !== undefined) m[i * width + o + bucketOf(f.boundaries, x)] = 1;
      }
      break;
    case 'oneHot': {
      const index = new Map(f.vocabulary.map((v, k) => [v, k]));
      const oov = f.vocabulary.length;
      for (let i = 0; i < rows; i++) {
        const c = cat(i);
        if (c !== undefined) m[i * width + o + (index.get(c) ?? oov)] = 1;
      }
      break;
    }
    case 'hash':
      for (let i = 0; i < rows; i++) {
        const c = cat(i);
        if (c !== undefined) m[i * width + o + (fnv1a(c) % f.buckets)] = 1;
      }
      break;
    case 'datetime':
      for (let i = 0; i < rows; i++) {
        const raw = get(i);
        let ms = toTime(raw);
        if (ms === undefined) {
          badAt(i, raw);
          continue;
        }
        if (ms === null) {
          if (!impute) {
            missingAt(i);
            continue;
          }
          ms = f.fill as number;
        }
        let k = i * width + o;
        for (const part of f.parts) {
          const v = datePart(ms, part);
          if (part === 'year') m[k++] = v - f.yearMin;
          else if (f.cyclical) {
            const angle = (2 * Math.PI * v) / periodOf(part);
            m[k++] = Math.sin(angle);
            m[k++] = Math.cos(angle);
          } else m[k++] = v / (periodOf(part) - 1);
        }
      }
      break;
    case 'custom': {
      const fn = resolveCustom(f, label);
      for (let i = 0; i < rows; i++) {
        let raw = get(i);
        if (raw === null || (typeof raw === 'number' && Number.isNaN(raw))) {
          if (f.missing === 'error') {
            missingAt(i);
            continue;
          }
          raw = null;
        }
        const out = fn(raw);
        const values = typeof out === 'number' ? [out] : out;
        if (!Array.isArray(values) || values.length !== f.width || values.some((v) => !Number.isFinite(v))) {
          throw new PackageError(
            'CUSTOM_TRANSFORM_OUTPUT',
            `${label}: custom transform "${f.customName}" returned ${describe(JSON.stringify(out))} at row ${i + 1}; expected ${f.width} finite number(s)`,
            {
              hint: 'a custom transform must return a finite number, or an array of the same length for every value',
            },
          );
        }
        const base = i * width + o;
        for (let k = 0; k < values.length; k++) m[base + k] = values[k]!;
      }
      break;
    }
  }
  check(f, t, label, f.transform === 'datetime' ? 'a date' : 'a number');
}

/** Applies fitted features to a columnar table or to rows; extra input columns are ignored. */
export function applyFeatures(
  features: FeaturesJson,
  input: Table | Row[],
  options: ApplyOptions = {},
): FeatureMatrix {
  if (!features || features.schema !== FEATURES_SCHEMA) {
    throw new PackageError('FEATURES_INVALID', `features.json: expected schema "${FEATURES_SCHEMA}"`, {
      hint: 'pass the `features` of a loaded model package (features.json as the trainer wrote it)',
    });
  }
  const source: Source = isTable(input) ? tableSource(input) : rowSource(input);
  const label = options.source ?? (isTable(input) ? 'input table' : 'input rows');
  const { width } = features;
  const rows = source.rows;
  const getters = features.features.map((f) => {
    const get = source.column(f.column);
    if (!get) {
      throw new PackageError('INPUT_COLUMN_MISSING', `${label}: missing input column "${f.column}"`, {
        hint: `the model needs these input columns: ${features.inputs.map((c) => c.name).join(', ')}`,
        details: { column: f.column },
      });
    }
    return get;
  });
  let matrix: Float32Array;
  if (options.out) {
    if (options.out.length < rows * width) throw new RangeError('applyFeatures: `out` is too small');
    matrix = options.out.subarray(0, rows * width);
    matrix.fill(0);
  } else matrix = new Float32Array(rows * width);
  features.features.forEach((f, j) => {
    writeFeature(f, getters[j]!, rows, matrix, width, label);
  });
  return { matrix, rows, width };
}
