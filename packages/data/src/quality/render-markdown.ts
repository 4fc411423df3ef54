// Drift report as GitHub-flavoured Markdown sized for a pull-request comment (GitHub caps comments
// at 65,536 characters; we stay well under by listing drifted columns first and capping the table).
import { mdText } from '@slipway/core/base';
import type { ColumnDrift, DriftReport } from './drift.js';

const MAX_ROWS = 50;
const METHOD_NAMES: Record<ColumnDrift['method'], string> = {
  ks: 'K-S p-value',
  chisquare: 'chi-square p-value',
  z: 'Z-test p-value',
  wasserstein: 'Wasserstein (normed)',
  jensenshannon: 'Jensen-Shannon distance (ln)',
  psi: 'PSI',
};

function num(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e6 ? x.toFixed(4).replace(/\.?0+$/, '') : x.toExponential(2);
}

export function renderDriftMarkdown(report: DriftReport): string {
  const lines: string[] = [];
  const verdict = report.drifted ? '🔴 **Dataset drift detected**' : '🟢 **No dataset drift**';
  lines.push(`### Data drift: ${verdict}`);
  lines.push('');
  lines.push(
    `${report.driftedCount} of ${report.testedCount} columns drifted (share ${num(report.share)}; dataset drift at ≥ ${num(report.shareThreshold)}). ` +
      `Reference: ${mdText(report.reference.source)} (${report.reference.rows} rows); current: ${mdText(report.current.source)} (${report.current.rows} rows).`,
  );
  lines.push('');
  const cols = [...report.columns].sort((a, b) => Number(b.drifted) - Number(a.drifted));
  if (cols.length > 0) {
    lines.push('| Column | Kind | Test | Score | Threshold | PSI | Drift |');
    lines.push('|---|---|---|---:|---:|---:|:---:|');
    for (const c of cols.slice(0, MAX_ROWS)) {
      const score = `${num(c.statistic)}${c.approximate && c.errorBound !== undefined ? ` ±${num(c.errorBound)}` : ''}`;
      lines.push(
        `| ${mdText(c.column)} | ${c.kind} | ${METHOD_NAMES[c.method]} | ${score} | ${num(c.threshold)} | ${num(c.psi)} | ${c.drifted ? '🔴 yes' : 'no'} |`,
      );
    }
    if (cols.length > MAX_ROWS)
      lines.push(`| … ${cols.length - MAX_ROWS} more columns in the JSON report | | | | | | |`);
    lines.push('');
  }
  if (report.missingColumns.length > 0)
    lines.push(
      `**Missing in current (counted as drifted):** ${report.missingColumns.map(mdText).join(', ')}`,
      '',
    );
  if (report.newColumns.length > 0)
    lines.push(`**New in current (not tested):** ${report.newColumns.map(mdText).join(', ')}`, '');
  if (report.skipped.length > 0)
    lines.push(
      `**Not tested:** ${report.skipped.map((s) => `${mdText(s.column)} (${mdText(s.reason)})`).join('; ')}`,
      '',
    );
  const notes = cols.filter((c) => c.notes.length > 0).slice(0, 10);
  if (notes.length > 0) {
    lines.push('<details><summary>Notes</summary>', '');
    for (const c of notes) lines.push(`- ${mdText(c.column)}: ${c.notes.map(mdText).join('; ')}`);
    lines.push('', '</details>', '');
  }
  lines.push(
    '<sub>Tests chosen as Evidently does by default (K-S / chi-square / Z on references ≤ 1000 values; normed Wasserstein / Jensen-Shannon distance above). p-value tests drift below the threshold, distances at or above it.</sub>',
  );
  return `${lines.join('\n')}\n`;
}
