import { EVAL_REPORT_SCHEMA } from '@slipway/core';
import { describe, expect, it } from 'vitest';
import { type EvaluationCore, evaluatePredictions } from '../evaluate-predictions.js';
import { createRng } from '../util/rng.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import type { EvalReport } from './types.js';

const fast = { bootstrap: { resamples: 100, seed: 2, confidence: 0.9 } };

function wrap(core: EvaluationCore, extra: Partial<EvalReport> = {}): EvalReport {
  return {
    schema: EVAL_REPORT_SCHEMA,
    candidate: { name: 'm', version: '2', packageHash: 'a'.repeat(64) },
    baseline: { name: 'm', version: '1', packageHash: 'b'.repeat(64), alias: 'champion' },
    dataset: { path: 'eval.csv', md5: null, rows: core.metrics.length },
    createdAt: '2026-12-01T00:00:00.000Z',
    drift: null,
    ...core,
    ...extra,
  };
}

describe('task sections of the PR comment and the HTML report', () => {
  const rng = createRng(9);
  const n = 400;

  it('multiclass: a per-class table with recall intervals and Δ vs the baseline, in both renderers', () => {
    const y = Array.from({ length: n }, () => rng.int(3));
    const cand = Float64Array.from(y, (t) => (rng.next() < 0.8 ? t : rng.int(3)));
    const base = Float64Array.from(y, (t) => (rng.next() < 0.6 ? t : rng.int(3)));
    const classes = ['setosa', 'versicolor', 'vir<ginica'];
    const core = evaluatePredictions({
      task: 'multiclass',
      labels: y.map((c) => classes[c] as string),
      classes,
      predictions: { task: 'multiclass', n, values: cand },
      baselinePredictions: { task: 'multiclass', n, values: base },
      config: { ...fast, gates: { macro_f1: { threshold: 0.5 } } },
    });
    const report = wrap(core);
    const md = renderMarkdown(report);
    expect(md).toContain('### Per-class metrics');
    const setosa = report.perClass?.[0];
    const row = md.split('\n').find((l) => l.startsWith('| **setosa**'));
    expect(row).toContain(`${setosa?.recall?.toFixed(4)} [${setosa?.recallCi?.low.toFixed(4)}`);
    const delta = setosa?.recallDelta as number;
    expect(row).toContain(
      `${delta > 0 ? '+' : ''}${delta.toFixed(4)} [${setosa?.recallDeltaCi?.low.toFixed(4)}`,
    );
    expect(md).toContain('| **vir&lt;ginica**');
    expect(md).toContain('  title "Recall per class (candidate)"');
    // Mermaid labels lose what could end the label or the fence (quotes, backticks, angle brackets).
    expect(md).toContain('  x-axis ["setosa", "versicolor", "vir ginica"]');
    expect(md).toContain(
      `  bar [${report.perClass?.map((c) => Number(c.recall?.toPrecision(4))).join(', ')}]`,
    );
    expect(md).not.toContain('### Residuals');
    // Per-class explanations add one column per class to the feature importance table.
    report.explanations = [
      {
        feature: 'petal',
        permutation: 0.2,
        meanAbsShap: 0.1,
        perClass: classes.map((label, j) => ({ label, meanAbsShap: 0.05 * (j + 1), permutation: 0.1 })),
      },
    ];
    const withImportance = renderMarkdown(report);
    expect(withImportance).toContain('| setosa: \\|SHAP\\| / Δ recall | versicolor: ');
    expect(withImportance).toContain('| petal | 0.2000 | 0.1000 | 0.0500 / 0.1000 | 0.1000 / 0.1000 |');
    const page = renderHtml(report);
    expect(page).toContain('<th>vir&lt;ginica: |SHAP| / Δ recall</th>');
    expect(page).toContain('<td class="n">0.1500 / 0.1000</td>');
    expect(page).toContain('<h2>Per-class metrics</h2>');
    expect(page).toContain('vir&lt;ginica');
  });

  it('regression: residual summary, a Mermaid histogram and SVG charts', () => {
    const y = Array.from({ length: n }, () => rng.next() * 10);
    const p = Float64Array.from(y, (v) => v + rng.next() - 0.5);
    const core = evaluatePredictions({
      task: 'regression',
      labels: y,
      predictions: { task: 'regression', n, values: p },
      config: { ...fast, gates: { rmse: { threshold: 1 } } },
    });
    const md = renderMarkdown(wrap(core, { baseline: null }));
    expect(md).toContain('### Residuals');
    expect(md).toMatch(/```mermaid\nxychart-beta\n {2}title "Residuals \(truth − prediction\), candidate"/);
    const counts = core.residuals?.histogram.counts.join(', ');
    expect(md).toContain(`  bar [${counts}]`);
    expect(md).not.toContain('Per-class');
    const page = renderHtml(wrap(core, { baseline: null }));
    expect(page).toContain('<h2>Residuals</h2>');
    expect(page).toContain('aria-label="Residual vs prediction (candidate)"');
    expect((page.match(/<circle /g) ?? []).length).toBe(n);
  });

  it('names the missing-value policies that acted, and says nothing when none did', () => {
    const y = Array.from({ length: 50 }, (_, i) => i % 2);
    const core = evaluatePredictions({
      task: 'binary',
      labels: y,
      predictions: { task: 'binary', n: 50, values: Float64Array.from(y, (v) => 0.3 + 0.4 * v) },
      config: fast,
    });
    const quiet = wrap(core, {
      missingValues: { label: { column: 'late', policy: 'drop', droppedRows: 0 }, features: [] },
    });
    expect(renderMarkdown(quiet)).toBe(renderMarkdown(wrap(core)));
    const md = renderMarkdown(
      wrap(core, {
        missingValues: {
          label: { column: 'late', policy: 'drop', droppedRows: 12 },
          features: [{ feature: 'dep_hour', column: 'dep_hour', nulls: 3, policy: 'impute', fill: 13.5 }],
        },
      }),
    );
    expect(md).toContain('<details><summary>Missing values (2)</summary>');
    expect(md).toContain('- Label "late": 12 row(s) with no label were left out (data.missingLabel "drop").');
    expect(md).toContain(
      '- Feature "dep\\_hour" (column "dep\\_hour"): 3 null(s), imputed with 13.5000 (fitted on the training split).',
    );
  });
});
