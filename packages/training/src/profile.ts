/**
 * The training split's reference profile for profile.json. @slipway/data's `profileDataset` (mergeable
 * sketches, what drift detection reads) is used when that package provides it; otherwise this small
 * summary of the training rows is written, marked with its own schema so readers can tell.
 */

import type { Table } from '@slipway/data';
import * as data from '@slipway/data';
import { tableSource, toCategory } from './features/values.js';

export const SUMMARY_SCHEMA = 'slipway.training-summary/v1';

interface ColumnSummary {
  name: string;
  kind: string;
  count: number;
  missing: number;
  mean?: number;
  std?: number;
  min?: number;
  max?: number;
  top?: { value: string; count: number }[];
  distinct?: number;
}

export function summarize(
  table: Table,
  rows: Uint32Array,
): { schema: string; rows: number; columns: ColumnSummary[] } {
  const source = tableSource(table);
  const columns = table.columns.map((col): ColumnSummary => {
    const get = source.column(col.name)!;
    const out: ColumnSummary = { name: col.name, kind: col.kind, count: 0, missing: 0 };
    if (col.kind === 'string') {
      const counts = new Map<string, number>();
      for (const r of rows) {
        const c = toCategory(get(r));
        if (c === null) out.missing++;
        else {
          out.count++;
          counts.set(c, (counts.get(c) ?? 0) + 1);
        }
      }
      out.distinct = counts.size;
      out.top = [...counts]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, 20)
        .map(([value, count]) => ({ value, count }));
      return out;
    }
    let sum = 0;
    let sq = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const r of rows) {
      const v = get(r);
      if (v === null) {
        out.missing++;
        continue;
      }
      const x = Number(v);
      out.count++;
      sum += x;
      sq += x * x;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    if (out.count > 0) {
      out.mean = sum / out.count;
      out.std = Math.sqrt(Math.max(0, sq / out.count - out.mean * out.mean));
      out.min = min;
      out.max = max;
    }
    return out;
  });
  return { schema: SUMMARY_SCHEMA, rows: rows.length, columns };
}

type ProfileFn = (path: string, options?: Record<string, unknown>) => Promise<unknown>;

/** The profile @slipway/data computes for `path`, or null when that package has no profiler. */
export async function profileWithData(path: string, columns: string[]): Promise<unknown | null> {
  const fn = (data as unknown as { profileDataset?: ProfileFn }).profileDataset;
  if (typeof fn !== 'function') return null;
  return fn(path, { columns });
}
