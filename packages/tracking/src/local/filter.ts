import { SlipwayError } from '@slipway/core';
import type { Run } from '../types.js';

/**
 * The subset of MLflow's search syntax the local store understands: comparisons joined by AND, e.g.
 * `metrics.auc > 0.8 AND params.lr = '0.1' AND tags."mlflow.user" = 'ana' AND attributes.status = 'FINISHED'`.
 */
type Op = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE';
interface Clause {
  entity: 'metrics' | 'params' | 'tags' | 'attributes';
  key: string;
  op: Op;
  value: string | number;
}

const ENTITY: Record<string, Clause['entity']> = {
  metric: 'metrics',
  metrics: 'metrics',
  param: 'params',
  params: 'params',
  parameter: 'params',
  parameters: 'params',
  tag: 'tags',
  tags: 'tags',
  attribute: 'attributes',
  attributes: 'attributes',
  attr: 'attributes',
  run: 'attributes',
};

const CLAUSE =
  /^\s*(?:(\w+)\.)?(?:`([^`]+)`|"([^"]+)"|([\w.\-/: ]+?))\s*(!=|>=|<=|=|>|<|ILIKE\b|LIKE\b)\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(-?[\d.]+(?:e-?\d+)?))\s*$/i;

function bad(filter: string, detail: string): SlipwayError {
  return new SlipwayError('TRACKING_INVALID_FILTER', `filter "${filter}": ${detail}`, {
    hint: "write comparisons joined by AND, e.g. metrics.auc > 0.8 AND params.lr = '0.1'",
  });
}

export function parseFilter(filter: string, defaultEntity: Clause['entity'] = 'attributes'): Clause[] {
  if (filter.trim() === '') return [];
  return filter.split(/\s+AND\s+/i).map((part) => {
    const m = CLAUSE.exec(part);
    if (!m) throw bad(filter, `cannot read "${part.trim()}"`);
    const entity = m[1] === undefined ? defaultEntity : ENTITY[m[1].toLowerCase()];
    if (!entity) throw bad(filter, `unknown entity "${m[1]}"`);
    const key = (m[2] ?? m[3] ?? m[4] ?? '').trim();
    const op = (m[5] ?? '=').toUpperCase() as Op;
    const raw = m[6] ?? m[7];
    const value = raw !== undefined ? raw.replace(/\\(.)/g, '$1') : Number(m[8]);
    return { entity, key, op, value };
  });
}

function like(value: string, pattern: string, insensitive: boolean): boolean {
  const re = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${re}$`, insensitive ? 'is' : 's').test(value);
}

export function compare(
  actual: string | number | null | undefined,
  op: Op,
  expected: string | number,
): boolean {
  if (actual === undefined || actual === null) return false;
  if (op === 'LIKE' || op === 'ILIKE') return like(String(actual), String(expected), op === 'ILIKE');
  const a = typeof expected === 'number' ? Number(actual) : String(actual);
  switch (op) {
    case '=':
      return a === expected;
    case '!=':
      return a !== expected;
    case '>':
      return a > expected;
    case '>=':
      return a >= expected;
    case '<':
      return a < expected;
    default:
      return a <= expected;
  }
}

export function runAttribute(run: Run, key: string): string | number | null | undefined {
  switch (key) {
    case 'status':
      return run.status;
    case 'run_name':
    case 'runName':
      return run.name;
    case 'run_id':
    case 'runId':
      return run.id;
    case 'start_time':
      return run.startTime;
    case 'end_time':
      return run.endTime;
    case 'experiment_id':
      return run.experimentId;
    default:
      return undefined;
  }
}

function field(run: Run, entity: Clause['entity'], key: string): string | number | null | undefined {
  if (entity === 'metrics') return run.metrics[key];
  if (entity === 'params') return run.params[key];
  if (entity === 'tags') return run.tags[key];
  return runAttribute(run, key);
}

export function matchRun(run: Run, clauses: Clause[]): boolean {
  return clauses.every((c) => compare(field(run, c.entity, c.key), c.op, c.value));
}

/** `metrics.auc DESC`, `attributes.start_time`, `params.lr ASC`…; default: newest first. */
export function sortRuns(runs: Run[], orderBy: string[] | undefined): Run[] {
  const keys = (orderBy?.length ? orderBy : ['attributes.start_time DESC']).map((spec) => {
    const m = /^\s*(?:(\w+)\.)?(?:`([^`]+)`|"([^"]+)"|(\S+))\s*(ASC|DESC)?\s*$/i.exec(spec);
    if (!m) throw bad(spec, 'cannot read this order_by');
    const entity = m[1] === undefined ? 'attributes' : ENTITY[m[1].toLowerCase()];
    if (!entity) throw bad(spec, `unknown entity "${m[1]}"`);
    return { entity, key: m[2] ?? m[3] ?? m[4] ?? '', desc: m[5]?.toUpperCase() === 'DESC' };
  });
  return runs.sort((x, y) => {
    for (const k of keys) {
      const a = field(x, k.entity, k.key);
      const b = field(y, k.entity, k.key);
      // Missing values sort last, as in MLflow.
      if (a === undefined || a === null) {
        if (b === undefined || b === null) continue;
        return 1;
      }
      if (b === undefined || b === null) return -1;
      if (a < b) return k.desc ? 1 : -1;
      if (a > b) return k.desc ? -1 : 1;
    }
    return x.id.localeCompare(y.id);
  });
}
