/**
 * Report sections that depend on the task or on the data's gaps: per-class metrics (multiclass),
 * residuals (regression) and the missing-value policy, in Markdown (PR comment) and HTML. Each returns
 * null when the report has nothing for it, so a binary report without gaps renders as before.
 */
import { mdText, mermaidLabel } from '@slipway/core/base';
import { html, interval, num, pValue, signed } from './format.js';
import type { EvalReport, FeatureImportance, MissingValues, ResidualAnalysis } from './types.js';

type Mode = 'markdown' | 'html';

const td = (x: number | null | undefined, text?: string) =>
  `<td class="n" data-v="${x ?? ''}">${html(text ?? num(x))}</td>`;

function htmlTable(headers: string[], rows: string[]): string {
  return `<table class="sortable"><thead><tr>${headers.map((h) => `<th>${html(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function mdTable(headers: string[], rows: string[][], budget: number, what: string): string {
  let out = `| ${headers.join(' | ')} |\n|${headers.map(() => '---').join('|')}|\n`;
  for (let i = 0; i < rows.length; i++) {
    const line = `| ${(rows[i] as string[]).join(' | ')} |\n`;
    const more = `\n_… ${rows.length - i} more ${what} in the full report._\n`;
    if (out.length + line.length + more.length > budget) return out + more;
    out += line;
  }
  return out;
}

/** multiclass: one row per class (support, precision, recall with interval, F1, Δ recall vs baseline). */
export function perClassSection(report: EvalReport, mode: Mode): string | null {
  const classes = report.perClass;
  if (!classes || classes.length === 0) return null;
  const conf = Math.round(report.bootstrap.confidence * 100);
  const withBaseline = classes.some((c) => c.baselineRecall !== null);
  const headers = [
    'Class',
    'Support',
    'Predicted',
    'Precision',
    `Recall [${conf}% CI]`,
    'F1',
    ...(withBaseline ? ['Baseline recall', `Δ recall [${conf}% CI]`, 'p'] : []),
  ];
  if (mode === 'markdown') {
    const rows = classes.map((c) => [
      `**${mdText(c.label)}**`,
      c.support.toLocaleString('en-US'),
      c.predicted.toLocaleString('en-US'),
      num(c.precision),
      `${num(c.recall)}${c.recallCi ? ` ${interval(c.recallCi)}` : ''}`,
      num(c.f1),
      ...(withBaseline
        ? [
            num(c.baselineRecall),
            c.recallDelta === null
              ? '—'
              : `${signed(c.recallDelta)}${c.recallDeltaCi ? ` ${interval(c.recallDeltaCi)}` : ''}`,
            pValue(c.recallPValue, report.bootstrap.resamples),
          ]
        : []),
    ]);
    const bars = classes.filter((c) => c.recall !== null).slice(0, 20);
    const chart =
      bars.length >= 2
        ? `\n${[
            '```mermaid',
            'xychart-beta',
            '  title "Recall per class (candidate)"',
            `  x-axis [${bars.map((c) => mermaidLabel(c.label, 30)).join(', ')}]`,
            '  y-axis "recall" 0 --> 1',
            `  bar [${bars.map((c) => Number((c.recall as number).toPrecision(4))).join(', ')}]`,
            '```',
          ].join('\n')}\n`
        : '';
    return `### Per-class metrics\n\n${mdTable(headers, rows, 12_000, 'classes')}${chart}`;
  }
  const rows = classes.map(
    (c) =>
      `<tr><td>${html(c.label)}</td>${td(c.support)}${td(c.predicted)}${td(c.precision)}<td data-v="${c.recall ?? ''}">${html(`${num(c.recall)} ${interval(c.recallCi)}`)}</td>${td(c.f1)}${
        withBaseline
          ? `${td(c.baselineRecall)}<td data-v="${c.recallDelta ?? ''}">${html(`${signed(c.recallDelta)} ${interval(c.recallDeltaCi)}`)}</td>${td(c.recallPValue, pValue(c.recallPValue, report.bootstrap.resamples))}`
          : ''
      }</tr>`,
  );
  return `<h2>Per-class metrics</h2>${htmlTable(headers, rows)}<p class="muted">Recall intervals and Δ from the same ${report.bootstrap.resamples} bootstrap resamples as the metrics; a class with no predicted (labelled) rows has no precision (recall).</p>`;
}

function summaryLine(s: ResidualAnalysis['summary']): string {
  return `mean ${num(s.mean)}, std ${num(s.std)}, median ${num(s.median)}; 5–95% [${num(s.p05)}, ${num(s.p95)}]; min ${num(s.min)}, max ${num(s.max)}`;
}

/** An SVG scatter/line chart with its own axis ranges (residuals are not on [0, 1]). */
function xyChart(
  title: string,
  xLabel: string,
  yLabel: string,
  layers: { points: [number, number][]; color: string; kind: 'dots' | 'line' | 'dash' }[],
): string {
  const w = 420;
  const h = 300;
  const pad = 48;
  const xs = layers.flatMap((l) => l.points.map((p) => p[0]));
  const ys = layers.flatMap((l) => l.points.map((p) => p[1]));
  const span = (v: number[]) => {
    const lo = Math.min(...v);
    const hi = Math.max(...v);
    return lo === hi ? [lo - 0.5, hi + 0.5] : [lo, hi];
  };
  const [x0, x1] = span(xs) as [number, number];
  const [y0, y1] = span(ys) as [number, number];
  const sx = (x: number) => pad + ((x - x0) / (x1 - x0)) * (w - pad - 10);
  const sy = (y: number) => h - pad - ((y - y0) / (y1 - y0)) * (h - pad - 10);
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${html(title)}">`;
  svg += `<rect x="${sx(x0)}" y="${sy(y1)}" width="${sx(x1) - sx(x0)}" height="${sy(y0) - sy(y1)}" fill="#fff" stroke="#d0d7de"/>`;
  for (let t = 0; t <= 4; t++) {
    const xv = x0 + ((x1 - x0) * t) / 4;
    const yv = y0 + ((y1 - y0) * t) / 4;
    svg += `<text x="${sx(xv)}" y="${sy(y0) + 14}" text-anchor="middle">${html(num(xv, 2))}</text><text x="${sx(x0) - 4}" y="${sy(yv) + 4}" text-anchor="end">${html(num(yv, 2))}</text>`;
  }
  svg += `<text x="${(sx(x0) + sx(x1)) / 2}" y="${h - 6}" text-anchor="middle">${html(xLabel)}</text>`;
  svg += `<text transform="translate(10 ${(sy(y0) + sy(y1)) / 2}) rotate(-90)" text-anchor="middle">${html(yLabel)}</text>`;
  for (const l of layers) {
    if (l.kind === 'dots') {
      for (const [x, y] of l.points)
        svg += `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2" fill="${l.color}" fill-opacity="0.5"/>`;
    } else {
      const d = l.points
        .map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`)
        .join('');
      svg += `<path d="${d}" fill="none" stroke="${l.color}" stroke-width="2"${l.kind === 'dash' ? ' stroke-dasharray="4 4"' : ''}/>`;
    }
  }
  return `<figure>${svg}</svg><figcaption>${html(title)}</figcaption></figure>`;
}

function histogramChart(title: string, edges: number[], counts: number[]): string {
  const w = 420;
  const h = 300;
  const pad = 48;
  const max = Math.max(...counts, 1);
  const bw = (w - pad - 10) / counts.length;
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${html(title)}">`;
  counts.forEach((c, i) => {
    const bh = (c / max) * (h - pad - 10);
    svg += `<rect x="${(pad + i * bw).toFixed(1)}" y="${(h - pad - bh).toFixed(1)}" width="${(bw - 1).toFixed(1)}" height="${bh.toFixed(1)}" fill="#0969da"><title>[${html(num(edges[i]))}, ${html(num(edges[i + 1]))}): ${c}</title></rect>`;
  });
  svg += `<text x="${pad}" y="${h - pad + 14}" text-anchor="start">${html(num(edges[0], 2))}</text><text x="${w - 10}" y="${h - pad + 14}" text-anchor="end">${html(num(edges.at(-1), 2))}</text>`;
  svg += `<text x="${pad - 4}" y="${12}" text-anchor="end">${max}</text>`;
  svg += `<text x="${(w + pad) / 2}" y="${h - 6}" text-anchor="middle">residual (truth − prediction)</text>`;
  return `<figure>${svg}</svg><figcaption>${html(title)}</figcaption></figure>`;
}

/** regression: residual summary, histogram and residual-vs-prediction (Mermaid in the PR comment). */
export function residualsSection(report: EvalReport, mode: Mode): string | null {
  const r = report.residuals;
  if (!r) return null;
  if (mode === 'markdown') {
    const centers = r.histogram.edges
      .slice(0, -1)
      .map((e, i) => (e + (r.histogram.edges[i + 1] as number)) / 2);
    const chart = [
      '```mermaid',
      'xychart-beta',
      '  title "Residuals (truth − prediction), candidate"',
      `  x-axis [${centers.map((c) => `"${Number(c.toPrecision(3))}"`).join(', ')}]`,
      '  y-axis "rows"',
      `  bar [${r.histogram.counts.join(', ')}]`,
      '```',
    ].join('\n');
    const byPred = mdTable(
      ['Mean prediction', 'Rows', 'Mean residual', '10th–90th percentile'],
      r.byPrediction.predicted.map((p, i) => [
        num(p),
        String(r.byPrediction.count[i]),
        signed(r.byPrediction.mean[i]),
        `[${num(r.byPrediction.p10[i])}, ${num(r.byPrediction.p90[i])}]`,
      ]),
      4000,
      'bins',
    );
    return `### Residuals\n\n${summaryLine(r.summary)}.\n\n${chart}\n\n<details><summary>Residual by prediction decile</summary>\n\n${byPred}\n</details>\n`;
  }
  const scatter = xyChart(
    'Residual vs prediction (candidate)',
    'prediction',
    'residual (truth − prediction)',
    [
      {
        points: [
          [Math.min(...r.points.predicted, ...r.byPrediction.predicted), 0],
          [Math.max(...r.points.predicted, ...r.byPrediction.predicted), 0],
        ],
        color: '#8c959f',
        kind: 'dash',
      },
      {
        points: r.points.predicted.map((p, i) => [p, r.points.residual[i] as number]),
        color: '#0969da',
        kind: 'dots',
      },
      {
        points: r.byPrediction.predicted.map((p, i) => [p, r.byPrediction.mean[i] as number]),
        color: '#bf3989',
        kind: 'line',
      },
    ],
  );
  const hist = histogramChart('Residual histogram (candidate)', r.histogram.edges, r.histogram.counts);
  return `<h2>Residuals</h2><p>${html(summaryLine(r.summary))}. The pink line is the mean residual per prediction decile; ${r.points.predicted.length} rows are drawn.</p><div class="charts">${scatter}${hist}</div>`;
}

function fillText(fill: number | string | null): string {
  return fill === null ? 'no fill' : typeof fill === 'number' ? num(fill) : JSON.stringify(fill);
}

function missingLines(m: MissingValues): string[] {
  const lines: string[] = [];
  if (m.label.droppedRows > 0)
    lines.push(
      `Label "${m.label.column}": ${m.label.droppedRows.toLocaleString('en-US')} row(s) with no label were left out (data.missingLabel "${m.label.policy}").`,
    );
  for (const f of m.features) {
    lines.push(
      `Feature "${f.feature}" (column "${f.column}"): ${f.nulls.toLocaleString('en-US')} null(s), ${f.policy === 'impute' ? `imputed with ${fillText(f.fill)} (fitted on the training split)` : 'policy "error"'}.`,
    );
  }
  return lines;
}

/** The missing-value policies that acted on this data; null when there was nothing to act on. */
export function missingValuesSection(report: EvalReport, mode: Mode): string | null {
  const m = report.missingValues;
  if (!m) return null;
  const lines = missingLines(m);
  if (lines.length === 0) return null;
  if (mode === 'markdown')
    return `<details><summary>Missing values (${lines.length})</summary>\n\n${lines.map((l) => `- ${mdText(l)}`).join('\n')}\n</details>\n`;
  return `<h2>Missing values</h2><ul>${lines.map((l) => `<li>${html(l)}</li>`).join('')}</ul>`;
}

/** Most classes given their own importance columns (the JSON report keeps them all). */
const IMPORTANCE_CLASSES = 6;

/** multiclass: extra feature-importance columns, "|SHAP| / Δ recall" per class. */
export function perClassImportanceHeaders(report: EvalReport): string[] {
  const first = report.explanations.find((e) => e.perClass && e.perClass.length > 0);
  return (first?.perClass ?? []).slice(0, IMPORTANCE_CLASSES).map((c) => `${c.label}: |SHAP| / Δ recall`);
}

export function perClassImportanceCells(e: FeatureImportance): string[] {
  return (e.perClass ?? [])
    .slice(0, IMPORTANCE_CLASSES)
    .map((c) => `${num(c.meanAbsShap)} / ${num(c.permutation)}`);
}
