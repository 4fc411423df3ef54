import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJson, stringifyJson } from './json.js';
import { checkAlias, checkKey, checkMetric } from './limits.js';
import { parseFilter } from './local/filter.js';
import { appendLines, readLines } from './local/journal.js';
import { LocalStore } from './local/store.js';
import { chunk } from './mlflow/store.js';
import { resolveTrackingUri } from './open.js';

describe('resolveTrackingUri', () => {
  it('prefers the argument, then SLIPWAY_TRACKING_URI, then MLFLOW_TRACKING_URI, then .slipway', () => {
    const cwd = '/proj';
    expect(resolveTrackingUri('http://h:5000/', { cwd, env: {} })).toEqual({
      kind: 'mlflow',
      uri: 'http://h:5000',
    });
    expect(
      resolveTrackingUri(undefined, {
        cwd,
        env: { SLIPWAY_TRACKING_URI: 's', MLFLOW_TRACKING_URI: 'https://m' },
      }),
    ).toEqual({
      kind: 'local',
      uri: '/proj/s',
    });
    expect(resolveTrackingUri(undefined, { cwd, env: { MLFLOW_TRACKING_URI: 'https://m' } })).toEqual({
      kind: 'mlflow',
      uri: 'https://m',
    });
    expect(resolveTrackingUri(undefined, { cwd, env: {} })).toEqual({ kind: 'local', uri: '/proj/.slipway' });
    expect(resolveTrackingUri('file:///tmp/x', { cwd, env: {} })).toEqual({ kind: 'local', uri: '/tmp/x' });
    expect(() => resolveTrackingUri('s3://bucket', { cwd, env: {} })).toThrow(/unsupported scheme/);
    expect(() => resolveTrackingUri('http://u:p@h', { cwd, env: {} })).toThrow(/credentials/);
  });
});

describe('limits', () => {
  it('accepts MLflow keys and rejects the ones MLflow rejects', () => {
    for (const ok of ['loss', 'val/auc', 'a.b-c d:e', 'x'.repeat(250)])
      expect(() => checkKey('metric', ok)).not.toThrow();
    for (const bad of ['', 'x'.repeat(251), '/abs', 'a//b', 'a/../b', 'trailing/', 'emoji🙂', 'a\\b'])
      expect(() => checkKey('metric', bad), bad).toThrow();
    expect(() => checkMetric({ key: 'm', value: 1, timestamp: -1, step: 0 })).toThrow(/timestamp/);
    expect(() => checkMetric({ key: 'm', value: 1, timestamp: 1, step: 1.5 })).toThrow(/int64/);
    expect(() => checkMetric({ key: 'm', value: 1, timestamp: 1, step: 2n ** 63n })).toThrow(/int64/);
    expect(() => checkMetric({ key: 'm', value: 1, timestamp: 1, step: 2n ** 62n })).not.toThrow();
    expect(() => checkAlias('champion')).not.toThrow();
    for (const bad of ['latest', 'Latest', 'v3', 'has space', 'a/b'])
      expect(() => checkAlias(bad), bad).toThrow();
  });
});

describe('int64 JSON', () => {
  it('round-trips integers beyond 2^53 and non-finite doubles', () => {
    const text = stringifyJson({ step: 2n ** 60n + 1n, v: Number.NaN, w: Number.POSITIVE_INFINITY, t: 5 });
    expect(text).toBe('{"step":1152921504606846977,"v":"NaN","w":"Infinity","t":5}');
    expect(parseJson(text)).toEqual({ step: 2n ** 60n + 1n, v: 'NaN', w: 'Infinity', t: 5 });
    expect(parseJson('[9007199254740993, 1.5e300, 3]')).toEqual([9007199254740993n, 1.5e300, 3]);
  });
});

describe('batching', () => {
  it('splits by count and by size', () => {
    const items = Array.from({ length: 2500 }, (_, i) => i);
    expect(chunk(items, 1000, () => 10).map((b) => b.length)).toEqual([1000, 1000, 500]);
    // 3000-byte items: at most 333 fit under 1 MB.
    const sizes = chunk(items.slice(0, 1000), 1000, () => 3000).map((b) => b.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(333);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(1000);
  });
});

describe('local search filter', () => {
  it('reads MLflow-style comparisons', () => {
    expect(
      parseFilter(
        `metrics.auc > 0.8 AND params.lr = '0.1' AND tags."mlflow.user" != 'x' AND status = 'FINISHED'`,
      ),
    ).toEqual([
      { entity: 'metrics', key: 'auc', op: '>', value: 0.8 },
      { entity: 'params', key: 'lr', op: '=', value: '0.1' },
      { entity: 'tags', key: 'mlflow.user', op: '!=', value: 'x' },
      { entity: 'attributes', key: 'status', op: '=', value: 'FINISHED' },
    ]);
    expect(() => parseFilter('metrics.auc >> 1')).toThrow(/cannot read/);
  });
});

describe('append-only journal', () => {
  it('drops a torn last line on read and cuts it before the next append', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-journal-'));
    const file = join(dir, 'j.jsonl');
    await appendLines(file, '{"a":1}\n');
    await appendFile(file, '{"a":');
    expect(await readLines(file)).toEqual(['{"a":1}']);
    await appendLines(file, '{"a":2}\n');
    expect(await readFile(file, 'utf8')).toBe('{"a":1}\n{"a":2}\n');
    await rm(dir, { recursive: true, force: true });
  });

  it('names a broken store file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-store-'));
    const store = new LocalStore(dir);
    await store.getOrCreateExperiment('x');
    await writeFile(join(dir, 'store.json'), '[');
    await expect(store.getOrCreateExperiment('y')).rejects.toThrow(join(dir, 'store.json'));
    await rm(dir, { recursive: true, force: true });
  });
});
