import { describe, expect, it } from 'vitest';
import { boost } from './boost.js';
import { predictTrees } from './predict.js';
import { serializeTrees, treesProblem } from './serialize.js';
import { DEFAULT_PARAMS, range, synthetic } from './testing.fixture.js';
import type { TreesJson } from './types.js';

describe('trees.json', () => {
  it('round-trips exactly: same document, same predictions', async () => {
    const d = synthetic('multiclass', 600, 3);
    const { trees } = await boost({
      task: 'multiclass',
      ...d,
      units: 3,
      trainRows: range(0, 600),
      valRows: new Uint32Array(0),
      params: { ...DEFAULT_PARAMS, iterations: 5 },
      seed: 2,
    });
    const text = serializeTrees(trees);
    const back = JSON.parse(text) as TreesJson;
    expect(back).toEqual(trees);
    expect(serializeTrees(back)).toBe(text);
    expect(treesProblem(back, 3)).toBeNull();
    expect(Array.from(predictTrees(back, d.x, d.n, 3))).toEqual(Array.from(predictTrees(trees, d.x, d.n, 3)));
  });

  it('names what is wrong with a damaged document', () => {
    const tree = {
      feature: [0, -1, -1],
      threshold: [0.5, 0, 0],
      left: [1, -1, -1],
      right: [2, -1, -1],
      value: [0, 1, 2],
      cover: [2, 1, 1],
    };
    const ok: TreesJson = {
      schema: 'slipway.trees/v1',
      loss: 'log_loss',
      outputs: 1,
      baseScore: [0],
      width: 2,
      iterations: 1,
      params: DEFAULT_PARAMS,
      trees: [tree],
    };
    expect(treesProblem(ok, 2)).toBeNull();
    expect(treesProblem({ ...ok, schema: 'x' })).toMatch(/not a slipway\.trees\/v1/);
    expect(treesProblem(ok, 3)).toMatch(/width 2 does not match features\.json \(3\)/);
    expect(treesProblem({ ...ok, trees: [{ ...tree, feature: [7, -1, -1] }] })).toMatch(
      /trees\[0\]: node 0: feature 7/,
    );
    expect(treesProblem({ ...ok, trees: [{ ...tree, left: [0, -1, -1] }] })).toMatch(/child 0 is invalid/);
    expect(treesProblem({ ...ok, trees: [{ ...tree, value: [0] }] })).toMatch(/value has 1 entries, not 3/);
    expect(treesProblem({ ...ok, outputs: 2, baseScore: [0, 0] })).toMatch(/log_loss has one output/);
  });
});
