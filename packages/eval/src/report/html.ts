/**
 * The standalone HTML report: one file, inline CSS, inline SVG charts and a little inline JS (table
 * sorting), no network access at all, so it opens from a CI artifact or a laptop alike.
 */
import { html, interval, num, pValue, RULE_TEXT, signed } from './format.js';
import {
  missingValuesSection,
  perClassImportanceCells,
  perClassImportanceHeaders,
  perClassSection,
  residualsSection,
} from './task-sections.js';
import type { EvalReport } from './types.js';

const CSS = `
:root{--ok:#1a7f37;--bad:#cf222e;--muted:#57606a;--line:#d0d7de;--bg:#f6f8fa;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
body{margin:0 auto;max-width:1100px;padding:24px;color:#1f2328;line-height:1.45}
h1{font-size:1.6rem;margin:0 0 4px} h2{font-size:1.2rem;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.verdict{display:inline-block;padding:4px 14px;border-radius:16px;color:#fff;font-weight:700;letter-spacing:.04em}
.pass{background:var(--ok)} .fail{background:var(--bad)} .badge{color:#fff;border-radius:10px;padding:0 8px;font-size:.8rem;font-weight:600} tr.worst td{background:#fff8c5} .muted{color:var(--muted)}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:6px 0} th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--bg);cursor:pointer;user-select:none} td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.failed td{background:#ffebe9} .note{background:#ddf4ff;border-left:4px solid #0969da;padding:8px 12px;margin:8px 0} .note.warning{background:#fff8c5;border-left-color:#bf8700}
.charts{display:flex;flex-wrap:wrap;gap:24px} figure{margin:0} figcaption{font-size:.85rem;color:var(--muted);text-align:center}
svg text{font-size:11px;fill:#57606a} code{background:var(--bg);padding:1px 4px;border-radius:4px}
`;

const JS = `
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th, col) {
    th.addEventListener('click', function () {
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var dir = th.dataset.dir === 'asc' ? -1 : 1;
      th.dataset.dir = dir === 1 ? 'asc' : 'desc';
      rows.sort(function (a, b) {
        var x = a.cells[col].dataset.v !== undefined ? a.cells[col].dataset.v : a.cells[col].textContent;
        var y = b.cells[col].dataset.v !== undefined ? b.cells[col].dataset.v : b.cells[col].textContent;
        var nx = parseFloat(x), ny = parseFloat(y);
        if (!isNaN(nx) && !isNaN(ny)) return (nx - ny) * dir;
        return String(x).localeCompare(String(y)) * dir;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
document.documentElement.dataset.ready = 'true';
`;

function pEq(p: number): string {
  return p < 0.001 ? '< 0.001' : `= ${p.toFixed(3)}`;
}

function cellN(x: number | null | undefined, text?: string): string {
  return `<td class="n" data-v="${x ?? ''}">${html(text ?? num(x))}</td>`;
}

function tableHtml(headers: string[], rows: string[], cls = 'sortable'): string {
  return `<table class="${cls}"><thead><tr>${headers.map((h) => `<th>${html(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** A line/scatter chart in SVG over [0,1]² (ROC, calibration). */
function unitChart(
  title: string,
  xLabel: string,
  yLabel: string,
  series: { points: [number, number][]; color: string; dash?: boolean; dots?: boolean }[],
): string {
  const w = 320;
  const h = 300;
  const pad = 40;
  const sx = (x: number) => pad + x * (w - pad - 10);
  const sy = (y: number) => h - pad - y * (h - pad - 10);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${html(title)}">`;
  svg += `<rect x="${sx(0)}" y="${sy(1)}" width="${sx(1) - sx(0)}" height="${sy(0) - sy(1)}" fill="#fff" stroke="#d0d7de"/>`;
  for (const t of ticks) {
    svg += `<line x1="${sx(t)}" y1="${sy(0)}" x2="${sx(t)}" y2="${sy(1)}" stroke="#eaeef2"/><line x1="${sx(0)}" y1="${sy(t)}" x2="${sx(1)}" y2="${sy(t)}" stroke="#eaeef2"/>`;
    svg += `<text x="${sx(t)}" y="${sy(0) + 14}" text-anchor="middle">${t}</text><text x="${sx(0) - 6}" y="${sy(t) + 4}" text-anchor="end">${t}</text>`;
  }
  svg += `<text x="${(sx(0) + sx(1)) / 2}" y="${h - 6}" text-anchor="middle">${html(xLabel)}</text>`;
  svg += `<text transform="translate(12 ${(sy(0) + sy(1)) / 2}) rotate(-90)" text-anchor="middle">${html(yLabel)}</text>`;
  for (const s of series) {
    // A ROC curve has a point per distinct score (100k+ on large sets); at 0.1 px most coincide, and
    // drawing each made the page megabytes. Consecutive points that land on the same spot are drawn once.
    const coords: string[] = [];
    for (const [x, y] of s.points) {
      const c = `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`;
      if (coords[coords.length - 1] !== c) coords.push(c);
    }
    const d = coords.map((c, i) => `${i === 0 ? 'M' : 'L'}${c}`).join('');
    svg += `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ' stroke-dasharray="4 4"' : ''}/>`;
    if (s.dots)
      for (const [x, y] of s.points)
        svg += `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${s.color}"/>`;
  }
  svg += '</svg>';
  return `<figure>${svg}<figcaption>${html(title)}</figcaption></figure>`;
}

/** Horizontal bars of one metric over slices. */
function barChart(title: string, bars: [string, number][]): string {
  const w = 520;
  const row = 22;
  const h = bars.length * row + 20;
  const max = Math.max(...bars.map((b) => Math.abs(b[1])), 1e-12);
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${html(title)}">`;
  bars.forEach(([label, v], i) => {
    const y = 10 + i * row;
    const bw = (Math.abs(v) / max) * 260;
    svg += `<text x="200" y="${y + 14}" text-anchor="end">${html(label.length > 32 ? `${label.slice(0, 31)}…` : label)}</text>`;
    svg += `<rect x="206" y="${y + 3}" width="${bw.toFixed(1)}" height="${row - 8}" fill="${i === 0 ? '#8c959f' : '#0969da'}"/>`;
    svg += `<text x="${(212 + bw).toFixed(1)}" y="${y + 14}">${html(num(v))}</text>`;
  });
  svg += '</svg>';
  return `<figure>${svg}<figcaption>${html(title)}</figcaption></figure>`;
}

export interface HtmlOptions {
  /** Link to the report JSON, relative to the page (default `report.json`, as writeReports lays them out). */
  jsonHref?: string;
}

export function renderHtml(report: EvalReport, options: HtmlOptions = {}): string {
  const pass = report.verdict === 'pass';
  const parts: string[] = [];
  const baseline = report.baseline
    ? `${report.baseline.name}${report.baseline.version ? ` v${report.baseline.version}` : ''}${report.baseline.alias ? ` (@${report.baseline.alias})` : ''}`
    : 'no baseline (first run)';
  parts.push(
    `<header><h1>Slipway evaluation <span class="verdict ${pass ? 'pass' : 'fail'}" id="verdict">${pass ? 'PASS' : 'FAIL'}</span></h1>`,
    `<p class="muted">${html(report.candidate.name)}${report.candidate.version ? ` v${html(report.candidate.version)}` : ''} vs ${html(baseline)} · ${html(report.dataset.path)} (${report.dataset.rows.toLocaleString('en-US')} rows) · ${html(report.createdAt)}</p></header>`,
  );
  for (const w of report.warnings ?? []) parts.push(`<div class="note warning">⚠ ${html(w)}</div>`);
  for (const n of report.notes) parts.push(`<div class="note">${html(n)}</div>`);
  parts.push(`<h2>Gates (${report.gates.filter((g) => g.passed).length}/${report.gates.length} passed)</h2>`);
  parts.push(
    report.gates.length === 0
      ? '<p class="muted">No gates configured.</p>'
      : tableHtml(
          ['', 'Metric', 'Rule', 'Candidate', 'Baseline', 'Why'],
          report.gates.map(
            (g) =>
              `<tr class="${g.passed ? '' : 'failed'}"><td><span class="badge ${g.passed ? 'pass' : 'fail'}">${g.passed ? 'pass' : 'fail'}</span></td><td><code>${html(g.metric)}</code></td><td>${html(RULE_TEXT[g.rule] ?? g.rule)}</td>${cellN(g.candidate)}${cellN(g.baseline)}<td>${html(g.reason)}</td></tr>`,
          ),
        ),
  );
  const conf = Math.round(report.bootstrap.confidence * 100);
  parts.push('<h2>Metrics</h2>');
  parts.push(
    tableHtml(
      ['Metric', 'Candidate', `${conf}% CI`, 'Baseline', 'Δ', `Δ ${conf}% CI`, 'p'],
      report.metrics.map(
        (m) =>
          `<tr><td><code>${html(m.name)}</code> ${m.greaterIsBetter ? '↑' : '↓'}${m.note ? `<br><span class="muted">${html(m.note)}</span>` : ''}</td>${cellN(m.candidate)}<td>${html(interval(m.ci))}</td>${cellN(m.baseline)}${cellN(m.delta, signed(m.delta))}<td>${html(interval(m.deltaCi))}</td>${cellN(m.pValue, pValue(m.pValue, report.bootstrap.resamples))}</tr>`,
      ),
    ),
    `<p class="muted">Percentile intervals from ${report.bootstrap.resamples} bootstrap resamples (seed ${report.bootstrap.seed}); Δ and p from the paired bootstrap.${report.mcnemar ? ` McNemar exact test on accuracy: candidate-only correct ${report.mcnemar.b}, baseline-only correct ${report.mcnemar.c}, p ${pEq(report.mcnemar.pValue)}.` : ''}</p>`,
  );
  const perClass = perClassSection(report, 'html');
  if (perClass) parts.push(perClass);
  const residuals = residualsSection(report, 'html');
  if (residuals) parts.push(residuals);
  const charts: string[] = [];
  if (report.curves.roc) {
    charts.push(
      unitChart('ROC curve (candidate)', 'false positive rate', 'true positive rate', [
        {
          points: [
            [0, 0],
            [1, 1],
          ],
          color: '#8c959f',
          dash: true,
        },
        {
          points: report.curves.roc.fpr.map((x, i) => [x, report.curves.roc?.tpr[i] as number]),
          color: '#0969da',
        },
      ]),
    );
  }
  if (report.curves.calibration && report.curves.calibration.predicted.length > 0) {
    const c = report.curves.calibration;
    charts.push(
      unitChart('Calibration (candidate)', 'mean predicted probability', 'observed positive rate', [
        {
          points: [
            [0, 0],
            [1, 1],
          ],
          color: '#8c959f',
          dash: true,
        },
        { points: c.predicted.map((x, i) => [x, c.observed[i] as number]), color: '#bf3989', dots: true },
      ]),
    );
  }
  const metric = report.primaryMetric;
  const overall = report.metrics.find((m) => m.name === metric)?.candidate;
  const bars = [
    ['all rows', overall] as const,
    ...report.worstSlices.map((s) => [s.slice, s.metrics[metric]] as const),
  ].filter((b): b is [string, number] => typeof b[1] === 'number');
  if (bars.length > 1) charts.push(barChart(`${metric}: all rows and the worst slices`, bars));
  if (charts.length > 0) parts.push('<h2>Charts</h2>', `<div class="charts">${charts.join('')}</div>`);
  if (report.confusion) {
    const c = report.confusion;
    parts.push(
      `<h2>Confusion matrix${report.operatingPoints ? ` at threshold ${num(report.operatingPoints.threshold)}` : ''}</h2>`,
      tableHtml(
        ['truth \\ predicted', ...c.labels],
        c.matrix.map(
          (row, i) =>
            `<tr><th>${html(c.labels[i] ?? String(i))}</th>${row.map((v) => cellN(v)).join('')}</tr>`,
        ),
        'plain',
      ),
    );
  }
  const op = report.operatingPoints;
  if (op?.maxF1) {
    const rows = [
      ['max F1', op.maxF1],
      [op.forPrecision ? `precision ≥ ${op.forPrecision.target}` : null, op.forPrecision],
      [op.forRecall ? `recall ≥ ${op.forRecall.target}` : null, op.forRecall],
    ].filter((r): r is [string, NonNullable<typeof op.maxF1>] => r[0] !== null && r[1] !== null);
    parts.push(
      '<h2>Operating points</h2>',
      tableHtml(
        ['Goal', 'Threshold', 'Precision', 'Recall', 'F1'],
        rows.map(
          ([goal, p]) =>
            `<tr><td>${html(goal)}</td>${cellN(p.threshold)}${cellN(p.precision)}${cellN(p.recall)}${cellN(p.f1)}</tr>`,
        ),
      ),
    );
  }
  if (report.slices.length > 0 || report.skippedSlices.length > 0) {
    const names = [...new Set(report.slices.flatMap((s) => Object.keys(s.metrics)))];
    const worst = new Set(report.worstSlices.map((s) => s.slice));
    parts.push(
      `<h2>Slices (${report.slices.length})</h2>`,
      tableHtml(
        ['Slice', 'Support', ...names],
        report.slices.map(
          (s) =>
            `<tr class="${worst.has(s.slice) ? 'worst' : ''}"><td>${html(s.slice)}</td>${cellN(s.support)}${names.map((n) => cellN(s.metrics[n])).join('')}</tr>`,
        ),
      ),
    );
    if (report.skippedSlices.length > 0) {
      parts.push(
        `<p class="muted">Skipped: ${report.skippedSlices.map((s) => `${html(s.slice)} (${html(s.reason)})`).join('; ')}</p>`,
      );
    }
  }
  if (report.fairness) {
    const f = report.fairness;
    parts.push(
      `<h2>Fairness over <code>${html(f.sensitive)}</code></h2>`,
      `<p>Demographic parity difference ${html(num(f.demographicParityDifference))} · equalized odds difference ${html(num(f.equalizedOddsDifference))}</p>`,
      tableHtml(
        ['Group', 'Support', 'Selection rate', 'TPR', 'FPR'],
        f.groups.map(
          (g) =>
            `<tr><td>${html(g.group)}</td>${cellN(g.support)}${cellN(g.selectionRate)}${cellN(g.tpr)}${cellN(g.fpr)}</tr>`,
        ),
      ),
    );
  }
  if (report.explanations.length > 0) {
    parts.push(
      '<h2>Feature importance</h2>',
      tableHtml(
        ['Feature', 'Permutation importance', 'Mean |SHAP|', ...perClassImportanceHeaders(report)],
        report.explanations.map(
          (e) =>
            `<tr><td>${html(e.feature)}</td>${cellN(e.permutation)}${cellN(e.meanAbsShap)}${perClassImportanceCells(
              e,
            )
              .map((c) => `<td class="n">${html(c)}</td>`)
              .join('')}</tr>`,
        ),
      ),
    );
  }
  if (report.drift) {
    const d = report.drift;
    parts.push(
      `<h2>Data drift: ${d.drifted ? 'drift detected' : 'no drift'}</h2>`,
      tableHtml(
        ['Column', 'Method', 'Statistic', 'Threshold', 'Drifted'],
        d.columns.map(
          (c) =>
            `<tr class="${c.drifted ? 'failed' : ''}"><td>${html(c.column)}</td><td>${html(c.method)}</td>${cellN(c.statistic)}${cellN(c.threshold)}<td>${c.drifted ? 'yes' : 'no'}</td></tr>`,
        ),
      ),
    );
  }
  const missing = missingValuesSection(report, 'html');
  if (missing) parts.push(missing);
  // The full report is report.json beside this page (writeReports): linked, not embedded, so the page
  // stays small on large evaluations (the flight example's JSON alone is megabytes).
  parts.push(
    `<p class="muted">Every number on this page, and more (all slices, curves, per-class detail), is in <a href="${html(options.jsonHref ?? 'report.json')}">${html(options.jsonHref ?? 'report.json')}</a>.</p>`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>Slipway evaluation: ${pass ? 'PASS' : 'FAIL'} — ${html(report.candidate.name)}</title>
<style>${CSS}</style></head>
<body>
${parts.join('\n')}
<script>${JS}</script>
</body></html>
`;
}
