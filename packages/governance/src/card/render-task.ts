/**
 * The model card's task-specific evaluation lines (per-class metrics for multiclass, the residual
 * summary for regression) and the missing-value policies that acted on the training and evaluation data.
 */

import type { Lineage } from '@slipway/core';
import { mdCode, mdText } from '@slipway/core/base';
import type { ModelCard } from './build.js';

const fmt = (v: number | null | undefined, digits = 4): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : Number(v.toFixed(digits)).toString();

export function taskEvaluationLines(e: NonNullable<ModelCard['evaluation']>): string[] {
  const out: string[] = [];
  if (e.perClass && e.perClass.length > 0) {
    const conf = e.bootstrap ? `${Math.round(e.bootstrap.confidence * 100)}% CI` : 'CI';
    out.push(
      '',
      'Per class:',
      '',
      `| class | support | precision | recall | recall ${conf} | F1 |`,
      '| --- | ---: | ---: | ---: | --- | ---: |',
      ...e.perClass.map(
        (c) =>
          `| ${mdText(c.label)} | ${c.support} | ${fmt(c.precision)} | ${fmt(c.recall)} | ${c.recallCi ? `${fmt(c.recallCi.low)} – ${fmt(c.recallCi.high)}` : '—'} | ${fmt(c.f1)} |`,
      ),
    );
  }
  if (e.residuals) {
    const r = e.residuals;
    out.push(
      '',
      `Residuals (truth − prediction): mean ${fmt(r.mean)}, std ${fmt(r.std)}, median ${fmt(r.median)}, 5th–95th percentile ${fmt(r.p05)} – ${fmt(r.p95)}, range ${fmt(r.min)} – ${fmt(r.max)}.`,
    );
  }
  const m = e.missingValues;
  if (m && (m.label.droppedRows > 0 || m.features.length > 0)) {
    out.push('', 'Missing values in the evaluation data:');
    if (m.label.droppedRows > 0)
      out.push(
        `- ${m.label.droppedRows} row(s) without a label ${mdCode(m.label.column)} left out (data.missingLabel "${m.label.policy}")`,
      );
    for (const f of m.features)
      out.push(
        `- ${mdCode(f.feature)}: ${f.nulls} null(s), ${f.policy === 'impute' ? `imputed with ${typeof f.fill === 'number' ? fmt(f.fill) : JSON.stringify(f.fill)} (fitted on the training split)` : 'policy "error"'}`,
      );
  }
  return out;
}

/** Training rows left out for a null label, from the lineage (data.missingLabel "drop"). */
export function unlabelledLines(datasets: Lineage['datasets']): string[] {
  const lines = datasets
    .filter((d) => (d.unlabelledRows ?? 0) > 0)
    .map(
      (d) =>
        `- ${d.name}: ${d.unlabelledRows} row(s) without a label were left out (data.missingLabel "drop").`,
    );
  return lines.length > 0 ? [...lines, ''] : [];
}
