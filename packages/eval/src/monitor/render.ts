import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '@slipway/core';
import { mdCode, mdText } from '@slipway/core/base';
import { renderDriftHtml, renderDriftMarkdown } from '@slipway/data';
import type { MonitorReport } from './types.js';

const fmt = (v: number | null | undefined, digits = 4) =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);

export function renderMonitorMarkdown(report: MonitorReport): string {
  const lines: string[] = [];
  const who = `${report.model.name}${report.model.version ? ` v${report.model.version}` : ''}`;
  lines.push(
    `## ${report.alert ? '🔴 Alert' : '🟢 No alert'}: ${mdText(who)} on ${mdText(report.window.name)}`,
    '',
  );
  lines.push(
    `Window ${mdCode(report.window.source)}: ${report.window.rows.toLocaleString('en-US')} rows. Package \`${report.model.packageHash.slice(0, 12)}\`.`,
    '',
  );
  if (report.reasons.length) {
    lines.push(...report.reasons.map((r) => `- ${mdText(r)}`), '');
  }
  for (const w of report.warnings ?? []) lines.push(`> [!WARNING]\n> ${mdText(w)}`, '');
  if (report.schemaChanges.length) {
    lines.push(
      '### Schema changes',
      '',
      '| column | change | trained as | now | model input |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const c of report.schemaChanges)
      lines.push(
        `| ${mdCode(c.column)} | ${c.change} | ${mdText(c.expected ?? '—')} | ${mdText(c.seen ?? '—')} | ${c.modelInput ? 'yes' : 'no'} |`,
      );
    lines.push('');
  }
  if (report.predictionDrift) {
    const p = report.predictionDrift;
    const what =
      p.over === 'class' ? 'predicted-class shares' : p.over === 'value' ? 'predicted values' : 'scores';
    const verdict = `**${fmt(p.statistic, 3)}** (threshold ${p.threshold}; ${p.drifted ? 'drifted' : 'stable'})`;
    lines.push(
      '### Prediction drift',
      '',
      `PSI of the model's ${what}, window vs evaluation data: ${verdict}.`,
    );
    if (p.over === 'class') {
      lines.push('', '| class | evaluation data | window |', '| --- | ---: | ---: |');
      for (const c of p.classShares ?? [])
        lines.push(
          `| ${mdText(c.label)} | ${(c.reference * 100).toFixed(1)}% | ${(c.window * 100).toFixed(1)}% |`,
        );
    } else {
      lines[lines.length - 1] +=
        ` Mean ${p.over === 'value' ? 'prediction' : 'score'} ${fmt(p.referenceMean, 3)} → ${fmt(p.windowMean, 3)}.`;
    }
    lines.push('');
  }
  if (report.performance) {
    lines.push(
      '### Performance on labelled rows',
      '',
      `${report.performance.labelsJoined.toLocaleString('en-US')} rows with labels${report.performance.unlabelledRows ? ` (${report.performance.unlabelledRows.toLocaleString('en-US')} without a label, not counted)` : ''}.`,
      '',
      '| metric | value | 95% CI |',
      '| --- | ---: | --- |',
    );
    for (const m of report.performance.metrics)
      lines.push(
        `| ${mdText(m.name)} | ${fmt(m.candidate)} | ${m.ci ? `[${fmt(m.ci.low)}, ${fmt(m.ci.high)}]` : '—'} |`,
      );
    if (report.performance.failedGates.length)
      lines.push('', ...report.performance.failedGates.map((g) => `- ❌ ${mdText(g)}`));
    lines.push('');
  } else {
    lines.push('_Performance: no labels for this window yet._', '');
  }
  lines.push(
    '<details><summary>Input drift per column</summary>',
    '',
    renderDriftMarkdown(report.drift),
    '',
    '</details>',
  );
  return lines.join('\n');
}

const esc = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** Standalone page: the summary, then the drift report (its own offline page) inline in an iframe. */
export function renderMonitorHtml(report: MonitorReport): string {
  const rows = report.schemaChanges
    .map(
      (c) =>
        `<tr><td>${esc(c.column)}</td><td>${c.change}</td><td>${esc(c.expected ?? '—')}</td><td>${esc(c.seen ?? '—')}</td></tr>`,
    )
    .join('');
  const perf = report.performance
    ? `<h2>Performance</h2><table><tr><th>metric</th><th>value</th></tr>${report.performance.metrics.map((m) => `<tr><td>${esc(m.name)}</td><td>${fmt(m.candidate)}</td></tr>`).join('')}</table>`
    : '<p>No labels for this window yet.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Slipway monitor: ${esc(report.model.name)} on ${esc(report.window.name)}</title>
<style>body{font:14px/1.5 system-ui,sans-serif;margin:2rem;max-width:1100px;color:#1f2328}table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left}.alert{color:#cf222e}.ok{color:#1a7f37}iframe{width:100%;height:1400px;border:1px solid #d0d7de}</style>
</head><body>
<h1 class="${report.alert ? 'alert' : 'ok'}">${report.alert ? 'Alert' : 'No alert'}: ${esc(report.model.name)} on ${esc(report.window.name)}</h1>
<p>${report.window.rows.toLocaleString('en-US')} rows from <code>${esc(report.window.source)}</code>; package <code>${report.model.packageHash.slice(0, 12)}</code>; ${esc(report.createdAt)}</p>
<ul>${report.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>
${rows ? `<h2>Schema changes</h2><table><tr><th>column</th><th>change</th><th>trained as</th><th>now</th></tr>${rows}</table>` : ''}
${report.predictionDrift ? `<h2>Prediction drift</h2><p>PSI ${fmt(report.predictionDrift.statistic, 3)} (threshold ${report.predictionDrift.threshold})</p>${report.predictionDrift.classShares ? `<table><tr><th>class</th><th>evaluation data</th><th>window</th></tr>${report.predictionDrift.classShares.map((c) => `<tr><td>${esc(c.label)}</td><td>${(c.reference * 100).toFixed(1)}%</td><td>${(c.window * 100).toFixed(1)}%</td></tr>`).join('')}</table>` : ''}` : ''}
${perf}
<h2>Input drift</h2>
<iframe title="drift report" srcdoc="${esc(renderDriftHtml(report.drift))}"></iframe>
</body></html>
`;
}

/** Writes monitor.json, monitor.md and monitor.html into `dir`, each atomically. */
export async function writeMonitorReports(
  report: MonitorReport,
  dir: string,
  options: { root?: string } = {},
): Promise<{ json: string; markdown: string; html: string }> {
  // With the repository root: never through a link inside it.
  const place = options.root ? { root: options.root } : {};
  const paths = {
    json: join(dir, 'monitor.json'),
    markdown: join(dir, 'monitor.md'),
    html: join(dir, 'monitor.html'),
  };
  await writeJsonAtomic(paths.json, report, place);
  await writeFileAtomic(paths.markdown, renderMonitorMarkdown(report), place);
  await writeFileAtomic(paths.html, renderMonitorHtml(report), place);
  return paths;
}
