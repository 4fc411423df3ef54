/**
 * Reads a training-data profile (profile.json in the model package) without depending on its exact
 * type: rows, per-column kind / missing / distinct / range, and the time range of timestamp columns.
 * Fields the profile does not carry stay null and the card says so.
 */
export interface ProfileColumnSummary {
  name: string;
  kind: string | null;
  missing: number | null;
  distinct: number | null;
  min: number | string | null;
  max: number | string | null;
  mean: number | null;
}

export interface ProfileSummary {
  rows: number | null;
  columns: ProfileColumnSummary[];
  timeRange: { column: string; from: string; to: string } | null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function pick(o: Obj, ...keys: string[]): unknown {
  for (const k of keys) {
    if (o[k] !== undefined && o[k] !== null) return o[k];
    // Nested stats objects are common: { numeric: { min } }, { stats: { min } }.
    for (const inner of ['stats', 'numeric', 'summary', 'timestamp']) {
      const sub = o[inner];
      if (isObj(sub) && sub[k] !== undefined && sub[k] !== null) return sub[k];
    }
  }
  return undefined;
}

function bound(v: unknown): number | string | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.length > 0) return v;
  return null;
}

function isoOf(v: number | string | null): string | null {
  if (v === null) return null;
  const d = typeof v === 'number' ? new Date(v) : new Date(v);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

export function summarizeProfile(profile: unknown): ProfileSummary {
  if (!isObj(profile)) return { rows: null, columns: [], timeRange: null };
  const rows = num(pick(profile, 'rows', 'rowCount', 'count', 'n'));
  const rawColumns = profile.columns;
  const entries: [string, Obj][] = Array.isArray(rawColumns)
    ? rawColumns.filter(isObj).map((c) => [String(c.name ?? c.column ?? '?'), c])
    : isObj(rawColumns)
      ? Object.entries(rawColumns).filter((e): e is [string, Obj] => isObj(e[1]))
      : [];
  const columns = entries.map(([name, c]): ProfileColumnSummary => {
    const kind = pick(c, 'kind', 'type');
    const missing = num(pick(c, 'missing', 'nulls', 'nullCount', 'missingCount'));
    return {
      name,
      kind: typeof kind === 'string' ? kind : null,
      missing,
      distinct: num(pick(c, 'distinct', 'unique', 'distinctCount', 'cardinality')),
      min: bound(pick(c, 'min')),
      max: bound(pick(c, 'max')),
      mean: num(pick(c, 'mean')),
    };
  });
  let timeRange: ProfileSummary['timeRange'] = null;
  for (const c of columns) {
    if (c.kind !== 'timestamp' && c.kind !== 'date') continue;
    const from = isoOf(c.min);
    const to = isoOf(c.max);
    if (from && to) {
      timeRange = { column: c.name, from, to };
      break;
    }
  }
  return { rows, columns, timeRange };
}
