import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readTable } from '@slipway/data';
import { describe, expect, it } from 'vitest';
import { applyFeatures } from '../features/apply.js';
import { loadModelPackage, verifyModelPackage } from '../package/files.js';
import { makeProject, syntheticRows } from '../project.fixture.js';
import { train } from '../train.js';
import { predictTrees } from './predict.js';

const gbdt = (extra: Record<string, unknown> = {}) => ({
  model: { task: 'binary', type: 'gbdt', gbdt: { iterations: 30, minSamplesLeaf: 5, ...extra } },
});

describe('slipway train with model.type gbdt', () => {
  it('writes a tree package (trees.json in the manifest) that loads and predicts like the trainer', async () => {
    const p = await makeProject({ config: gbdt() });
    const a = await train({ loaded: await p.load(), outDir: 'a' });
    const { manifest } = await verifyModelPackage(a.packageDir);
    expect(manifest.files.map((f) => f.path).sort()).toEqual(
      ['features.json', 'lineage.json', 'profile.json', 'signature.json', 'trees.json'].sort(),
    );
    expect(a.metrics.val_auc).toBeGreaterThan(0.75);
    expect(a.metrics.loss).toBeGreaterThan(0);
    expect(a.lineage.params).toMatchObject({
      'model.type': 'gbdt',
      'model.gbdt.iterations': 30,
      'model.gbdt.maxLeaves': 31,
    });

    const pkg = await loadModelPackage(a.packageDir);
    expect(pkg.trees?.iterations).toBe(30);
    const table = await readTable(join(p.dir, 'eval.csv'));
    const got = await pkg.predictTable(table);
    const { matrix, rows, width } = applyFeatures(pkg.features as never, table);
    expect(Array.from(got.values)).toEqual(Array.from(predictTrees(pkg.trees!, matrix, rows, width)));
    const byRows = await pkg.predictRows(syntheticRows(3, 5) as never);
    expect(byRows.values).toHaveLength(3);

    // Deterministic: retraining gives the same trees.json.
    const b = await train({ loaded: await p.load(), outDir: 'b', force: true });
    expect(await readFile(join(b.packageDir, 'trees.json'), 'utf8')).toBe(
      await readFile(join(a.packageDir, 'trees.json'), 'utf8'),
    );
  });

  it('multiclass and early stopping on the validation split', async () => {
    const p = await makeProject({
      train: syntheticRows(600, 1, 3) as never,
      eval: syntheticRows(200, 2, 3) as never,
      config: {
        model: {
          task: 'multiclass',
          type: 'gbdt',
          gbdt: { iterations: 300, learningRate: 0.5, minSamplesLeaf: 3 },
        },
        training: { seed: 3, validationSplit: 0.25, earlyStopping: { patience: 3, monitor: 'val_loss' } },
      },
    });
    const lines: string[] = [];
    const progress = {
      line: (m: string) => lines.push(m),
      task: () => ({ tick() {}, set() {}, setTotal() {}, status() {}, done() {}, fail() {} }),
    };
    const r = await train({ loaded: await p.load(), progress });
    expect(lines.join('\n')).toMatch(
      /early stopping after iteration \d+: val_loss did not improve for 3 iteration/,
    );
    const pkg = await loadModelPackage(r.packageDir);
    expect(pkg.trees!.outputs).toBe(3);
    expect(pkg.trees!.iterations).toBeLessThan(300);
    expect(pkg.trees!.trees).toHaveLength(pkg.trees!.iterations * 3);
    expect(r.metrics.val_accuracy).toBeGreaterThan(0.7);
    const out = await pkg.predictTable(await readTable(join(p.dir, 'eval.csv')));
    expect(out.probabilities).toHaveLength(200 * 3);
  });

  it('names an unknown early-stopping monitor and a bad gbdt option', async () => {
    const p = await makeProject({
      config: { ...gbdt(), training: { earlyStopping: { patience: 2, monitor: 'val_f1' } } },
    });
    await expect(train({ loaded: await p.load() })).rejects.toMatchObject({
      code: 'EARLY_STOPPING_MONITOR',
      message: expect.stringContaining('"val_f1"'),
    });
    const bad = await makeProject({ config: gbdt({ maxLeafs: 8 }) });
    await expect(bad.load()).rejects.toMatchObject({
      message: expect.stringMatching(/model\.gbdt\.maxLeafs.*did you mean "maxLeaves"/s),
    });
  });
});
