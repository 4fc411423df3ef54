import { silentProgress } from '@slipway/core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from './backend.js';
import { buildModel } from './model.js';
import { mulberry32 } from './random.js';
import { predictRows, trainModel } from './trainer.js';

const training = {
  backend: 'cpu' as const,
  epochs: 6,
  batchSize: 32,
  learningRate: 0.05,
  optimizer: 'sgd' as const,
  seed: 5,
  validationSplit: 0.2,
};

/** n rows, 3 features; positives (share `p`) are shifted on the first feature. */
function data(n: number, p: number) {
  const rng = mulberry32(3);
  const x = new Float32Array(n * 3);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rng() < p ? 1 : 0;
    x[i * 3] = rng() - 0.5 + y[i]! * 0.8;
    x[i * 3 + 1] = rng();
    x[i * 3 + 2] = rng();
  }
  const rows = Uint32Array.from({ length: n }, (_, i) => i);
  return { x, y, trainRows: rows.slice(0, n * 0.8), valRows: rows.slice(n * 0.8) };
}

const model = () =>
  buildModel({
    model: {
      task: 'binary',
      type: 'linear',
      hidden: [],
      activation: 'relu',
      dropout: 0,
      batchNorm: false,
      threshold: 0.5,
    },
    inputWidth: 3,
    classes: [0, 1],
    seed: 1,
  });

describe('trainModel', () => {
  it('stops early when the monitored metric stops improving and keeps the best epoch', async () => {
    await selectBackend('cpu');
    const d = data(200, 0.5);
    const m = model();
    const before = m.getWeights().map((w) => Array.from(w.dataSync()));
    // A zero learning rate leaves val_loss exactly unchanged: no epoch after the first is better.
    const result = await trainModel({
      model: m,
      task: 'binary',
      ...d,
      width: 3,
      units: 1,
      training: { ...training, learningRate: 0, earlyStopping: { patience: 2, monitor: 'val_loss' } },
      classWeights: null,
      progress: silentProgress,
    });
    expect(result.history).toHaveLength(3);
    expect(result).toMatchObject({ stoppedEarly: true, bestEpoch: 1 });
    expect(m.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    m.dispose();
  });

  it('weights the rare class up with balanced class weights', async () => {
    await selectBackend('cpu');
    const d = data(400, 0.1);
    const meanPositive = async (classWeights: Float32Array | null) => {
      const m = model();
      await trainModel({
        model: m,
        task: 'binary',
        ...d,
        width: 3,
        units: 1,
        training,
        classWeights,
        progress: silentProgress,
      });
      const p = predictRows(m, d.x, 3, d.valRows, 1);
      m.dispose();
      return p.reduce((a, b) => a + b, 0) / p.length;
    };
    const plain = await meanPositive(null);
    // 'balanced' for a 9:1 split: n / (2 · count) per class.
    const balanced = await meanPositive(Float32Array.from([400 / (2 * 360), 400 / (2 * 40)]));
    expect(balanced).toBeGreaterThan(plain + 0.1);
  });
});
