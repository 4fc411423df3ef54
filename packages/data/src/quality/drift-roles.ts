/**
 * Which columns drift is measured on: the model's feature columns. An identifier, the label and any
 * column no feature reads are not "drift" (a row id always moves, a month column always changes
 * between splits); they are listed as not tested, with why, so the console, drift.md, the PR comment
 * and the monitor all count the same columns.
 */
import type { SlipwayConfig } from '@slipway/core';

export interface DriftRoles {
  /** Feature columns present in the data: the ones tested. */
  columns: string[];
  notTested: { column: string; reason: string }[];
}

export function driftRoles(
  config: Pick<SlipwayConfig, 'data' | 'features' | 'drift'>,
  available: readonly string[],
): DriftRoles {
  const features = new Set(config.features.map((f) => f.column));
  const ignored = new Set(config.drift?.ignore ?? []);
  const columns: string[] = [];
  const notTested: DriftRoles['notTested'] = [];
  for (const c of available) {
    if (features.has(c) && !ignored.has(c)) columns.push(c);
    else if (ignored.has(c)) notTested.push({ column: c, reason: 'listed in drift.ignore' });
    else if (c === config.data.id)
      notTested.push({ column: c, reason: 'identifier (data.id), not a model input' });
    else if (c === config.data.label)
      notTested.push({ column: c, reason: 'the label (data.label), not a model input' });
    else notTested.push({ column: c, reason: 'not a model input (no feature reads it)' });
  }
  return { columns, notTested };
}
