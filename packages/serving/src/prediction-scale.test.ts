import type { LoadedModelPackage, Predictions, Row, Signature } from '@slipway/training';
import { describe, expect, it } from 'vitest';
import { encodeInferResponse, predictionsJson } from './http/inputs.js';
import { ServingMetrics } from './metrics.js';
import { labelPercentile, observedValue } from './prediction-scale.js';
import { Deployment } from './router/deployment.js';

const base: Omit<Signature, 'task' | 'classes'> = {
  schema: 'slipway.signature/v1',
  name: 'm',
  inputs: [{ name: 'x', kind: 'number' }],
  label: 'y',
  threshold: null,
};

/** A package whose model is a function of x; regression packages carry a label profile. */
function fake(
  task: Signature['task'],
  classes: Signature['classes'],
  f: (x: number) => number[],
): LoadedModelPackage {
  const predict = async (rows: Row[]): Promise<Predictions> => {
    const outs = rows.map((r) => f(Number(r.x)));
    if (task !== 'multiclass')
      return { task, n: rows.length, values: Float64Array.from(outs, (o) => o[0] as number) };
    return {
      task,
      n: rows.length,
      values: Float64Array.from(outs, (o) => o.indexOf(Math.max(...o))),
      probabilities: Float64Array.from(outs.flat()),
    };
  };
  return {
    dir: '/tmp/m',
    hash: 'a'.repeat(64),
    signature: { ...base, task, classes },
    profile: {
      columns: [
        {
          name: 'y',
          numeric: {
            min: 1000,
            max: 9000,
            summary: { p1: 1100, p5: 1500, p25: 3000, p50: 5000, p75: 7000, p95: 8500, p99: 8900 },
          },
        },
      ],
    },
    predictRows: predict,
    dispose() {},
  } as unknown as LoadedModelPackage;
}

describe('serving per task', () => {
  it('regression predictions are observed as their percentile among the training labels', () => {
    const pkg = fake('regression', null, (x) => [x]);
    const rank = labelPercentile(pkg)!;
    expect(rank(500)).toBe(0);
    expect(rank(5000)).toBe(0.5);
    expect(rank(4000)).toBeCloseTo(0.375, 12);
    expect(rank(8950)).toBeCloseTo(0.995, 12);
    expect(rank(1e9)).toBe(1);
    expect(observedValue(pkg)(6000)).toBeCloseTo(0.625, 12);
    // Classification values are observed as they are; no label profile means the raw value.
    expect(observedValue(fake('multiclass', ['a', 'b'], () => [1, 0]))(1)).toBe(1);
    expect(labelPercentile({ ...pkg, profile: { columns: [] } } as LoadedModelPackage)).toBeNull();
  });

  it('Prometheus: per-class counts for multiclass; regression percentiles in the value histogram', async () => {
    const metrics = new ServingMetrics({ defaultMetrics: false });
    const mc = new Deployment(
      {
        pkg: fake('multiclass', ['cat', 'dog', 'emu'], (x) => (x < 0 ? [0.8, 0.1, 0.1] : [0.1, 0.2, 0.7])),
        version: '1',
        source: 'm',
      },
      { name: 'pets', batching: false, canaryTimeoutMs: 100, metrics },
    );
    await mc.predict([{ x: -1 }, { x: 2 }, { x: 3 }]);
    const reg = new Deployment(
      { pkg: fake('regression', null, (x) => [x]), version: '1', source: 'm' },
      { name: 'price', batching: false, canaryTimeoutMs: 100, metrics },
    );
    await reg.predict([{ x: 5000 }, { x: 8000 }]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('slipway_predicted_class_total{model="pets",variant="stable",class="cat"} 1');
    expect(text).toContain('slipway_predicted_class_total{model="pets",variant="stable",class="emu"} 2');
    expect(text).not.toContain('class="dog"');
    // 5000 → 0.5 and 8000 → 0.9: both fall at or under the 0.9 bucket, neither under 0.4.
    expect(text).toContain('slipway_prediction_value_bucket{le="0.4",model="price",variant="stable"} 0');
    expect(text).toContain('slipway_prediction_value_bucket{le="0.9",model="price",variant="stable"} 2');
    await mc.close();
    await reg.close();
  });

  it('OIP v2: multiclass outputs name the classes; binary and regression outputs are unchanged', async () => {
    const req = { rows: [], outputs: null, binaryDefault: false };
    const head = { model_name: 'pets', model_version: '1', parameters: {} };
    const p = await fake('multiclass', ['cat', 'dog'], (x) =>
      x < 0 ? [0.75, 0.25] : [0.25, 0.75],
    ).predictRows([{ x: -1 }, { x: 1 }]);
    const out = JSON.parse(encodeInferResponse(p, req, head, ['cat', 'dog']).body.toString()).outputs;
    expect(out).toEqual([
      {
        name: 'predictions',
        datatype: 'FP64',
        shape: [2],
        parameters: { classes: ['cat', 'dog'] },
        data: [0, 1],
      },
      {
        name: 'probabilities',
        datatype: 'FP64',
        shape: [2, 2],
        parameters: { classes: ['cat', 'dog'] },
        data: [0.75, 0.25, 0.25, 0.75],
      },
    ]);
    const reg = await fake('regression', null, (x) => [x * 2]).predictRows([{ x: 1.5 }]);
    expect(JSON.parse(encodeInferResponse(reg, req, head, null).body.toString()).outputs).toEqual([
      { name: 'predictions', datatype: 'FP64', shape: [1], data: [3] },
    ]);
    const sig = { ...base, task: 'multiclass' as const, classes: ['cat', 'dog'] };
    expect(predictionsJson(p, sig)).toEqual({
      predictions: [0, 1],
      labels: ['cat', 'dog'],
      classes: ['cat', 'dog'],
      probabilities: [
        [0.75, 0.25],
        [0.25, 0.75],
      ],
    });
  });
});
