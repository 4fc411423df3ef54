import { describe, expect, it } from 'vitest';
import type { LoadedModelPackage, Predictions, Signature } from './contract.js';
import { predictionColumns } from './predict.js';

const model = (task: Signature['task'], classes: Signature['classes'], threshold: number | null = null) =>
  ({ signature: { task, classes, threshold } }) as unknown as LoadedModelPackage;

describe('predict output columns per task', () => {
  it('multiclass: the predicted class by name and one probability column per class', () => {
    const p: Predictions = {
      task: 'multiclass',
      n: 2,
      values: Float64Array.of(2, 0),
      probabilities: Float64Array.of(0.1, 0.2, 0.7, 0.6, 0.3, 0.1),
    };
    const cols = predictionColumns(model('multiclass', ['Adelie', 'Chinstrap', 'Gentoo']), p);
    expect(cols.map((c) => [c.name, c.kind])).toEqual([
      ['prediction', 'string'],
      ['probability_Adelie', 'number'],
      ['probability_Chinstrap', 'number'],
      ['probability_Gentoo', 'number'],
    ]);
    expect(cols[0]?.values).toEqual(['Gentoo', 'Adelie']);
    expect(Array.from(cols[3]?.values as Float64Array)).toEqual([0.7, 0.1]);
    // Numeric class labels stay numbers.
    const numeric = predictionColumns(model('multiclass', [3, 5, 8]), p);
    expect(Array.from(numeric[0]?.values as Float64Array)).toEqual([8, 3]);
    expect(numeric.map((c) => c.name)).toEqual([
      'prediction',
      'probability_3',
      'probability_5',
      'probability_8',
    ]);
  });

  it('regression: the value; binary: the class at the threshold and P(positive)', () => {
    const reg = predictionColumns(model('regression', null), {
      task: 'regression',
      n: 2,
      values: Float64Array.of(21.5, 30),
    });
    expect(reg.map((c) => c.name)).toEqual(['prediction']);
    expect(Array.from(reg[0]?.values as Float64Array)).toEqual([21.5, 30]);
    const bin = predictionColumns(model('binary', ['no', 'yes'], 0.3), {
      task: 'binary',
      n: 2,
      values: Float64Array.of(0.2, 0.4),
    });
    expect(bin.map((c) => c.name)).toEqual(['prediction', 'probability']);
    expect(bin[0]?.values).toEqual(['no', 'yes']);
  });
});
