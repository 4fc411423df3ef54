// Drift report as one standalone HTML page: inline CSS and SVG, no scripts, no network, so it opens
// offline and survives being attached to a CI run.
import type { ColumnDrift, DriftReport } from './drift.js';

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function num(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e6 ? x.toFixed(4).replace(/\.?0+$/, '') : x.toExponential(2);
}

const MAX_BARS = 40;

/** Grouped bars of reference vs current shares per bin. */
export function histogramSvg(c: ColumnDrift): string {
  let { labels, reference, current } = c.histogram;
  if (labels.length > MAX_BARS) {
    // Keep the bins that matter most (largest combined share) in their original order.
    const keep = labels
      .map((_, i) => i)
      .sort((a, b) => reference[b]! + current[b]! - (reference[a]! + current[a]!))
      .slice(0, MAX_BARS)
      .sort((a, b) => a - b);
    labels = keep.map((i) => labels[i]!);
    reference = keep.map((i) => reference[i]!);
    current = keep.map((i) => current[i]!);
  }
  const width = 640;
  const height = 220;
  const pad = { l: 44, r: 8, t: 10, b: 60 };
  const plotW = width - pad.l - pad.r;
  const plotH = height - pad.t - pad.b;
  const max = Math.max(1e-12, ...reference, ...current);
  const group = plotW / Math.max(1, labels.length);
  const bar = Math.max(1, group * 0.4);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(c.column)}: reference vs current">`,
  );
  parts.push(
    `<line x1="${pad.l}" y1="${pad.t + plotH}" x2="${width - pad.r}" y2="${pad.t + plotH}" stroke="#888"/>`,
  );
  for (const f of [0, 0.5, 1]) {
    const y = pad.t + plotH - f * plotH;
    parts.push(
      `<text x="${pad.l - 4}" y="${y + 4}" font-size="10" text-anchor="end">${(f * max * 100).toFixed(1)}%</text>`,
    );
  }
  labels.forEach((label, i) => {
    const x = pad.l + i * group + group * 0.1;
    const hr = (reference[i]! / max) * plotH;
    const hc = (current[i]! / max) * plotH;
    parts.push(
      `<rect x="${x.toFixed(1)}" y="${(pad.t + plotH - hr).toFixed(1)}" width="${bar.toFixed(1)}" height="${hr.toFixed(1)}" fill="#4c78a8"><title>reference ${esc(label)}: ${(reference[i]! * 100).toFixed(2)}%</title></rect>`,
    );
    parts.push(
      `<rect x="${(x + bar).toFixed(1)}" y="${(pad.t + plotH - hc).toFixed(1)}" width="${bar.toFixed(1)}" height="${hc.toFixed(1)}" fill="#f58518"><title>current ${esc(label)}: ${(current[i]! * 100).toFixed(2)}%</title></rect>`,
    );
    const lx = x + bar;
    const ly = pad.t + plotH + 8;
    parts.push(
      `<text x="${lx.toFixed(1)}" y="${ly}" font-size="9" text-anchor="end" transform="rotate(-45 ${lx.toFixed(1)} ${ly})">${esc(label.length > 16 ? `${label.slice(0, 15)}…` : label)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

export function renderDriftHtml(report: DriftReport): string {
  const rows = [...report.columns]
    .sort((a, b) => Number(b.drifted) - Number(a.drifted))
    .map(
      (c) =>
        `<tr class="${c.drifted ? 'drift' : ''}"><td>${esc(c.column)}</td><td>${c.kind}</td><td>${c.method}${c.method === 'jensenshannon' ? ' (distance, ln)' : ''}</td><td>${num(c.statistic)}${c.approximate && c.errorBound !== undefined ? ` ±${num(c.errorBound)}` : ''}</td><td>${num(c.threshold)}</td><td>${num(c.psi)}</td><td>${c.drifted ? 'yes' : 'no'}</td></tr>`,
    )
    .join('\n');
  const charts = report.columns
    .filter((c) => c.drifted)
    .map(
      (c) =>
        `<section><h3>${esc(c.column)} <small>${c.method} ${num(c.statistic)} (threshold ${num(c.threshold)})</small></h3>${histogramSvg(c)}${c.notes.length ? `<p class="note">${c.notes.map(esc).join('<br>')}</p>` : ''}</section>`,
    )
    .join('\n');
  const list = (title: string, items: string[]): string =>
    items.length ? `<p><strong>${title}:</strong> ${items.map(esc).join(', ')}</p>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Data drift report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:960px;color:#222;padding:0 1rem}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left}
tr.drift td{background:#fde8e8}.verdict{font-size:1.2rem;font-weight:600}.yes{color:#b00020}.no{color:#1b7f3b}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}.note{color:#666;font-size:12px}
section{margin:1.5rem 0}small{color:#666;font-weight:normal}
</style>
</head>
<body>
<h1>Data drift report</h1>
<p class="verdict ${report.drifted ? 'yes' : 'no'}">${report.drifted ? 'Dataset drift detected' : 'No dataset drift'}</p>
<p>${report.driftedCount} of ${report.testedCount} columns drifted (share ${num(report.share)}, threshold ${num(report.shareThreshold)}).
Reference: ${esc(report.reference.source)} (${report.reference.rows} rows). Current: ${esc(report.current.source)} (${report.current.rows} rows).</p>
${list('Missing in current (counted as drifted)', report.missingColumns)}
${list('New in current (not tested)', report.newColumns)}
${list(
  'Not tested',
  report.skipped.map((s) => `${s.column} (${s.reason})`),
)}
<table>
<thead><tr><th>Column</th><th>Kind</th><th>Test</th><th>Score</th><th>Threshold</th><th>PSI</th><th>Drift</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<p class="legend">Histograms of drifted columns:<span style="background:#4c78a8"></span>reference<span style="background:#f58518"></span>current</p>
${charts || '<p>No column drifted.</p>'}
<p class="note">Report schema ${esc(report.schema)}. Tests chosen as Evidently does by default; p-value tests drift below the threshold, distances at or above it.</p>
</body>
</html>
`;
}
