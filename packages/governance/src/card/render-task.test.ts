import { describe, expect, it } from 'vitest';
import {
  cardConfig,
  evalReport,
  lineage,
  packageModel,
  profile,
  signature,
} from '../testing/card-fixtures.js';
import { buildModelCard } from './build.js';
import { modelCardToolkitJson, renderModelCardMarkdown } from './render.js';

const base = {
  packageModel,
  model: { name: 'm', version: '3', aliases: [] },
  packageHash: 'b'.repeat(64),
  profile,
  now: new Date('2026-11-24T12:00:00Z'),
};

describe('model card per task', () => {
  it('multiclass: per-class table in the card, per-class metrics as slices in the Model Card Toolkit JSON', () => {
    const report = {
      ...evalReport(),
      task: 'multiclass' as const,
      perClass: [
        {
          label: 'Adelie',
          support: 30,
          predicted: 28,
          precision: 0.9643,
          recall: 0.9,
          f1: 0.931,
          recallCi: { low: 0.8, high: 0.97, confidence: 0.95 },
          baselineRecall: null,
          recallDelta: null,
          recallDeltaCi: null,
          recallPValue: null,
        },
        {
          label: 'Chinstrap',
          support: 0,
          predicted: 2,
          precision: 0,
          recall: null,
          f1: 0,
          recallCi: null,
          baselineRecall: null,
          recallDelta: null,
          recallDeltaCi: null,
          recallPValue: null,
        },
      ],
    };
    const card = buildModelCard({
      ...base,
      config: cardConfig(),
      signature: { ...signature, task: 'multiclass', classes: ['Adelie', 'Chinstrap'], threshold: null },
      lineage,
      evalReport: report,
    });
    const md = renderModelCardMarkdown(card);
    expect(md).toContain('| Task | multiclass (classes Adelie, Chinstrap) |');
    expect(md).toContain('| class | support | precision | recall | recall 95% CI | F1 |');
    expect(md).toContain('| Adelie | 30 | 0.9643 | 0.9 | 0.8 – 0.97 | 0.931 |');
    expect(md).toContain('| Chinstrap | 0 | 0 | — | — | 0 |');
    const perf = (modelCardToolkitJson(card).quantitative_analysis as { performance_metrics: unknown[] })
      .performance_metrics;
    expect(perf).toContainEqual({
      type: 'recall',
      value: '0.9',
      slice: 'class = Adelie',
      confidence_interval: { lower_bound: '0.8', upper_bound: '0.97' },
    });
    expect(perf.filter((m) => (m as { slice?: string }).slice === 'class = Chinstrap')).toHaveLength(2);
  });

  it('regression: the residual summary; dropped unlabelled rows and imputed inputs are named', () => {
    const report = {
      ...evalReport(),
      task: 'regression' as const,
      residuals: {
        summary: { mean: 0.12, std: 2.5, min: -8, p05: -4, p25: -1, median: 0.1, p75: 1.2, p95: 4.1, max: 9 },
        histogram: { edges: [0, 1], counts: [1] },
        byPrediction: { predicted: [], mean: [], p10: [], p90: [], count: [] },
        points: { predicted: [], residual: [] },
      },
      missingValues: {
        label: { column: 'mpg', policy: 'drop' as const, droppedRows: 4 },
        features: [
          { feature: 'horsepower', column: 'horsepower', nulls: 2, policy: 'impute' as const, fill: 93.5 },
        ],
      },
    };
    const card = buildModelCard({
      ...base,
      config: cardConfig(),
      signature: { ...signature, task: 'regression', classes: null, threshold: null },
      lineage: {
        ...lineage,
        datasets: lineage.datasets.map((d) => (d.name === 'train' ? { ...d, unlabelledRows: 6 } : d)),
      },
      evalReport: report,
    });
    const md = renderModelCardMarkdown(card);
    expect(md).toContain(
      'Residuals (truth − prediction): mean 0.12, std 2.5, median 0.1, 5th–95th percentile -4 – 4.1, range -8 – 9.',
    );
    expect(md).toContain('- 4 row(s) without a label `mpg` left out (data.missingLabel "drop")');
    expect(md).toContain('- `horsepower`: 2 null(s), imputed with 93.5 (fitted on the training split)');
    expect(md).toContain('- train: 6 row(s) without a label were left out (data.missingLabel "drop").');
    expect(md).not.toContain('Per class:');
  });
});
