import { configSchema, type LoadedConfig } from '@slipway/core';
import { describe, expect, it } from 'vitest';
import { flatParams } from './train.js';

const loaded = (model: Record<string, unknown>): LoadedConfig => ({
  config: configSchema.parse({
    project: { name: 'm' },
    data: { train: 'train.csv', eval: 'eval.csv', label: 'y' },
    features: [{ column: 'x', transform: 'standardize' }],
    model,
  }),
  file: 'slipway.config.ts',
  root: '.',
  configHash: 'a'.repeat(64),
  fileHash: 'b'.repeat(64),
});

describe('run parameters', () => {
  it("a gbdt run logs the trees' parameters and none of the network's", () => {
    const p = flatParams(loaded({ task: 'binary', type: 'gbdt', gbdt: { iterations: 40 } }));
    expect(p['model.gbdt.iterations']).toBe(40);
    expect(p['model.gbdt.learningRate']).toBe(0.1);
    for (const k of Object.keys(p))
      expect(k).not.toMatch(
        /epochs|optimizer|batchSize|hidden|activation|dropout|batchNorm|training\.learningRate/,
      );
    expect(p['training.seed']).toBeTypeOf('number');
  });

  it('an mlp run logs its layers and optimiser, a linear one no hidden layers', () => {
    const mlp = flatParams(loaded({ task: 'binary', type: 'mlp', hidden: [16, 8] }));
    expect(mlp).toMatchObject({ 'model.hidden': '16,8', 'training.optimizer': 'adam' });
    expect(Object.keys(mlp).some((k) => k.startsWith('model.gbdt.'))).toBe(false);
    const linear = flatParams(loaded({ task: 'regression', type: 'linear' }));
    expect(linear['model.hidden']).toBeUndefined();
    expect(linear['training.epochs']).toBeTypeOf('number');
  });
});
