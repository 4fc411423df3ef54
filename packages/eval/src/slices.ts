/**
 * Slices: rows grouped by a categorical column's values or by a numeric column's buckets (edges from
 * config: `< e1`, `[e1, e2)`, …, `≥ em`; nulls form their own slice). A slice's metrics are the same
 * metric code with 0/1 row weights, so slices agree with the whole-data numbers by construction.
 */
import { didYouMean, SlipwayError } from '@slipway/core';
import type { Column, Table } from '@slipway/data';
import type { PreparedMetrics } from './metrics/prepared.js';
import type { SliceResult } from './report/types.js';

export interface SliceSpec {
  columns: readonly string[];
  numeric: Record<string, readonly number[]>;
  minSupport: number;
}

export interface SkippedSlice {
  slice: string;
  column: string;
  support: number;
  reason: string;
}

export interface SliceGroup {
  slice: string;
  column: string;
  rows: Int32Array;
}

export function findColumn(table: Table, name: string, field: string): Column {
  const col = table.columns.find((c) => c.name === name);
  if (!col) {
    const known = table.columns.map((c) => c.name);
    throw new SlipwayError(
      'SLICE_COLUMN_NOT_FOUND',
      `${field}: the evaluation data has no column "${name}"${didYouMean(name, known)}`,
      {
        hint: `its columns are: ${known.join(', ')}`,
      },
    );
  }
  return col;
}

function cellLabel(col: Column, i: number): string | null {
  switch (col.kind) {
    case 'string':
      return col.values[i] ?? null;
    case 'boolean':
      return col.valid[i] ? (col.values[i] ? 'true' : 'false') : null;
    case 'number':
      return col.valid[i] ? String(col.values[i]) : null;
    case 'timestamp':
      return col.valid[i] ? new Date(col.values[i] as number).toISOString() : null;
  }
}

function fmtEdge(x: number): string {
  return String(x);
}

/** Row groups for every configured slice, including empty numeric buckets (support 0). */
export function sliceGroups(table: Table, spec: SliceSpec): SliceGroup[] {
  const groups: SliceGroup[] = [];
  for (const name of spec.columns) {
    const col = findColumn(table, name, 'eval.slices.columns');
    const byValue = new Map<string, number[]>();
    for (let i = 0; i < table.rowCount; i++) {
      const v = cellLabel(col, i);
      const key = v === null ? `${name} is null` : `${name} = ${v}`;
      let list = byValue.get(key);
      if (!list) {
        list = [];
        byValue.set(key, list);
      }
      list.push(i);
    }
    for (const [slice, rows] of byValue) groups.push({ slice, column: name, rows: Int32Array.from(rows) });
  }
  for (const [name, rawEdges] of Object.entries(spec.numeric)) {
    const col = findColumn(table, name, `eval.slices.numeric.${name}`);
    if (col.kind !== 'number' && col.kind !== 'timestamp') {
      throw new SlipwayError(
        'SLICE_COLUMN_NOT_NUMERIC',
        `eval.slices.numeric.${name}: column "${name}" is ${col.kind}, not numeric`,
        {
          hint: `list it under eval.slices.columns to slice by its values instead`,
        },
      );
    }
    const edges = [...rawEdges].sort((a, b) => a - b);
    const labels = [`${name} < ${fmtEdge(edges[0] as number)}`];
    for (let e = 0; e + 1 < edges.length; e++) {
      labels.push(`${name} in [${fmtEdge(edges[e] as number)}, ${fmtEdge(edges[e + 1] as number)})`);
    }
    labels.push(`${name} ≥ ${fmtEdge(edges[edges.length - 1] as number)}`);
    const buckets: number[][] = labels.map(() => []);
    const nulls: number[] = [];
    for (let i = 0; i < table.rowCount; i++) {
      if (!col.valid[i]) {
        nulls.push(i);
        continue;
      }
      const v = col.values[i] as number;
      let b = 0;
      while (b < edges.length && v >= (edges[b] as number)) b++;
      (buckets[b] as number[]).push(i);
    }
    for (const [b, slice] of labels.entries()) {
      groups.push({ slice, column: name, rows: Int32Array.from(buckets[b] as number[]) });
    }
    if (nulls.length > 0)
      groups.push({ slice: `${name} is null`, column: name, rows: Int32Array.from(nulls) });
  }
  return groups;
}

/** Weights selecting `rows`, laid out in the prepared metrics' own row order. */
export function rowWeights(prepared: PreparedMetrics, rows: Int32Array): Uint8Array {
  const mask = new Uint8Array(prepared.n);
  for (const r of rows) mask[r] = 1;
  if (!prepared.order) return mask;
  const w = new Uint8Array(prepared.n);
  for (let k = 0; k < prepared.n; k++) w[k] = mask[prepared.order[k] as number] as number;
  return w;
}

export function computeSlices(
  prepared: PreparedMetrics,
  groups: SliceGroup[],
  minSupport: number,
  metrics: readonly string[],
): { slices: SliceResult[]; skipped: SkippedSlice[] } {
  const slices: SliceResult[] = [];
  const skipped: SkippedSlice[] = [];
  const only = new Set(metrics);
  for (const g of groups) {
    const support = g.rows.length;
    if (support === 0) {
      skipped.push({
        slice: g.slice,
        column: g.column,
        support,
        reason: 'empty: no rows fall in this slice',
      });
      continue;
    }
    if (support < minSupport) {
      skipped.push({
        slice: g.slice,
        column: g.column,
        support,
        reason: `support ${support} < minSupport ${minSupport}`,
      });
      continue;
    }
    const values = prepared.compute(rowWeights(prepared, g.rows), only);
    const m: Record<string, number | null> = {};
    for (const name of metrics) {
      const v = values[name];
      m[name] = v === undefined || v === null || !Number.isFinite(v) ? null : v;
    }
    slices.push({ slice: g.slice, column: g.column, support, metrics: m });
  }
  return { slices, skipped };
}

/** The `count` slices with the worst value of `metric` (undefined values are not ranked). */
export function worstSlices(
  slices: SliceResult[],
  metric: string,
  greater: boolean,
  count: number,
): SliceResult[] {
  return slices
    .filter((s) => typeof s.metrics[metric] === 'number')
    .sort((a, b) => {
      const va = a.metrics[metric] as number;
      const vb = b.metrics[metric] as number;
      return (greater ? va - vb : vb - va) || b.support - a.support;
    })
    .slice(0, count);
}
