import { describe, expect, it } from 'vitest';
import { validateConfig } from '../load.js';

const base = {
  project: { name: 'p' },
  data: { train: 'a.csv', eval: 'b.csv', label: 'y' },
  features: [{ column: 'x', transform: 'passthrough' }],
};

describe('model section: gbdt', () => {
  it('fills every gbdt default and keeps MLP configs free of a gbdt key', () => {
    const trees = validateConfig({ ...base, model: { task: 'binary', type: 'gbdt', gbdt: {} } });
    expect(trees.model.gbdt).toEqual({
      iterations: 100,
      learningRate: 0.1,
      maxLeaves: 31,
      minSamplesLeaf: 20,
      minHessianLeaf: 1e-3,
      l2: 0,
      maxBins: 255,
      minGainToSplit: 0,
    });
    expect('gbdt' in validateConfig({ ...base, model: { task: 'binary' } }).model).toBe(false);
  });

  it('names bad options with the field, the value and a did-you-mean', () => {
    const problems = (model: unknown) => {
      try {
        validateConfig({ ...base, model });
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(problems({ task: 'binary', type: 'gbdt', gbdt: { maxLeafs: 8 } })).toMatch(
      /model\.gbdt\.maxLeafs: unknown key "maxLeafs" \(did you mean "maxLeaves"\?\)/,
    );
    expect(problems({ task: 'binary', type: 'gbdt', gbdt: { maxBins: 1000 } })).toMatch(
      /model\.gbdt\.maxBins/,
    );
    expect(problems({ task: 'binary', type: 'gdbt' })).toMatch(/model\.type.*did you mean "gbdt"/);
    expect(problems({ task: 'binary', type: 'mlp', gbdt: { iterations: 10 } })).toMatch(
      /model\.gbdt: model\.gbdt is set but model\.type is "mlp"/,
    );
  });
});
