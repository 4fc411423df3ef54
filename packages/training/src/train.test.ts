import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashBytes } from '@slipway/core';
import { connect, dataDigest, describeDataset, PROFILE_SCHEMA, readTable } from '@slipway/data';
import { LocalStore } from '@slipway/tracking';
import { describe, expect, it } from 'vitest';
import { selectBackend } from './backend.js';
import { LOCK_FILE, readLock } from './cache.js';
import { loadModelPackage } from './package/files.js';
import { predictBatch } from './predict.js';
import { makeProject, syntheticRows, toCsv } from './project.fixture.js';
import { registerModel } from './registry.js';
import { train } from './train.js';

const weightsHash = async (dir: string) => hashBytes(await readFile(join(dir, 'weights.bin')));

describe('train', () => {
  it.each(['cpu', 'wasm'])(
    'is deterministic on %s: training twice gives identical weights',
    async (backend) => {
      const p = await makeProject({
        config: {
          model: { task: 'binary', type: 'mlp', hidden: [8, 4], dropout: 0.2, batchNorm: true },
        },
      });
      const loaded = await p.load();
      const a = await train({ loaded, backend, outDir: 'a' });
      const b = await train({ loaded, backend, outDir: 'b', force: true });
      expect(a.cached || b.cached).toBe(false);
      expect(a.lineage.backend).toBe(backend);
      expect(await weightsHash(a.packageDir)).toBe(await weightsHash(b.packageDir));
      expect(await readFile(join(a.packageDir, 'model.json'), 'utf8')).toBe(
        await readFile(join(b.packageDir, 'model.json'), 'utf8'),
      );
      expect(a.metrics.val_auc).toBeGreaterThan(0.6);
    },
  );

  it('reuses the package while inputs are unchanged; config changes and --force retrain', async () => {
    const p = await makeProject();
    const first = await train({ loaded: await p.load() });
    expect(first.cached).toBe(false);
    expect(first.packageDir).toBe(join(p.dir, '.slipway', 'packages', first.hash.slice(0, 12)));
    const lines: string[] = [];
    const progress = {
      line: (m: string) => lines.push(m),
      task: () => ({ tick() {}, set() {}, setTotal() {}, status() {}, done() {}, fail() {} }),
    };
    const again = await train({ loaded: await p.load(), progress });
    expect(again).toMatchObject({ cached: true, hash: first.hash, packageDir: first.packageDir });
    expect(lines.join('\n')).toMatch(/inputs unchanged .* reusing \.slipway\/packages\//);
    const lock = await readLock(p.dir);
    expect(lock.stages.train?.inputs).toMatchObject({ backend: 'cpu', customCodeHash: null });
    expect(lock.stages.train?.inputs.datasets.train?.md5).toMatch(/^[0-9a-f]{32}$/);

    const forced = await train({ loaded: await p.load(), force: true });
    expect(forced.cached).toBe(false);
    // Data changes invalidate the cache.
    await writeFile(join(p.dir, 'train.csv'), toCsv(syntheticRows(300, 9) as never));
    expect((await train({ loaded: await p.load() })).cached).toBe(false);
    // So does a damaged package.
    const latest = (await readLock(p.dir)).stages.train!;
    await writeFile(join(p.dir, latest.package, 'weights.bin'), 'x');
    expect((await train({ loaded: await p.load() })).cached).toBe(false);
    expect(JSON.parse(await readFile(join(p.dir, LOCK_FILE), 'utf8')).schema).toBe('slipway.lock/v1');
  });

  it('trains multiclass and regression, linear and custom models, with class weights and early stopping', async () => {
    const multi = await makeProject({
      train: syntheticRows(300, 3, 3) as never,
      eval: syntheticRows(60, 4, 3) as never,
      config: {
        model: { task: 'multiclass', type: 'linear' },
        training: {
          backend: 'wasm',
          epochs: 6,
          batchSize: 32,
          seed: 1,
          validationSplit: 0.2,
          classWeight: 'balanced',
          earlyStopping: { patience: 1, monitor: 'val_loss' },
          learningRate: 0.05,
        },
      },
    });
    const m = await train({ loaded: await multi.load() });
    const pkg = await loadModelPackage(m.packageDir);
    expect(pkg.signature.classes).toEqual(['high', 'low', 'mid']);
    const p = await pkg.predictRows([{ x1: 2, x2: 90, cat: 'a', when: '2001-02-01T10:00:00Z' }]);
    expect(p.probabilities).toHaveLength(3);
    expect(pkg.signature.classes![p.values[0]!]).toBe('high');
    pkg.dispose();

    const rows = syntheticRows(300, 5).map((r) => ({ ...r, label: (r.x1 ?? 0) * 3 + r.x2 / 10 }));
    registerModel('tiny', (ctx) =>
      ctx.tf.sequential({
        layers: [
          ctx.tf.layers.dense({ units: 4, inputShape: [ctx.inputWidth], activation: 'tanh', name: 'h' }),
          ctx.tf.layers.dense({ units: ctx.outputUnits, activation: ctx.outputActivation, name: 'out' }),
        ],
      }),
    );
    const reg = await makeProject({
      train: rows as never,
      eval: rows.slice(0, 50) as never,
      config: {
        model: { task: 'regression', type: 'custom', factory: 'tiny' },
        training: {
          backend: 'cpu',
          epochs: 2,
          batchSize: 16,
          seed: 3,
          validationSplit: 0.1,
          learningRate: 0.01,
        },
      },
    });
    const r = await train({ loaded: await reg.load() });
    expect(r.metrics.val_rmse).toBeGreaterThan(0);
    expect(r.lineage.customCodeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(r.lineage.params['model.factory']).toBe('tiny');
  });

  it('logs per-epoch metrics, dataset inputs and the package to the tracker', async () => {
    const p = await makeProject();
    const store = new LocalStore(join(p.dir, 'store'));
    const result = await train({ loaded: await p.load(), store });
    expect(result.runId).not.toBeNull();
    const history = await store.getMetricHistory(result.runId!, 'val_auc');
    expect(history.map((h) => h.step)).toEqual([1, 2]);
    const run = await store.getRun(result.runId!);
    expect(run.status).toBe('FINISHED');
    expect(run.inputs.map((i) => i.name).sort()).toEqual(['eval', 'train']);
    const artifacts = await store.listArtifacts(result.runId!, 'model');
    expect(artifacts.map((a) => a.path).sort()).toContain('model/weights.bin');
    expect(result.lineage.runId).toBe(result.runId);
    await store.close();
  });

  it('writes a package that loads, verifies its hash and names a missing or corrupt file', async () => {
    const p = await makeProject();
    const { packageDir } = await train({ loaded: await p.load() });
    const pkg = await loadModelPackage(packageDir);
    expect((pkg.profile as { schema: string }).schema).toBe(PROFILE_SCHEMA);
    expect(pkg.lineage.datasets[0]).toMatchObject({
      name: 'train',
      path: 'train.csv',
      md5: (await dataDigest(join(p.dir, 'train.csv'))).md5,
      rows: 300,
    });
    expect(pkg.signature).toMatchObject({ task: 'binary', label: 'label', classes: [0, 1], threshold: 0.5 });
    const table = await readTable(join(p.dir, 'eval.csv'));
    const fromTable = await pkg.predictTable(table);
    expect(fromTable.n).toBe(100);
    const out = join(p.dir, 'pred.csv');
    const result = await predictBatch({
      model: pkg,
      input: join(p.dir, 'eval.csv'),
      output: out,
      batchRows: 30,
    });
    expect(result).toMatchObject({ rows: 100, columns: ['prediction', 'probability'] });
    const written = await readTable(out);
    const prob = written.columns.find((c) => c.name === 'probability')!;
    expect(Array.from(prob.values as Float64Array)).toEqual(Array.from(fromTable.values));
    const parquet = await predictBatch({
      model: pkg,
      input: out.replace('pred', 'eval'),
      output: join(p.dir, 'p.parquet'),
    });
    expect(parquet.rows).toBe(100);
    pkg.dispose();

    await writeFile(join(packageDir, 'weights.bin'), new Uint8Array(8));
    await expect(loadModelPackage(packageDir)).rejects.toThrow(
      /weights\.bin: content does not match manifest\.json/,
    );
    await rm(join(packageDir, 'features.json'));
    await expect(loadModelPackage(packageDir)).rejects.toMatchObject({
      code: 'MODEL_PACKAGE_INCOMPLETE',
      message: expect.stringContaining('features.json'),
    });
    await expect(loadModelPackage(join(p.dir, 'nope'))).rejects.toMatchObject({
      code: 'MODEL_PACKAGE_NOT_FOUND',
    });
  });
});

describe('predict keeps the input as it was', () => {
  it('ints stay ints, dates stay dates, CSV text is copied byte for byte; the output directory is created', async () => {
    const rows = syntheticRows(120, 3).map((r, i) => ({
      id: 1000 + i,
      ...r,
      day: r.when.slice(0, 10),
      price: `${(i % 7) + 1}.50`,
    }));
    const p = await makeProject({
      train: rows,
      eval: rows.slice(0, 40),
      config: { model: { task: 'binary', type: 'gbdt', gbdt: { iterations: 5 } } },
    });
    const { packageDir } = await train({ loaded: await p.load() });
    const pkg = await loadModelPackage(packageDir);
    try {
      const input = join(p.dir, 'eval.csv');
      const out = join(p.dir, 'no', 'such', 'dir', 'pred.csv');
      await predictBatch({ model: pkg, input, output: out, batchRows: 16 });
      const inLines = (await readFile(input, 'utf8')).trimEnd().split('\n');
      const outLines = (await readFile(out, 'utf8')).trimEnd().split('\n');
      expect(outLines).toHaveLength(inLines.length);
      expect(outLines[0]).toBe(`${inLines[0]},prediction,probability`);
      // Every input field is the same text: "1000" not "1000.0", "1.50" not "1.5", dates as written.
      for (let i = 0; i < inLines.length; i++) expect(outLines[i]!.startsWith(`${inLines[i]},`)).toBe(true);

      // To Parquet: the input's column types are kept (BIGINT id, DATE day), predictions appended.
      const parquet = join(p.dir, 'out', 'pred.parquet');
      await predictBatch({ model: pkg, input, output: parquet });
      const described = await describeDataset(parquet);
      const types = Object.fromEntries(described.columns.map((c) => [c.name, c.sqlType]));
      expect(types).toMatchObject({ id: 'BIGINT', day: 'DATE', prediction: 'DOUBLE', probability: 'DOUBLE' });
      // Parquet in (typed by DuckDB from the same CSV), CSV out: ids print as integers, dates as dates.
      const plain = join(p.dir, 'plain.parquet');
      const c = await connect();
      try {
        await c.run(
          `COPY (SELECT * FROM read_csv('${input}', header = true)) TO '${plain}' (FORMAT parquet)`,
        );
      } finally {
        c.closeSync();
      }
      const back = join(p.dir, 'out', 'back.csv');
      await predictBatch({ model: pkg, input: plain, output: back });
      const backLines = (await readFile(back, 'utf8')).split('\n');
      expect(backLines[1]!.split(',')[0]).toBe('1000');
      expect(backLines[1]).toContain(rows[0]!.day);
    } finally {
      pkg.dispose();
    }
  });
});

describe('bad input', () => {
  it('label column missing', async () => {
    const p = await makeProject({
      config: { data: { train: 'train.csv', eval: 'eval.csv', label: 'lable' } },
    });
    await expect(train({ loaded: await p.load() })).rejects.toMatchObject({
      code: 'LABEL_COLUMN_MISSING',
      message: expect.stringMatching(/train\.csv: has no label column "lable" .*did you mean "label"/),
    });
  });

  it('classes in eval that training never saw', async () => {
    const p = await makeProject({
      train: syntheticRows(200, 1, 3).map((r) => ({
        ...r,
        label: r.label === 'high' ? 'mid' : r.label,
      })) as never,
      eval: syntheticRows(60, 2, 3) as never,
      config: { model: { task: 'multiclass' } },
    });
    await expect(train({ loaded: await p.load() })).rejects.toMatchObject({
      code: 'CLASS_UNSEEN_IN_TRAIN',
      message: expect.stringMatching(
        /eval\.csv: label "label" has class\(es\) that the training split does not: high/,
      ),
    });
  });

  it('NaN/null in a feature under missing: error names the column and row count', async () => {
    const rows = syntheticRows(100, 1).map((r, i) => ({ ...r, x1: i % 10 === 0 ? null : r.x1 }));
    const p = await makeProject({
      train: rows as never,
      config: {
        features: [
          { column: 'x1', transform: 'standardize', missing: 'error' },
          { column: 'cat', transform: 'oneHot' },
        ],
      },
    });
    await expect(train({ loaded: await p.load() })).rejects.toMatchObject({
      code: 'MISSING_VALUES',
      message: expect.stringMatching(/column "x1" .* of 80 training rows are missing/),
    });
    // The default policy imputes the fitted mean and trains.
    const q = await makeProject({ train: rows as never });
    expect((await train({ loaded: await q.load() })).cached).toBe(false);
  });

  it('empty training split', async () => {
    const p = await makeProject({ train: 'x1,x2,cat,when,label\n' });
    await expect(train({ loaded: await p.load() })).rejects.toMatchObject({ code: 'EMPTY_TRAINING_SPLIT' });
  });

  it('text in a numeric column', async () => {
    const rows = syntheticRows(50, 1).map((r, i) => ({ ...r, x2: i === 7 ? 'unknown' : r.x2 }));
    const p = await makeProject({ train: rows as never });
    await expect(train({ loaded: await p.load() })).rejects.toMatchObject({
      code: 'TEXT_IN_NUMERIC_COLUMN',
      message: expect.stringMatching(
        /column "x2" .*1 value\(s\) are text, not numbers \(first at row 8: "unknown"\)/,
      ),
    });
  });

  it('unknown backend name, and a native backend that is not installed', async () => {
    await expect(selectBackend('wsam')).rejects.toMatchObject({
      code: 'BACKEND_UNKNOWN',
      message: 'unknown backend "wsam" (did you mean "wasm"?)',
    });
    const p = await makeProject();
    await expect(train({ loaded: await p.load(), backend: 'gpu' })).rejects.toMatchObject({
      code: 'BACKEND_UNKNOWN',
    });
    await expect(selectBackend('tensorflow')).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      message: expect.stringContaining('@tensorflow/tfjs-node is not installed'),
    });
  });

  it('impure custom transform in the config', async () => {
    const p = await makeProject({
      prelude: `globalThis[Symbol.for('slipway.training.registry')] ??= { transforms: new Map(), models: new Map() };
globalThis[Symbol.for('slipway.training.registry')].transforms.set('jitter', (v) => Number(v) + Math.random());`,
      config: { features: [{ column: 'x1', transform: 'custom', name: 'jitter' }] },
    });
    await expect(train({ loaded: await p.load() })).rejects.toMatchObject({
      code: 'IMPURE_TRANSFORM',
      message: expect.stringMatching(/custom transform "jitter" is not pure/),
    });
  });
});
