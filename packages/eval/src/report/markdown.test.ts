import { EVAL_REPORT_SCHEMA } from '@slipway/core';
import type { Table } from '@slipway/data';
import { describe, expect, it } from 'vitest';
import { evaluatePredictions } from '../evaluate-predictions.js';
import { createRng } from '../util/rng.js';
import { renderHtml } from './html.js';
import { GITHUB_COMMENT_LIMIT, renderMarkdown } from './markdown.js';
import type { EvalReport } from './types.js';
import { readEvalReport, writeReports } from './write.js';

function report(n: number, categories: number, withBaseline: boolean): EvalReport {
  const rng = createRng(5);
  const y = Array.from({ length: n }, () => (rng.next() < 0.4 ? 1 : 0));
  const p = Float64Array.from(y, (v) => Math.min(1, 0.3 * v + 0.7 * rng.next()));
  const q = Float64Array.from(y, (v) => Math.min(1, 0.2 * v + 0.8 * rng.next()));
  const cat = Array.from({ length: n }, () => `shop|<b>${rng.int(categories)}</b>`);
  const table: Table = {
    rowCount: n,
    columns: [{ name: 'cat', kind: 'string', sqlType: 'VARCHAR', values: cat }],
  };
  const core = evaluatePredictions({
    task: 'binary',
    labels: y,
    predictions: { task: 'binary', n, values: p },
    baselinePredictions: withBaseline ? { task: 'binary', n, values: q } : null,
    table,
    config: {
      bootstrap: { resamples: 50, seed: 1, confidence: 0.95 },
      gates: {
        roc_auc: { threshold: 0.99 },
        f1: { threshold: 0.2, minAbsoluteChange: 0.5 },
        brier: { threshold: 0.01 },
      },
      slices: {
        columns: ['cat'],
        minSupport: 1,
        gates: [{ metric: 'roc_auc', minSupport: 1, threshold: 0.99 }],
      },
    },
  });
  return {
    schema: EVAL_REPORT_SCHEMA,
    candidate: { name: 'flight-delay', version: '7', packageHash: 'a'.repeat(64) },
    baseline: withBaseline
      ? { name: 'flight-delay', version: '6', packageHash: 'b'.repeat(64), alias: 'champion' }
      : null,
    dataset: { path: 'data/eval.parquet', md5: null, rows: n },
    createdAt: '2026-11-24T20:00:00.000Z',
    ...core,
    drift: {
      drifted: true,
      share: 0.5,
      columns: [
        { column: 'distance', method: 'psi', statistic: 0.31, threshold: 0.2, drifted: true },
        { column: 'hour', method: 'psi', statistic: 0.01, threshold: 0.2, drifted: false },
      ],
    },
  };
}

describe('renderMarkdown', () => {
  it('puts the verdict first, then failed gates with their rule, metrics, slices, drift and a Mermaid chart', async () => {
    const r = report(2000, 8, true);
    const md = renderMarkdown(r);
    if (process.env.DUMP_MD) (await import('node:fs')).writeFileSync(process.env.DUMP_MD, md);
    expect(md.startsWith('## ❌ Slipway evaluation: **FAIL**')).toBe(true);
    const failed = md.indexOf('### Failed gates');
    expect(failed).toBeGreaterThan(0);
    expect(md.indexOf('### Metrics')).toBeGreaterThan(failed);
    expect(md).toMatch(/\| ❌ \| `roc_auc` \| absolute threshold \|/);
    expect(md).toMatch(/min absolute change vs baseline/);
    expect(md).toMatch(/### Worst slices by `roc_auc`/);
    expect(md).toMatch(/### Data drift: ⚠️ drift detected/);
    expect(md).toMatch(/```mermaid\nxychart-beta\n/);
    expect(md).toMatch(/<details><summary>Slices \(8\)<\/summary>/);
    // Data from the table cannot break the table or inject HTML.
    expect(md).not.toMatch(/<b>/);
    expect(md).toMatch(/shop\\\|&lt;b&gt;/);
  });

  it('says "first run" and shows no baseline column values without a baseline', () => {
    const md = renderMarkdown(report(300, 2, false));
    expect(md).toMatch(/First run: there is no baseline, so only absolute thresholds were applied/);
    expect(md).toMatch(/\(no baseline\)/);
  });

  it('never exceeds the limit; truncation keeps the verdict and the gates', () => {
    const huge = report(20_000, 5000, true);
    const md = renderMarkdown(huge);
    expect(md.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(md).toMatch(/^## ❌/);
    expect(md).toMatch(/### Failed gates/);
    const small = renderMarkdown(huge, { maxChars: 4000, title: 'Eval' });
    expect(small.length).toBeLessThanOrEqual(4000);
    expect(small).toMatch(/^## ❌ Eval: \*\*FAIL\*\*/);
    expect(small).toMatch(/`roc_auc` \| absolute threshold/);
    expect(small).toMatch(/Omitted to stay under 4,000 characters/);
  });
});

describe('writeReports / readEvalReport', () => {
  it('round-trips report.json and refuses another schema', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'slipway-eval-write-'));
    const r = report(200, 2, false);
    const paths = await writeReports(r, dir);
    expect(await readEvalReport(paths.json)).toEqual(JSON.parse(JSON.stringify(r)));
    await writeFile(join(dir, 'old.json'), JSON.stringify({ ...r, schema: 'slipway.eval-report/v0' }));
    await expect(readEvalReport(join(dir, 'old.json'))).rejects.toMatchObject({
      code: 'EVAL_REPORT_INVALID',
    });
  });
});

describe('renderHtml', () => {
  it('is one self-contained document with inline charts, linking the report JSON', () => {
    const r = report(500, 3, true);
    const page = renderHtml(r);
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(page).toMatch(/<svg[^>]*aria-label="ROC curve \(candidate\)"/);
    expect(page).toMatch(/<svg[^>]*aria-label="Calibration \(candidate\)"/);
    expect(page).not.toMatch(/<b>\d/);
    // The JSON is linked (report.json beside the page), not embedded.
    expect(page).toContain('<a href="report.json">report.json</a>');
    expect(page).not.toContain('application/json');
  });
});
