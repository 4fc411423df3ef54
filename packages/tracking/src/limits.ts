import { SlipwayError } from '@slipway/core';
import type { DatasetInput, MetricPoint } from './types.js';

/**
 * MLflow's server-side limits (mlflow/utils/validation.py), enforced on the client by both backends so
 * that a value is never silently truncated by a server and the local store accepts exactly what MLflow does.
 */
export const LIMITS = {
  keyLength: 250,
  paramValue: 6000,
  tagValue: 8000,
  experimentName: 500,
  experimentTagValue: 5000,
  modelTagValue: 5000,
  datasetName: 500,
  datasetDigest: 36,
  datasetSource: 65_535,
  datasetSchema: 1_048_575,
  datasetProfile: 16_777_215,
  inputTagKey: 255,
  inputTagValue: 500,
  aliasLength: 255,
  batchMetrics: 1000,
  batchParams: 100,
  batchTags: 100,
  batchTotal: 1000,
  batchBytes: 1_000_000,
} as const;

const KEY_CHARS = /^[/\w.\- :]*$/;

function limitError(what: string, detail: string, hint: string): SlipwayError {
  return new SlipwayError('TRACKING_INVALID_VALUE', `${what}: ${detail}`, { hint });
}

/** Metric, param and tag keys: MLflow's character set, length and path rules. */
export function checkKey(kind: 'metric' | 'param' | 'tag', key: string): void {
  const what = `${kind} key "${key.length > 60 ? `${key.slice(0, 60)}…` : key}"`;
  if (key.length === 0) throw limitError(`${kind} key`, 'is empty', 'give every key a name');
  if (key.length > LIMITS.keyLength)
    throw limitError(
      what,
      `is ${key.length} characters; MLflow allows ${LIMITS.keyLength}`,
      'use a shorter key',
    );
  if (!KEY_CHARS.test(key))
    throw limitError(
      what,
      'contains characters MLflow rejects',
      'use letters, digits, underscores, dashes, periods, spaces, colons and slashes only',
    );
  const segments = key.split('/');
  if (key.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..'))
    throw limitError(
      what,
      'is not a normalized relative path',
      'drop leading, doubled or trailing slashes and "." / ".." parts',
    );
}

export function checkValue(kind: 'param' | 'tag', key: string, value: string, max: number): void {
  if (value.length > max)
    throw limitError(
      `${kind} "${key}"`,
      `value is ${value.length} characters; MLflow allows ${max}`,
      kind === 'param'
        ? 'log a long value as an artifact instead'
        : 'shorten the tag value or log it as an artifact',
    );
}

export function checkParams(params: Record<string, string | number | boolean>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(params)) {
    checkKey('param', key);
    const value = String(raw);
    checkValue('param', key, value, LIMITS.paramValue);
    out[key] = value;
  }
  return out;
}

export function checkTags(tags: Record<string, string>, maxValue: number = LIMITS.tagValue): void {
  for (const [key, value] of Object.entries(tags)) {
    checkKey('tag', key);
    if (typeof value !== 'string')
      throw limitError(
        `tag "${key}"`,
        `value is a ${typeof value}, not a string`,
        'convert tag values to strings',
      );
    checkValue('tag', key, value, maxValue);
  }
}

const INT64_MAX = 2n ** 63n - 1n;

export function checkMetric(point: MetricPoint): void {
  checkKey('metric', point.key);
  if (typeof point.value !== 'number')
    throw limitError(
      `metric "${point.key}"`,
      `value ${String(point.value)} is not a number`,
      'log numbers only',
    );
  if (!Number.isSafeInteger(point.timestamp) || point.timestamp < 0)
    throw limitError(
      `metric "${point.key}"`,
      `timestamp ${point.timestamp} is not a non-negative integer (ms)`,
      'use Date.now()',
    );
  const step = point.step;
  const okStep =
    typeof step === 'bigint' ? step >= -INT64_MAX - 1n && step <= INT64_MAX : Number.isSafeInteger(step);
  if (!okStep)
    throw limitError(
      `metric "${point.key}"`,
      `step ${String(step)} is not an int64`,
      'use integer steps (a bigint beyond 2^53)',
    );
}

export function checkExperimentName(name: string): void {
  if (name.length === 0) throw limitError('experiment name', 'is empty', 'name the experiment');
  if (name.length > LIMITS.experimentName)
    throw limitError(
      'experiment name',
      `is ${name.length} characters; MLflow allows ${LIMITS.experimentName}`,
      'shorten it',
    );
}

export function checkDataset(input: DatasetInput): void {
  const what = `dataset "${input.name}"`;
  const req: [string, string | undefined][] = [
    ['name', input.name],
    ['digest', input.digest],
    ['sourceType', input.sourceType],
    ['source', input.source],
  ];
  for (const [field, value] of req)
    if (typeof value !== 'string' || value.length === 0)
      throw limitError(what, `${field} is missing`, 'datasets need name, digest, sourceType and source');
  const caps: [string, string | undefined, number][] = [
    ['name', input.name, LIMITS.datasetName],
    ['digest', input.digest, LIMITS.datasetDigest],
    ['source', input.source, LIMITS.datasetSource],
    ['schema', input.schema, LIMITS.datasetSchema],
    ['profile', input.profile, LIMITS.datasetProfile],
    ['context', input.context, LIMITS.inputTagValue],
  ];
  for (const [field, value, max] of caps)
    if (value !== undefined && value.length > max)
      throw limitError(
        what,
        `${field} is ${value.length} characters; MLflow allows ${max}`,
        field === 'digest'
          ? 'truncate the content hash (MLflow uses 32 hex characters) and keep the full one in source'
          : `shorten ${field}`,
      );
}

export function checkAlias(alias: string): void {
  if (!/^[\w-]+$/.test(alias) || alias.length > LIMITS.aliasLength)
    throw limitError(
      `alias "${alias}"`,
      'must be letters, digits, "_" or "-" (≤255)',
      'e.g. champion, challenger',
    );
  if (alias.toLowerCase() === 'latest' || /^v\d+$/i.test(alias))
    throw limitError(
      `alias "${alias}"`,
      'is reserved by MLflow',
      'pick another name than "latest" or v<number>',
    );
}

export function checkModelName(name: string): void {
  if (name.length === 0 || name.length > 500 || /[\n\r/\\]|^\.\.?$/.test(name))
    throw limitError(
      `registered model name "${name}"`,
      'is empty, too long or contains / \\ or a newline',
      'use a simple name such as "churn"',
    );
}

/** Names of append-only logs (`appendLog`). */
export function checkLogName(name: string): void {
  if (!/^[A-Za-z0-9][\w.-]{0,99}$/.test(name) || name.includes('..'))
    throw limitError(`log name "${name}"`, 'must be letters, digits, ".", "_" or "-"', 'e.g. "audit"');
}
