/**
 * Fits the configured transforms on the training split (validation rows excluded) and returns the
 * features.json document that every later stage applies with `applyFeatures`.
 */
import { didYouMean, type FeatureSpec, hashBytes, SlipwayError } from '@slipway/core';
import type { ColumnKind, Table } from '@slipway/data';
import { getTransform, registeredTransforms } from '../registry.js';
import { FEATURES_SCHEMA, type FeaturesJson, type FittedFeature, type FittedTransform } from './types.js';
import { datePart, tableSource, toCategory, toNumber, toTime } from './values.js';

/** Rows checked twice for purity and used to learn a custom transform's width. */
const PURITY_SAMPLE = 1000;

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b);
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
  return false;
}

/** Hash of the code of every custom transform the config uses, for the lineage and the stage cache. */
export function customCodeHash(specs: FeatureSpec[]): string | null {
  const names = [...new Set(specs.flatMap((s) => (s.transform === 'custom' ? [s.name] : [])))].sort();
  if (names.length === 0) return null;
  return hashBytes(names.map((n) => `${n}\0${getTransform(n)?.toString() ?? '<unregistered>'}`).join('\n'));
}

interface NumericFit {
  values: Float64Array;
  count: number;
  sum: number;
}

export function fitFeatures(
  specs: FeatureSpec[],
  table: Table,
  trainRows: Uint32Array,
  sourceLabel: string,
): FeaturesJson {
  const source = tableSource(table);
  const n = trainRows.length;
  const features: FittedFeature[] = [];
  const outputs: string[] = [];
  const inputs = new Map<string, ColumnKind>();
  let offset = 0;

  for (const spec of specs) {
    const name = spec.as ?? spec.column;
    const get = source.column(spec.column);
    const column = table.columns.find((c) => c.name === spec.column);
    if (!get || !column) {
      const known = source.names();
      throw new SlipwayError(
        'FEATURE_COLUMN_MISSING',
        `${sourceLabel}: has no column "${spec.column}" (features[${specs.indexOf(spec)}])${didYouMean(spec.column, known)}`,
        { hint: `its columns are: ${known.join(', ')}` },
      );
    }
    inputs.set(spec.column, column.kind);
    const where = `${sourceLabel}: column "${spec.column}" (feature "${name}", ${spec.transform})`;
    const missingError = (count: number, first: number) =>
      new SlipwayError(
        'MISSING_VALUES',
        `${where}: ${count} of ${n} training rows are missing (null/NaN), first at row ${first + 1}, and the feature has missing: 'error'`,
        {
          hint: "fill the missing values, or set missing: 'impute' to use the value fitted on the training split",
          details: { column: spec.column, rows: count },
        },
      );

    const numeric = (): NumericFit => {
      const values = new Float64Array(n);
      let count = 0;
      let sum = 0;
      let missing = 0;
      let firstMissing = -1;
      let bad = 0;
      let firstBad = -1;
      let badValue: unknown;
      for (let k = 0; k < n; k++) {
        const raw = get(trainRows[k]!);
        const x = toNumber(raw);
        if (x === undefined) {
          if (bad++ === 0) {
            firstBad = trainRows[k]!;
            badValue = raw;
          }
        } else if (x === null) {
          if (missing++ === 0) firstMissing = trainRows[k]!;
        } else {
          values[count++] = x;
          sum += x;
        }
      }
      if (bad > 0) {
        throw new SlipwayError(
          'TEXT_IN_NUMERIC_COLUMN',
          `${where}: ${bad} value(s) are text, not numbers (first at row ${firstBad + 1}: ${JSON.stringify(badValue)})`,
          {
            hint: `${spec.transform} needs numbers; clean the column, or encode it with oneHot or hash`,
            details: { column: spec.column, rows: bad },
          },
        );
      }
      if (missing > 0 && spec.missing === 'error') throw missingError(missing, firstMissing);
      if (count === 0) {
        throw new SlipwayError('FEATURE_ALL_MISSING', `${where}: every training value is missing`, {
          hint: 'drop the feature or fix the column',
        });
      }
      return { values: values.subarray(0, count), count, sum };
    };

    const categories = (): Map<string, number> => {
      const counts = new Map<string, number>();
      let missing = 0;
      let firstMissing = -1;
      for (let k = 0; k < n; k++) {
        const c = toCategory(get(trainRows[k]!));
        if (c === null) {
          if (missing++ === 0) firstMissing = trainRows[k]!;
        } else counts.set(c, (counts.get(c) ?? 0) + 1);
      }
      if (missing > 0 && spec.missing === 'error') throw missingError(missing, firstMissing);
      return counts;
    };
    const byCount = (counts: Map<string, number>) =>
      [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

    let fitted: FittedTransform;
    let fill: number | string | null = null;
    let names: string[];
    const mean = (f: NumericFit) => f.sum / f.count;

    switch (spec.transform) {
      case 'standardize': {
        const f = numeric();
        const mu = mean(f);
        let ss = 0;
        for (let k = 0; k < f.count; k++) ss += (f.values[k]! - mu) ** 2;
        const std = Math.sqrt(ss / f.count);
        fitted = { transform: 'standardize', mean: mu, std: std > 0 ? std : 1 };
        fill = mu;
        names = [name];
        break;
      }
      case 'minmax': {
        const f = numeric();
        let min = Number.POSITIVE_INFINITY;
        let max = Number.NEGATIVE_INFINITY;
        for (const v of f.values) {
          if (v < min) min = v;
          if (v > max) max = v;
        }
        fitted = { transform: 'minmax', min, max };
        fill = mean(f);
        names = [name];
        break;
      }
      case 'log1p':
      case 'passthrough': {
        fill = mean(numeric());
        fitted = { transform: spec.transform };
        names = [name];
        break;
      }
      case 'clip': {
        const f = numeric();
        let lo = spec.min;
        let hi = spec.max;
        if (spec.quantiles) {
          const sorted = Float64Array.from(f.values).sort();
          lo ??= quantile(sorted, Math.min(...spec.quantiles));
          hi ??= quantile(sorted, Math.max(...spec.quantiles));
        }
        if (lo === undefined && hi === undefined) {
          throw new SlipwayError('CLIP_NO_RANGE', `${where}: clip needs min, max or quantiles`, {
            hint: 'e.g. { transform: "clip", quantiles: [0.01, 0.99] }',
          });
        }
        fitted = {
          transform: 'clip',
          min: lo ?? Number.MIN_SAFE_INTEGER,
          max: hi ?? Number.MAX_SAFE_INTEGER,
        };
        fill = mean(f);
        names = [name];
        break;
      }
      case 'bucketize': {
        const boundaries = [...spec.boundaries].sort((a, b) => a - b);
        fill = mean(numeric());
        fitted = { transform: 'bucketize', boundaries };
        names = [
          `${name}<${boundaries[0]}`,
          ...boundaries.map((b, k) =>
            k + 1 < boundaries.length ? `${name}[${b},${boundaries[k + 1]})` : `${name}>=${b}`,
          ),
        ];
        break;
      }
      case 'oneHot': {
        const ranked = byCount(categories());
        const vocabulary = ranked
          .filter(([, c]) => c >= spec.minCount)
          .slice(0, spec.maxVocab)
          .map(([v]) => v);
        fill = ranked[0]?.[0] ?? null;
        fitted = { transform: 'oneHot', vocabulary };
        names = [...vocabulary.map((v) => `${name}=${v}`), `${name}=<oov>`];
        break;
      }
      case 'hash': {
        fill = byCount(categories())[0]?.[0] ?? null;
        fitted = { transform: 'hash', buckets: spec.buckets };
        names = Array.from({ length: spec.buckets }, (_, k) => `${name}#${k}`);
        break;
      }
      case 'datetime': {
        let missing = 0;
        let firstMissing = -1;
        let sum = 0;
        let count = 0;
        let yearMin = Number.POSITIVE_INFINITY;
        for (let k = 0; k < n; k++) {
          const raw = get(trainRows[k]!);
          const ms = toTime(raw);
          if (ms === undefined) {
            throw new SlipwayError(
              'NOT_A_DATE',
              `${where}: row ${trainRows[k]! + 1} holds ${JSON.stringify(raw)}, which is not a date`,
              { hint: 'use ISO 8601 text (2001-01-31T08:00:00Z), epoch milliseconds or a timestamp column' },
            );
          }
          if (ms === null) {
            if (missing++ === 0) firstMissing = trainRows[k]!;
            continue;
          }
          sum += ms;
          count++;
          const y = datePart(ms, 'year');
          if (y < yearMin) yearMin = y;
        }
        if (missing > 0 && spec.missing === 'error') throw missingError(missing, firstMissing);
        if (count === 0) {
          throw new SlipwayError('FEATURE_ALL_MISSING', `${where}: every training value is missing`, {
            hint: 'drop the feature or fix the column',
          });
        }
        fill = Math.round(sum / count);
        fitted = { transform: 'datetime', parts: spec.parts, cyclical: spec.cyclical, yearMin };
        names = spec.parts.flatMap((p) =>
          p !== 'year' && spec.cyclical ? [`${name}.${p}.sin`, `${name}.${p}.cos`] : [`${name}.${p}`],
        );
        break;
      }
      case 'custom': {
        const fn = getTransform(spec.name);
        if (!fn) {
          const known = registeredTransforms();
          throw new SlipwayError(
            'CUSTOM_TRANSFORM_UNKNOWN',
            `feature "${name}": custom transform "${spec.name}" is not registered${didYouMean(spec.name, known)}`,
            {
              hint: `call registerTransform("${spec.name}", fn) from @slipway/training in slipway.config.ts${known.length ? `; registered: ${known.join(', ')}` : ''}`,
            },
          );
        }
        if (spec.missing === 'error') {
          let missing = 0;
          let firstMissing = -1;
          for (let k = 0; k < n; k++) {
            const raw = get(trainRows[k]!);
            if (raw === null || (typeof raw === 'number' && Number.isNaN(raw))) {
              if (missing++ === 0) firstMissing = trainRows[k]!;
            }
          }
          if (missing > 0) throw missingError(missing, firstMissing);
        }
        let width = -1;
        const sample = Math.min(n, PURITY_SAMPLE);
        for (let k = 0; k < sample; k++) {
          const row = trainRows[k]!;
          const raw = get(row);
          const first = fn(raw);
          const second = fn(raw);
          if (!same(first, second)) {
            throw new SlipwayError(
              'IMPURE_TRANSFORM',
              `custom transform "${spec.name}" is not pure: for ${JSON.stringify(raw)} (column "${spec.column}", row ${row + 1}) it returned ${JSON.stringify(first)} and then ${JSON.stringify(second)}`,
              {
                hint: 'a custom transform must return the same output for the same input: no randomness, clock, counters or outside state',
              },
            );
          }
          const w = typeof first === 'number' ? 1 : Array.isArray(first) ? first.length : -1;
          if (w < 1 || (width !== -1 && w !== width)) {
            throw new SlipwayError(
              'CUSTOM_TRANSFORM_OUTPUT',
              `custom transform "${spec.name}" returned ${JSON.stringify(first)} for row ${row + 1}; expected a number or an array of one fixed length`,
              { hint: 'return the same number of values for every input' },
            );
          }
          width = w;
        }
        if (width === -1) width = 1;
        const source = fn.toString();
        fitted = { transform: 'custom', customName: spec.name, source, sha256: hashBytes(source) };
        names = width === 1 ? [name] : Array.from({ length: width }, (_, k) => `${name}[${k}]`);
        break;
      }
    }
    const feature = {
      ...fitted,
      name,
      column: spec.column,
      missing: spec.missing,
      fill,
      offset,
      width: names.length,
    };
    features.push(feature as FittedFeature);
    outputs.push(...names);
    offset += names.length;
  }
  return {
    schema: FEATURES_SCHEMA,
    width: offset,
    outputs,
    inputs: [...inputs].map(([name, kind]) => ({ name, kind })),
    features,
    fittedRows: n,
  };
}
