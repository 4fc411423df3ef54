// One conformance suite, run against the embedded local store and a real MLflow server (sqlite backend,
// proxied artifacts). After our client writes, an independent reader reads everything back: a fresh
// LocalStore for the local backend, MLflow's own Python client for MLflow.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  type DatasetInput,
  isNotFound,
  LocalStore,
  lineageTags,
  type MetricPoint,
  openStore,
  parseJson,
  type Store,
} from '@slipway/tracking';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MlflowServer, mlflowPython, startMlflow } from './support/mlflow.js';

const REPO = resolve(import.meta.dirname, '..');
const BIG_STEP = 2n ** 60n + 7n;

interface Snapshot {
  run: {
    name: string;
    status: string;
    params: Record<string, string>;
    tags: Record<string, string>;
    metrics: Record<string, number>;
  };
  history: Record<string, [string, number, number][]>;
  inputs: (DatasetInput & { context?: string })[];
  artifacts: Record<string, string>;
  aliases: Record<string, string>;
  versions: {
    version: string;
    source: string;
    runId: string | null;
    tags: Record<string, string>;
    aliases: string[];
  }[];
}

interface Backend {
  name: string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  uri(): string;
  /** An independent reader of what was written. */
  read(runId: string, model: string): Promise<Snapshot>;
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const PY_READER = `
import json, sys, hashlib, tempfile
from mlflow import MlflowClient
c = MlflowClient()
run_id, model = sys.argv[1], sys.argv[2]
r = c.get_run(run_id)
hist = {k: [[str(m.step), m.timestamp, m.value] for m in c.get_metric_history(run_id, k)] for k in r.data.metrics}
inputs = []
for d in r.inputs.dataset_inputs:
    tags = {t.key: t.value for t in d.tags}
    i = {"name": d.dataset.name, "digest": d.dataset.digest, "sourceType": d.dataset.source_type, "source": d.dataset.source}
    if d.dataset.schema: i["schema"] = d.dataset.schema
    if d.dataset.profile: i["profile"] = d.dataset.profile
    if "mlflow.data.context" in tags: i["context"] = tags["mlflow.data.context"]
    inputs.append(i)
def walk(p):
    out = []
    for f in c.list_artifacts(run_id, p):
        out += walk(f.path) if f.is_dir else [f.path]
    return out
tmp = tempfile.mkdtemp()
arts = {}
for f in walk(None):
    h = hashlib.sha256()
    with open(c.download_artifacts(run_id, f, tmp), "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""): h.update(block)
    arts[f] = h.hexdigest()
rm = c.get_registered_model(model)
# slipway.createToken is the client's retry guard (docs/tracking.md), not data it was asked to write.
versions = [c.get_model_version(model, v.version) for v in sorted(c.search_model_versions(f"name='{model}'"), key=lambda v: int(v.version))]
print(json.dumps({
  "run": {"name": r.info.run_name, "status": r.info.status, "params": r.data.params, "tags": r.data.tags, "metrics": r.data.metrics},
  "history": hist, "inputs": inputs, "artifacts": arts,
  "aliases": {a: str(v) for a, v in rm.aliases.items()},
  "versions": [{"version": str(v.version), "source": v.source, "runId": v.run_id or None, "tags": {k: t for k, t in v.tags.items() if k != "slipway.createToken"}, "aliases": sorted(v.aliases)} for v in versions],
}))
`;

function localBackend(): Backend {
  let dir = '';
  return {
    name: 'local store',
    async setup() {
      dir = await mkdtemp(join(tmpdir(), 'slipway-local-store-'));
    },
    async teardown() {
      await rm(dir, { recursive: true, force: true });
    },
    uri: () => join(dir, 'store'),
    async read(runId, model) {
      const reader = new LocalStore(join(dir, 'store'));
      const run = await reader.getRun(runId);
      const history: Snapshot['history'] = {};
      for (const key of Object.keys(run.metrics))
        history[key] = (await reader.getMetricHistory(runId, key)).map((p) => [
          String(p.step),
          p.timestamp,
          p.value,
        ]);
      const artifacts: Record<string, string> = {};
      const out = await mkdtemp(join(tmpdir(), 'slipway-read-'));
      const walk = async (path?: string): Promise<void> => {
        for (const a of await reader.listArtifacts(runId, path)) {
          if (a.isDir) await walk(a.path);
          else artifacts[a.path] = await sha256(await reader.downloadArtifact(runId, a.path, out));
        }
      };
      await walk();
      await rm(out, { recursive: true, force: true });
      const rm_ = await reader.getRegisteredModel(model);
      const versions = await reader.searchModelVersions(model);
      return {
        run: { name: run.name, status: run.status, params: run.params, tags: run.tags, metrics: run.metrics },
        history,
        inputs: run.inputs,
        artifacts,
        aliases: rm_.aliases,
        versions: versions.map((v) => ({
          version: v.version,
          source: v.source,
          runId: v.runId,
          tags: v.tags,
          aliases: v.aliases,
        })),
      };
    },
  };
}

function mlflowBackend(): Backend {
  let server: MlflowServer;
  return {
    name: 'MLflow server',
    async setup() {
      server = await startMlflow();
    },
    async teardown() {
      await server?.stop();
    },
    uri: () => server.url,
    async read(runId, model) {
      const script = `import sys; sys.argv = ["reader", ${JSON.stringify(runId)}, ${JSON.stringify(model)}]\n${PY_READER}`;
      const raw = await mlflowPython(server.url, script);
      // Re-parse through our int64-aware parser path is unnecessary: steps come back as strings.
      return raw as Snapshot;
    },
  };
}

function points(key: string, n: number, t0: number): MetricPoint[] {
  return Array.from({ length: n }, (_, i) => ({ key, value: i / 7, timestamp: t0 + i, step: i }));
}

describe.each([localBackend(), mlflowBackend()])('tracking conformance: $name', (backend) => {
  let store: Store;

  beforeAll(async () => {
    await backend.setup();
    store = await openStore(backend.uri(), { backoffMs: 100 });
  });
  afterAll(async () => {
    await store?.close();
    await backend.teardown();
  });

  it('gets or creates experiments idempotently', async () => {
    const a = await store.getOrCreateExperiment('conformance');
    const b = await store.getOrCreateExperiment('conformance');
    expect(b.id).toBe(a.id);
    const [c, d] = await Promise.all([
      store.getOrCreateExperiment('raced'),
      store.getOrCreateExperiment('raced'),
    ]);
    expect(c.id).toBe(d.id);
    const names = (await store.listExperiments()).map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['conformance', 'raced']));
  });

  it('writes a run that an independent reader sees exactly', async () => {
    const experiment = await store.getOrCreateExperiment('conformance');
    const parent = await store.createRun(experiment.id, { name: 'parent' });
    const head = await promisify(execFile)('git', ['rev-parse', 'HEAD'], { cwd: REPO });
    const lineage = await lineageTags({ cwd: REPO });
    const run = await store.createRun(experiment.id, {
      name: 'train-1',
      tags: lineage,
      parentRunId: parent.id,
    });
    expect(run.status).toBe('RUNNING');

    // 150 params and 150 tags: more than one batch each (MLflow allows 100 per request).
    const params: Record<string, string | number | boolean> = {
      lr: 0.1,
      epochs: 3,
      shuffle: true,
      long: 'p'.repeat(6000),
    };
    for (let i = 0; i < 150; i++) params[`p/${i}`] = `v${i}`;
    await store.logParams(run.id, params);
    await store.logParams(run.id, { lr: 0.1 }); // same value again is allowed
    const tags: Record<string, string> = { team: 'ml', big: 't'.repeat(8000) };
    for (let i = 0; i < 150; i++) tags[`tag.${i}`] = String(i);
    await store.setTags(run.id, tags);
    await store.setTags(run.id, { team: 'ml-platform' }); // tags overwrite

    // 2,500 loss points (3 requests), long keys, a step beyond 2^53, and a re-logged identical batch.
    const loss = points('loss', 2500, 1_700_000_000_000);
    const longKey = `k${'x'.repeat(249)}`;
    await store.logMetrics(run.id, [...loss, ...points(longKey, 5, 1_700_000_000_000)]);
    await store.logMetrics(run.id, loss.slice(0, 1000));
    await store.logMetrics(run.id, [
      { key: 'big_step', value: 1.5, timestamp: 1_700_000_000_001, step: BIG_STEP },
    ]);
    // Latest value follows the highest step, not the latest timestamp.
    await store.logMetrics(run.id, [
      { key: 'acc', value: 0.9, timestamp: 100, step: 5 },
      { key: 'acc', value: 0.7, timestamp: 200, step: 1 },
    ]);

    const train: DatasetInput = {
      name: 'churn-train',
      digest: 'a'.repeat(32),
      sourceType: 'local',
      source: JSON.stringify({ uri: 'data/train.parquet', sha256: 'f'.repeat(64) }),
      schema: JSON.stringify({ mlflow_colspec: [{ name: 'age', type: 'double' }] }),
      profile: JSON.stringify({ num_rows: 4898 }),
      context: 'training',
    };
    const evalSet: DatasetInput = {
      name: 'churn-eval',
      digest: 'b'.repeat(32),
      sourceType: 'local',
      source: '{"uri":"data/eval.parquet"}',
      context: 'evaluation',
    };
    await store.logInputs(run.id, [train, evalSet]);

    const work = await mkdtemp(join(tmpdir(), 'slipway-artifacts-'));
    await writeFile(join(work, 'card.md'), '# Model card\n');
    await mkdir(join(work, 'model', 'nested'), { recursive: true });
    await writeFile(join(work, 'model', 'weights.bin'), Buffer.alloc(300_000, 7));
    await writeFile(join(work, 'model', 'nested', 'meta.json'), '{"a":1}');
    await store.logArtifact(run.id, join(work, 'card.md'));
    await store.logArtifact(run.id, join(work, 'model'), 'model');
    await store.setRunStatus(run.id, 'FINISHED');

    // Our own view.
    const mine = await store.getRun(run.id);
    expect(mine.status).toBe('FINISHED');
    expect(mine.endTime).not.toBeNull();
    expect(mine.metrics.acc).toBe(0.9);
    expect(mine.metrics.loss).toBeCloseTo(2499 / 7);
    const history = await store.getMetricHistory(run.id, 'loss');
    expect(history).toHaveLength(2500);
    expect(history.map((p) => p.step)).toEqual(loss.map((p) => p.step));
    expect((await store.getMetricHistory(run.id, 'big_step'))[0]?.step).toBe(BIG_STEP);
    expect(await store.listArtifacts(run.id)).toEqual([
      { path: 'card.md', isDir: false, size: 13 },
      { path: 'model', isDir: true, size: null },
    ]);
    expect((await store.listArtifacts(run.id, 'model')).map((a) => a.path)).toEqual([
      'model/nested',
      'model/weights.bin',
    ]);
    const down = await mkdtemp(join(tmpdir(), 'slipway-down-'));
    const got = await store.downloadArtifact(run.id, 'model', down);
    expect(await readFile(join(got, 'nested', 'meta.json'), 'utf8')).toBe('{"a":1}');

    // Registry.
    const m1 = await store.ensureRegisteredModel('churn', {
      description: 'churn model',
      tags: { owner: 'ml' },
    });
    const m2 = await store.ensureRegisteredModel('churn');
    expect(m2.name).toBe(m1.name);
    const v1 = await store.createModelVersion('churn', `${mine.artifactUri}/model`, {
      runId: run.id,
      tags: { sha: 'abc' },
    });
    const v2 = await store.createModelVersion('churn', `${mine.artifactUri}/model`, { runId: run.id });
    expect([v1.version, v2.version]).toEqual(['1', '2']);
    await store.setModelVersionTag('churn', '2', 'gate', 'passed');
    await store.setAlias('churn', 'champion', '1');
    await store.setAlias('churn', 'challenger', '2');
    await store.setAlias('churn', 'champion', '2'); // promotion moves the alias
    await store.setAlias('churn', 'old', '1');
    await store.deleteAlias('churn', 'old');
    expect((await store.getVersionByAlias('churn', 'champion'))?.version).toBe('2');
    expect(await store.getVersionByAlias('churn', 'old')).toBeNull();
    expect((await store.getRegisteredModel('churn')).latestVersion).toBe('2');
    expect((await store.searchRegisteredModels({ filter: "name LIKE 'chu%'" })).map((m) => m.name)).toEqual([
      'churn',
    ]);
    await expect(store.getRegisteredModel('no-such-model')).rejects.toSatisfy(isNotFound);
    await expect(store.getVersionByAlias('no-such-model', 'champion')).rejects.toSatisfy(isNotFound);

    // The independent reader.
    const seen = await backend.read(run.id, 'churn');
    expect(seen.run.name).toBe('train-1');
    expect(seen.run.status).toBe('FINISHED');
    expect(seen.run.params).toEqual(
      Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])),
    );
    expect(seen.run.tags).toMatchObject({
      ...tags,
      team: 'ml-platform',
      'mlflow.parentRunId': parent.id,
      'mlflow.runName': 'train-1',
    });
    // Other work may commit meanwhile: the tag is the commit lineageTags saw, a real one.
    expect(seen.run.tags['mlflow.source.git.commit']).toBe(lineage['mlflow.source.git.commit']);
    expect(lineage['mlflow.source.git.commit']).toMatch(/^[0-9a-f]{40}$/);
    expect(head.stdout.trim()).toMatch(/^[0-9a-f]{40}$/);
    for (const key of ['mlflow.user', 'mlflow.source.type', 'mlflow.source.name'])
      expect(seen.run.tags[key], key).toBeTruthy();
    expect(seen.run.metrics.acc).toBe(0.9);
    const sortHist = (h: [string, number, number][]) =>
      [...h].sort((a, b) =>
        BigInt(a[0]) < BigInt(b[0]) ? -1 : BigInt(a[0]) > BigInt(b[0]) ? 1 : a[1] - b[1],
      );
    expect(sortHist(seen.history.loss ?? [])).toEqual(
      loss.map((p) => [String(p.step), p.timestamp, p.value]),
    );
    expect(seen.history.big_step).toEqual([[String(BIG_STEP), 1_700_000_000_001, 1.5]]);
    expect(seen.history[longKey]).toHaveLength(5);
    const byName = (a: DatasetInput, b: DatasetInput) => a.name.localeCompare(b.name);
    expect([...seen.inputs].sort(byName)).toEqual([train, evalSet].sort(byName));
    expect(seen.artifacts).toEqual({
      'card.md': await sha256(join(work, 'card.md')),
      'model/weights.bin': await sha256(join(work, 'model', 'weights.bin')),
      'model/nested/meta.json': await sha256(join(work, 'model', 'nested', 'meta.json')),
    });
    expect(seen.aliases).toEqual({ champion: '2', challenger: '2' });
    expect(seen.versions).toEqual([
      { version: '1', source: `${mine.artifactUri}/model`, runId: run.id, tags: { sha: 'abc' }, aliases: [] },
      {
        version: '2',
        source: `${mine.artifactUri}/model`,
        runId: run.id,
        tags: { gate: 'passed' },
        aliases: ['challenger', 'champion'],
      },
    ]);
    await rm(work, { recursive: true, force: true });
    await rm(down, { recursive: true, force: true });
  });

  it('searches runs by filter and order', async () => {
    const e = await store.getOrCreateExperiment('search');
    for (const [name, auc] of [
      ['a', 0.7],
      ['b', 0.9],
      ['c', 0.8],
    ] as const) {
      const r = await store.createRun(e.id, { name });
      await store.logParams(r.id, { model: name === 'a' ? 'linear' : 'mlp' });
      await store.logMetrics(r.id, [{ key: 'auc', value: auc, timestamp: Date.now(), step: 0 }]);
    }
    const best = await store.searchRuns([e.id], {
      filter: "params.model = 'mlp'",
      orderBy: ['metrics.auc DESC'],
    });
    expect(best.map((r) => r.name)).toEqual(['b', 'c']);
    const top = await store.searchRuns([e.id], {
      filter: 'metrics.auc >= 0.75',
      orderBy: ['metrics.auc ASC'],
      maxResults: 1,
    });
    expect(top.map((r) => r.name)).toEqual(['c']);
  });

  it('rejects what MLflow would reject or truncate, before sending', async () => {
    const e = await store.getOrCreateExperiment('limits');
    const r = await store.createRun(e.id);
    await expect(store.logParams(r.id, { x: 'v'.repeat(6001) })).rejects.toMatchObject({
      code: 'TRACKING_INVALID_VALUE',
    });
    await expect(store.setTags(r.id, { x: 'v'.repeat(8001) })).rejects.toMatchObject({
      code: 'TRACKING_INVALID_VALUE',
    });
    await expect(
      store.logMetrics(r.id, [{ key: 'k'.repeat(251), value: 1, timestamp: 1, step: 0 }]),
    ).rejects.toThrow(/250/);
    await expect(
      store.logMetrics(r.id, [{ key: '../escape', value: 1, timestamp: 1, step: 0 }]),
    ).rejects.toThrow(/normalized/);
    await expect(
      store.logInputs(r.id, [{ name: 'd', digest: 'x'.repeat(37), sourceType: 'local', source: '{}' }]),
    ).rejects.toThrow(/digest/);
    await expect(store.setAlias('churn', 'latest', '1')).rejects.toThrow(/reserved/);
    await store.logParams(r.id, { lr: '0.1' });
    await expect(store.logParams(r.id, { lr: '0.2' })).rejects.toThrow(/lr/);
    expect((await store.getRun(r.id)).params).toEqual({ lr: '0.1' });
    await expect(store.getRun('0123456789abcdef0123456789abcdef')).rejects.toSatisfy(isNotFound);
  });

  it('keeps an append-only log: concurrent writers lose nothing', async () => {
    const other = await openStore(backend.uri(), { backoffMs: 50 });
    expect(await store.readLog('audit-test')).toBe('');
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 12; i++) {
      writes.push(store.appendLog('audit-test', `{"n":${i},"by":"a"}`));
      writes.push(other.appendLog('audit-test', `{"n":${i},"by":"b"}`));
    }
    await Promise.all(writes);
    await store.appendLog('audit-test', 'same line');
    await other.appendLog('audit-test', 'same line');
    const lines = (await store.readLog('audit-test')).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(26);
    expect(new Set(lines.slice(0, 24)).size).toBe(24);
    expect(lines.slice(24)).toEqual(['same line', 'same line']);
    await expect(store.appendLog('audit-test', 'two\nlines')).rejects.toMatchObject({
      code: 'TRACKING_INVALID_VALUE',
    });
    await other.close();
  });

  it('two processes logging to the same run at once lose nothing', async () => {
    const e = await store.getOrCreateExperiment('two-processes');
    const r = await store.createRun(e.id);
    const writer = join(REPO, 'tests', 'support', 'tracking-writer.ts');
    const runWriter = (tag: string) =>
      new Promise<void>((ok, fail) => {
        const child = spawn(
          process.execPath,
          [
            '--conditions=@slipway/source',
            '--import',
            join(REPO, 'scripts', 'src-hooks.mjs'),
            writer,
            backend.uri(),
            r.id,
            tag,
            '20',
            '50',
          ],
          { stdio: ['ignore', 'ignore', 'pipe'] },
        );
        let err = '';
        child.stderr.on('data', (d) => {
          err += d;
        });
        child.on('exit', (code) =>
          code === 0 ? ok() : fail(new Error(`writer ${tag} exited ${code}: ${err}`)),
        );
      });
    await Promise.all([runWriter('a'), runWriter('b')]);
    for (const tag of ['a', 'b']) {
      const h = await store.getMetricHistory(r.id, `proc_${tag}`);
      expect(h).toHaveLength(1000);
      expect(h.map((p) => p.step)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    }
    const run = await store.getRun(r.id);
    expect(run.tags).toMatchObject({ last_a: '19', last_b: '19' });
  });
});

// parseJson is what keeps int64 exact on the wire; check it on its own too.
describe('int64 parsing', () => {
  it('keeps integers beyond 2^53 exact', () => {
    expect(parseJson('{"step": 1152921504606846983, "t": 1700000000000}')).toEqual({
      step: BIG_STEP,
      t: 1_700_000_000_000,
    });
  });
});
