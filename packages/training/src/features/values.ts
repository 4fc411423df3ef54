/**
 * Reading raw values the same way from a columnar Table (training, batch prediction) and from rows
 * (the server, the browser): both go through these few functions, which is what keeps the served
 * transform bit-for-bit equal to the trained one. No Node API here.
 */
import type { Table } from '@slipway/data';
import type { Row } from '../contract.js';

export type Raw = string | number | boolean | null;

/** Per-row access to one input column. */
export type Getter = (i: number) => Raw;

export interface Source {
  rows: number;
  /** A getter for `column`, or undefined when the input has no such column. */
  column(column: string): Getter | undefined;
  /** Column names, for error messages. */
  names(): string[];
}

export function isTable(input: Table | Row[]): input is Table {
  return !Array.isArray(input);
}

export function tableSource(table: Table): Source {
  return {
    rows: table.rowCount,
    names: () => table.columns.map((c) => c.name),
    column(name) {
      const col = table.columns.find((c) => c.name === name);
      if (!col) return undefined;
      if (col.kind === 'string') return (i) => col.values[i] ?? null;
      if (col.kind === 'boolean') return (i) => (col.valid[i] === 0 ? null : col.values[i] === 1);
      return (i) => (col.valid[i] === 0 ? null : col.values[i]!);
    },
  };
}

export function rowSource(rows: Row[]): Source {
  return {
    rows: rows.length,
    names: () => [...new Set(rows.flatMap((r) => Object.keys(r)))],
    column(name) {
      if (rows.length > 0 && !rows.some((r) => r !== null && typeof r === 'object' && name in r))
        return undefined;
      return (i) => {
        const v = rows[i]?.[name];
        return v === undefined ? null : v;
      };
    },
  };
}

/** A number, null for missing, or undefined when the value is text that is not a number. */
export function toNumber(v: Raw): number | null | undefined {
  if (v === null) return null;
  if (typeof v === 'number') return Number.isNaN(v) ? null : v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const s = v.trim();
  if (s === '' || s.toLowerCase() === 'nan' || s.toLowerCase() === 'null') return null;
  const n = Number(s);
  return Number.isNaN(n) ? undefined : n;
}

/** Category text; null for missing. Numbers print as JavaScript prints them (1, 1.5, 1e21). */
export function toCategory(v: Raw): string | null {
  if (v === null) return null;
  if (typeof v === 'number') return Number.isNaN(v) ? null : String(v);
  return String(v);
}

const NAIVE = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/;

/**
 * Milliseconds since the epoch (UTC); null for missing; undefined for text that is not a date.
 * Text without a zone is read as UTC (the Table loader stores timestamps as UTC milliseconds).
 */
export function toTime(v: Raw): number | null | undefined {
  if (v === null) return null;
  if (typeof v === 'number') return Number.isNaN(v) ? null : v;
  if (typeof v === 'boolean') return undefined;
  const s = v.trim();
  if (s === '') return null;
  const text = NAIVE.test(s) ? `${s.replace(' ', 'T')}${s.length === 10 ? 'T00:00:00' : ''}Z` : s;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** FNV-1a (32 bit) over UTF-16 code units: the same bucket in every JavaScript engine. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Index of the bucket: the number of boundaries that are ≤ x. */
export function bucketOf(boundaries: number[], x: number): number {
  let lo = 0;
  let hi = boundaries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (boundaries[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const PERIODS = { hour: 24, dayOfWeek: 7, month: 12, dayOfMonth: 31 } as const;

/** The UTC part of a timestamp, zero-based except `year`. */
export function datePart(ms: number, part: 'hour' | 'dayOfWeek' | 'month' | 'dayOfMonth' | 'year'): number {
  const d = new Date(ms);
  switch (part) {
    case 'hour':
      return d.getUTCHours();
    case 'dayOfWeek':
      return d.getUTCDay();
    case 'month':
      return d.getUTCMonth();
    case 'dayOfMonth':
      return d.getUTCDate() - 1;
    case 'year':
      return d.getUTCFullYear();
  }
}

export function periodOf(part: keyof typeof PERIODS): number {
  return PERIODS[part];
}
