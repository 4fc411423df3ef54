import { configSchema } from '@slipway/core';
import type { Table } from '@slipway/data';
import { applyFeatures, boost, fitFeatures, openModelPackage, SIGNATURE_SCHEMA } from '@slipway/training';
import { describe, expect, it } from 'vitest';
import { explainModel } from './explain.js';

function table(n: number): { t: Table; y: Float32Array } {
  let s = 11;
  const rnd = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const noise = new Float64Array(n);
  const cat: string[] = [];
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = rnd() * 4 - 2;
    b[i] = rnd();
    noise[i] = rnd();
    cat.push(['x', 'y', 'z'][Math.floor(rnd() * 3)]!);
    y[i] = a[i]! + (cat[i] === 'x' ? 1 : 0) + 0.3 * b[i]! + 0.3 * (rnd() - 0.5) > 0.4 ? 1 : 0;
  }
  const num = (name: string, values: Float64Array) => ({
    name,
    sqlType: 'DOUBLE',
    kind: 'number' as const,
    values,
    valid: new Uint8Array(n).fill(1),
  });
  return {
    t: {
      rowCount: n,
      columns: [
        num('a', a),
        num('b', b),
        num('noise', noise),
        { name: 'cat', sqlType: 'VARCHAR', kind: 'string', values: cat },
      ],
    },
    y,
  };
}

describe('explanations of a tree package', () => {
  it('use exact TreeSHAP, summed back to the raw inputs, additive to the raw score', async () => {
    const n = 1500;
    const { t, y } = table(n);
    const specs = configSchema.shape.features.parse([
      { column: 'a', transform: 'standardize' },
      { column: 'a', as: 'a_log', transform: 'clip', min: -1, max: 1 },
      { column: 'b', transform: 'passthrough' },
      { column: 'noise', transform: 'passthrough' },
      { column: 'cat', transform: 'oneHot' },
    ]);
    const rows = Uint32Array.from({ length: n }, (_, i) => i);
    const features = fitFeatures(specs, t, rows, 'test');
    const { matrix, width } = applyFeatures(features, t);
    const params = {
      iterations: 30,
      learningRate: 0.1,
      maxLeaves: 15,
      maxDepth: null,
      minSamplesLeaf: 10,
      minHessianLeaf: 1e-3,
      l2: 0,
      maxBins: 255,
      minGainToSplit: 0,
    };
    const { trees } = await boost({
      task: 'binary',
      x: matrix,
      width,
      y,
      units: 1,
      trainRows: rows,
      valRows: new Uint32Array(0),
      params,
      seed: 1,
    });
    const model = await openModelPackage({
      dir: '/memory',
      manifest: {
        schema: 'slipway.model-package/v1',
        name: 't',
        task: 'binary',
        hash: '0'.repeat(64),
        files: [],
        createdAt: new Date(0).toISOString(),
      },
      signature: {
        schema: SIGNATURE_SCHEMA,
        name: 't',
        task: 'binary',
        inputs: features.inputs,
        label: 'y',
        classes: [0, 1],
        threshold: 0.5,
      },
      lineage: {} as never,
      features,
      profile: null,
      trees,
    });
    const ex = await explainModel({
      model,
      table: t,
      y,
      task: 'binary',
      metric: 'roc_auc',
      threshold: 0.5,
      k: 2,
      sample: 300,
      background: 50,
      shapRows: 200,
      repeats: 2,
      permutations: 4,
      seed: 3,
    });
    expect(ex.shap.method).toBe('tree');
    expect(ex.shap.maxAdditivityError).toBeLessThan(1e-9);
    expect(ex.note).toMatch(/exact TreeSHAP .* raw score \(log-odds\) for 200 rows/);
    expect(ex.importances.map((i) => i.feature).sort()).toEqual(['a', 'b', 'cat', 'noise']);
    expect(ex.importances[0]!.feature).toBe('a');
    expect(ex.importances.find((i) => i.feature === 'cat')!.meanAbsShap!).toBeGreaterThan(
      ex.importances.find((i) => i.feature === 'noise')!.meanAbsShap!,
    );
  });
});
