import { describe, expect, it } from 'vitest';
import { baseScore, computeGradients, sigmoid, softmaxInto, transformRaw } from './loss.js';

const lossValue = {
  log_loss: (raw: number[], y: number) => {
    const p = sigmoid(raw[0]!);
    return -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
  },
  squared_error: (raw: number[], y: number) => 0.5 * (raw[0]! - y) ** 2,
  softmax: (raw: number[], y: number) => {
    const p = new Float64Array(raw.length);
    softmaxInto(raw, 0, raw.length, p, 0);
    return -Math.log(p[y]!);
  },
};

describe('losses', () => {
  it.each([
    ['log_loss', 1, [0.3], 1],
    ['log_loss', 1, [-1.2], 0],
    ['squared_error', 1, [2.5], 4],
    ['softmax', 3, [0.2, -0.4, 1.1], 2],
    ['softmax', 3, [0.2, -0.4, 1.1], 0],
  ] as const)('%s: gradient and hessian match finite differences of the loss', (loss, k, raw0, label) => {
    const raw = Float64Array.from(raw0);
    const g = Array.from({ length: k }, () => new Float32Array(1));
    const h = Array.from({ length: k }, () => new Float32Array(1));
    computeGradients(loss, raw, Float32Array.of(label), Uint32Array.of(0), null, k, g, h);
    const eps = 1e-4;
    for (let c = 0; c < k; c++) {
      const at = (d: number) =>
        lossValue[loss](
          Array.from(raw, (v, j) => (j === c ? v + d : v)),
          label,
        );
      const grad = (at(eps) - at(-eps)) / (2 * eps);
      const hess = (at(eps) - 2 * at(0) + at(-eps)) / (eps * eps);
      expect(g[c]![0]!).toBeCloseTo(grad, 5);
      expect(h[c]![0]!).toBeCloseTo(hess, 3);
    }
  });

  it('weights scale gradients and hessians', () => {
    const g = [new Float32Array(1)];
    const h = [new Float32Array(1)];
    computeGradients(
      'squared_error',
      Float64Array.of(3),
      Float32Array.of(1),
      Uint32Array.of(0),
      Float32Array.of(2.5),
      1,
      g,
      h,
    );
    expect([g[0]![0], h[0]![0]]).toEqual([5, 2.5]);
  });

  it('starts from the constant that minimises each loss', () => {
    const rows = Uint32Array.of(0, 1, 2, 3);
    expect(baseScore('squared_error', Float32Array.of(1, 2, 3, 6), rows, null, 1)).toEqual([3]);
    expect(baseScore('log_loss', Float32Array.of(1, 0, 0, 0), rows, null, 1)[0]).toBeCloseTo(
      Math.log(1 / 3),
      12,
    );
    const soft = baseScore('softmax', Float32Array.of(0, 1, 1, 2), rows, null, 3);
    expect(soft.map(Math.exp)).toEqual([0.25, 0.5, 0.25].map((v) => expect.closeTo(v, 12)));
  });

  it('transforms raw scores into probabilities or values', () => {
    const binary = transformRaw('log_loss', Float64Array.of(0, Math.log(3)), 2, 1);
    expect(binary[0]).toBe(0.5);
    expect(binary[1]).toBeCloseTo(0.75, 14);
    const p = transformRaw('softmax', Float64Array.of(0, 0, 1000, 0), 2, 2);
    expect(Array.from(p)).toEqual([0.5, 0.5, 1, 0]);
  });
});
