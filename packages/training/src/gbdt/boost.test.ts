import { describe, expect, it } from 'vitest';
import { rocAuc } from '../metrics.js';
import { boost } from './boost.js';
import { predictRaw, predictTrees } from './predict.js';
import { serializeTrees } from './serialize.js';
import { DEFAULT_PARAMS, range, synthetic } from './testing.fixture.js';
import type { TreesJson } from './types.js';

describe('boost', () => {
  it('binary: learns the signal, and predict from trees.json equals the training-time raw scores', async () => {
    const d = synthetic('binary', 3000, 5);
    const out = await boost({
      task: 'binary',
      ...d,
      units: 1,
      trainRows: range(0, 2400),
      valRows: range(2400, 3000),
      params: DEFAULT_PARAMS,
      seed: 1,
    });
    expect(out.trees.trees).toHaveLength(20);
    const reloaded = JSON.parse(serializeTrees(out.trees)) as TreesJson;
    const raw = predictRaw(reloaded, d.x, d.n, d.width);
    for (let i = 0; i < d.n; i++) expect(raw[i]).toBeCloseTo(out.raw[i]!, 9);
    const p = predictTrees(reloaded, d.x.subarray(2400 * 5), 600, 5);
    expect(rocAuc(p, d.y.subarray(2400))).toBeGreaterThan(0.9);
    expect(out.history.at(-1)!.values.val_auc).toBeCloseTo(rocAuc(p, d.y.subarray(2400)), 6);
    // Each tree respects maxLeaves and minSamplesLeaf.
    for (const tree of out.trees.trees) {
      const leaves = tree.feature.filter((f) => f === -1).length;
      expect(leaves).toBeLessThanOrEqual(15);
      tree.feature.forEach((f, i) => {
        if (f === -1) expect(tree.cover[i]!).toBeGreaterThanOrEqual(5);
        else expect(tree.cover[i]).toBe(tree.cover[tree.left[i]!]! + tree.cover[tree.right[i]!]!);
      });
    }
  });

  it('is deterministic: the same inputs give byte-identical trees', async () => {
    const d = synthetic('binary', 1500, 4, 8);
    const run = async () =>
      serializeTrees(
        (
          await boost({
            task: 'binary',
            ...d,
            units: 1,
            trainRows: range(0, 1500),
            valRows: new Uint32Array(0),
            params: DEFAULT_PARAMS,
            seed: 5,
          })
        ).trees,
      );
    expect(await run()).toBe(await run());
  });

  it('multiclass: one tree per class per iteration, softmax probabilities', async () => {
    const d = synthetic('multiclass', 2000, 4);
    const out = await boost({
      task: 'multiclass',
      ...d,
      units: 3,
      trainRows: range(0, 1600),
      valRows: range(1600, 2000),
      params: { ...DEFAULT_PARAMS, iterations: 10 },
      seed: 1,
    });
    expect(out.trees.outputs).toBe(3);
    expect(out.trees.trees).toHaveLength(30);
    const raw = predictRaw(out.trees, d.x, d.n, d.width);
    for (let i = 0; i < raw.length; i++) expect(raw[i]).toBeCloseTo(out.raw[i]!, 9);
    const p = predictTrees(out.trees, d.x, d.n, d.width);
    for (let i = 0; i < d.n; i++) expect(p[i * 3]! + p[i * 3 + 1]! + p[i * 3 + 2]!).toBeCloseTo(1, 12);
    expect(out.history.at(-1)!.values.val_accuracy).toBeGreaterThan(0.8);
  });

  it('regression: squared error, maxDepth honoured', async () => {
    const d = synthetic('regression', 2000, 4);
    const out = await boost({
      task: 'regression',
      ...d,
      units: 1,
      trainRows: range(0, 1600),
      valRows: range(1600, 2000),
      params: { ...DEFAULT_PARAMS, iterations: 60, maxDepth: 2 },
      seed: 1,
    });
    const depth = (t: TreesJson['trees'][number], node = 0): number =>
      t.feature[node] === -1 ? 0 : 1 + Math.max(depth(t, t.left[node]!), depth(t, t.right[node]!));
    for (const t of out.trees.trees) expect(depth(t)).toBeLessThanOrEqual(2);
    let sd = 0;
    const mean = d.y.subarray(1600).reduce((a, b) => a + b) / 400;
    for (const v of d.y.subarray(1600)) sd += (v - mean) ** 2;
    expect(out.history.at(-1)!.values.val_rmse).toBeLessThan(0.5 * Math.sqrt(sd / 400));
  });

  it('early stopping keeps the best iteration of the monitored validation metric', async () => {
    const d = synthetic('binary', 800, 4, 11);
    const out = await boost({
      task: 'binary',
      ...d,
      units: 1,
      trainRows: range(0, 600),
      valRows: range(600, 800),
      params: { ...DEFAULT_PARAMS, iterations: 400, learningRate: 0.5, maxLeaves: 31, minSamplesLeaf: 1 },
      seed: 1,
      earlyStopping: { patience: 5, monitor: 'val_loss' },
    });
    expect(out.stoppedEarly).toBe(true);
    expect(out.history.length).toBe(out.bestIteration + 5);
    expect(out.trees.trees).toHaveLength(out.bestIteration);
    const losses = out.history.map((h) => h.values.val_loss!);
    expect(Math.min(...losses)).toBe(losses[out.bestIteration - 1]);
    // The returned raw scores are those of the kept iteration.
    const raw = predictRaw(out.trees, d.x, d.n, d.width);
    for (let i = 0; i < d.n; i++) expect(raw[i]).toBeCloseTo(out.raw[i]!, 9);
  });
});
