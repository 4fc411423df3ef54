/**
 * The PR comment: verdict first, then failed gates with the rule, the metrics table (candidate vs
 * baseline, Δ and intervals), worst slices, drift, a Mermaid chart GitHub renders, and details in
 * <details>. Never longer than `maxChars` (GitHub's comment limit is 65,536): sections are added in
 * priority order and the ones that do not fit are cut or named as omitted; the verdict and the gates
 * always stay.
 */
import { htmlText, mdCode, mdText, mermaidLabel } from '@slipway/core/base';
import { bootstrapFloor, interval, num, pValue, RULE_TEXT, rocOnGrid, signed } from './format.js';
import {
  missingValuesSection,
  perClassImportanceCells,
  perClassImportanceHeaders,
  perClassSection,
  residualsSection,
} from './task-sections.js';
import type { EvalReport } from './types.js';

export interface MarkdownOptions {
  maxChars?: number;
  title?: string;
}

export const GITHUB_COMMENT_LIMIT = 65_536;

/** A table that stops adding rows before `budget` characters, saying how many rows were left out. */
function table(header: string[], rows: string[][], budget = Number.POSITIVE_INFINITY, what = 'rows'): string {
  const head = `| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|\n`;
  let out = head;
  for (let i = 0; i < rows.length; i++) {
    const line = `| ${(rows[i] as string[]).join(' | ')} |\n`;
    const more = `\n_… ${rows.length - i} more ${what} in the full report._\n`;
    if (out.length + line.length + more.length > budget) return out + more;
    out += line;
  }
  return out;
}

/** A collapsed section; `summary` is HTML (escape data in it with htmlText). */
function details(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n${body}\n</details>\n`;
}

function mermaidChart(report: EvalReport): string | null {
  const roc = report.curves.roc;
  if (report.task === 'binary' && roc) {
    const grid = rocOnGrid(roc);
    const diagonal = grid.map((_, i) => Math.round((i / (grid.length - 1)) * 1000) / 1000);
    return [
      '```mermaid',
      'xychart-beta',
      '  title "ROC curve (candidate)"',
      '  x-axis "False positive rate" 0 --> 1',
      '  y-axis "True positive rate" 0 --> 1',
      `  line [${grid.join(', ')}]`,
      `  line [${diagonal.join(', ')}]`,
      '```',
    ].join('\n');
  }
  const metric = report.primaryMetric;
  const overall = report.metrics.find((m) => m.name === metric)?.candidate;
  const bars = [
    ['all rows', overall],
    ...report.worstSlices.map((s) => [s.slice, s.metrics[metric]] as const),
  ].filter((b): b is [string, number] => typeof b[1] === 'number');
  if (bars.length < 2) return null;
  return [
    '```mermaid',
    'xychart-beta',
    `  title ${mermaidLabel(`${metric}: all rows and worst slices`, 80)}`,
    `  x-axis [${bars.map((b) => mermaidLabel(b[0])).join(', ')}]`,
    `  y-axis ${mermaidLabel(metric)}`,
    `  bar [${bars.map((b) => Number(b[1].toPrecision(4))).join(', ')}]`,
    '```',
  ].join('\n');
}

export function renderMarkdown(report: EvalReport, options: MarkdownOptions = {}): string {
  const max = options.maxChars ?? GITHUB_COMMENT_LIMIT;
  const pass = report.verdict === 'pass';
  const failed = report.gates.filter((g) => !g.passed);
  const baselineName = report.baseline
    ? `${report.baseline.name}${report.baseline.version ? ` v${report.baseline.version}` : ''}${report.baseline.alias ? ` (@${report.baseline.alias})` : ''}`
    : null;
  const candidateName = `${report.candidate.name}${report.candidate.version ? ` v${report.candidate.version}` : ''}`;
  const title = options.title ?? 'Slipway evaluation';

  // 1. Always kept: verdict and gates.
  let head = `## ${pass ? '✅' : '❌'} ${mdText(title)}: **${pass ? 'PASS' : 'FAIL'}**\n\n`;
  head += `**${mdText(candidateName)}** ${baselineName ? `vs **${mdText(baselineName)}**` : '(no baseline)'} on ${mdCode(report.dataset.path)} (${report.dataset.rows.toLocaleString('en-US')} rows) — ${report.gates.length - failed.length}/${report.gates.length} gates passed.\n\n`;
  if (report.firstRun) {
    head += '> [!NOTE]\n> First run: there is no baseline, so only absolute thresholds were applied.\n\n';
  }
  const warnings = report.warnings ?? [];
  if (warnings.length > 0) {
    head += `> [!WARNING]\n${warnings.map((w) => `> - ${mdText(w)}`).join('\n')}\n\n`;
  }
  const gateRows = (list: typeof report.gates) =>
    list.map((g) => [
      g.passed ? '✅' : '❌',
      mdCode(g.metric),
      mdText(RULE_TEXT[g.rule] ?? g.rule),
      num(g.candidate),
      num(g.baseline),
      mdText(g.reason),
    ]);
  const footerReserve = 400;
  if (failed.length > 0) {
    head += '### Failed gates\n\n';
    head += table(
      ['', 'Metric', 'Rule', 'Candidate', 'Baseline', 'Why'],
      gateRows(failed),
      max - head.length - footerReserve,
      'failed gates',
    );
    head += '\n';
  }
  const sections: string[] = [];
  // 2. Metrics table.
  const metricRows = report.metrics.map((m) => [
    `${mdCode(m.name)}${m.greaterIsBetter ? ' ↑' : ' ↓'}`,
    `${num(m.candidate)}${m.ci ? ` ${interval(m.ci)}` : ''}`,
    num(m.baseline),
    m.delta === null ? '—' : `${signed(m.delta)}${m.deltaCi ? ` ${interval(m.deltaCi)}` : ''}`,
    pValue(m.pValue, report.bootstrap.resamples),
  ]);
  const conf = Math.round(report.bootstrap.confidence * 100);
  sections.push(
    `### Metrics\n\n${table(['Metric', `Candidate [${conf}% CI]`, 'Baseline', `Δ [${conf}% CI]`, 'p'], metricRows)}\n_Intervals: ${report.bootstrap.resamples} bootstrap resamples (seed ${report.bootstrap.seed}); Δ and p from the paired bootstrap on the same rows; p ≤ ${Number(bootstrapFloor(report.bootstrap.resamples).toPrecision(3))} is the smallest p ${report.bootstrap.resamples} resamples can show (a bound, not an estimate)._\n`,
  );
  const notes = report.notes.filter((n) => !n.startsWith('First run'));
  if (notes.length > 0) sections.push(`${notes.map((n) => `> ${mdText(n)}`).join('\n>\n')}\n`);
  // Task-specific: per-class metrics (multiclass), residuals (regression).
  for (const s of [perClassSection(report, 'markdown'), residualsSection(report, 'markdown')])
    if (s) sections.push(s);
  // 3. Worst slices.
  if (report.worstSlices.length > 0) {
    const metric = report.primaryMetric;
    const overall = report.metrics.find((m) => m.name === metric)?.candidate ?? null;
    sections.push(
      `### Worst slices by ${mdCode(metric)}\n\n${table(
        ['Slice', 'Support', mdText(metric), `vs all rows (${num(overall)})`],
        report.worstSlices.map((s) => [
          mdText(s.slice),
          s.support.toLocaleString('en-US'),
          num(s.metrics[metric]),
          overall === null || s.metrics[metric] == null
            ? '—'
            : signed((s.metrics[metric] as number) - overall),
        ]),
      )}`,
    );
  }
  // 4. Drift.
  if (report.drift) {
    const d = report.drift;
    const drifted = d.columns.filter((c) => c.drifted);
    sections.push(
      `### Data drift: ${d.drifted ? '⚠️ drift detected' : 'no drift'}\n\n${drifted.length} of ${d.columns.length} columns drifted (share ${num(d.share, 2)}).\n\n${
        drifted.length > 0
          ? table(
              ['Column', 'Method', 'Statistic', 'Threshold'],
              drifted.map((c) => [mdText(c.column), mdText(c.method), num(c.statistic), num(c.threshold)]),
              6000,
              'drifted columns',
            )
          : ''
      }`,
    );
  }
  // 5. Chart.
  const chart = mermaidChart(report);
  if (chart) sections.push(`${chart}\n`);
  // 6. Details.
  if (report.gates.length > 0)
    sections.push(
      details(
        `All gates (${report.gates.length})`,
        table(
          ['', 'Metric', 'Rule', 'Candidate', 'Baseline', 'Why'],
          gateRows(report.gates),
          20_000,
          'gates',
        ),
      ),
    );
  if (report.confusion) {
    const c = report.confusion;
    sections.push(
      details(
        `Confusion matrix${report.operatingPoints ? ` at threshold ${num(report.operatingPoints.threshold)}` : ''}`,
        table(
          ['truth \\ predicted', ...c.labels.map(mdText)],
          c.matrix.map((row, i) => [`**${mdText(c.labels[i] ?? String(i))}**`, ...row.map((v) => String(v))]),
          10_000,
        ),
      ),
    );
  }
  const missing = missingValuesSection(report, 'markdown');
  if (missing) sections.push(missing);
  if (report.operatingPoints || report.mcnemar) {
    const lines: string[] = [];
    const op = report.operatingPoints;
    if (op?.maxF1)
      lines.push(
        `- Max F1: threshold ${num(op.maxF1.threshold)} → F1 ${num(op.maxF1.f1)} (precision ${num(op.maxF1.precision)}, recall ${num(op.maxF1.recall)})`,
      );
    if (op?.forPrecision)
      lines.push(
        `- Precision ≥ ${op.forPrecision.target}: threshold ${num(op.forPrecision.threshold)} → recall ${num(op.forPrecision.recall)}`,
      );
    if (op?.forRecall)
      lines.push(
        `- Recall ≥ ${op.forRecall.target}: threshold ${num(op.forRecall.threshold)} → precision ${num(op.forRecall.precision)}`,
      );
    if (report.mcnemar)
      lines.push(
        `- McNemar (accuracy): candidate-only correct ${report.mcnemar.b}, baseline-only correct ${report.mcnemar.c}, exact p ${report.mcnemar.pValue < 0.001 ? '< 0.001' : `= ${report.mcnemar.pValue.toFixed(3)}`}`,
      );
    if (lines.length > 0) sections.push(details('Operating points and tests', lines.join('\n')));
  }
  if (report.slices.length > 0 || report.skippedSlices.length > 0) {
    const names = [...new Set(report.slices.flatMap((s) => Object.keys(s.metrics)))].slice(0, 6);
    let body = table(
      ['Slice', 'Support', ...names.map(mdText)],
      report.slices.map((s) => [mdText(s.slice), String(s.support), ...names.map((n) => num(s.metrics[n]))]),
      15_000,
      'slices',
    );
    if (report.skippedSlices.length > 0) {
      body += `\nSkipped: ${report.skippedSlices
        .slice(0, 30)
        .map((s) => `${mdText(s.slice)} (${mdText(s.reason)})`)
        .join(
          '; ',
        )}${report.skippedSlices.length > 30 ? ` … ${report.skippedSlices.length - 30} more` : ''}\n`;
    }
    sections.push(details(`Slices (${report.slices.length})`, body));
  }
  if (report.fairness) {
    const f = report.fairness;
    sections.push(
      details(
        `Fairness over <code>${htmlText(f.sensitive)}</code>: demographic parity difference ${num(f.demographicParityDifference)}, equalized odds difference ${num(f.equalizedOddsDifference)}`,
        table(
          ['Group', 'Support', 'Selection rate', 'TPR', 'FPR'],
          f.groups.map((g) => [
            mdText(g.group),
            String(g.support),
            num(g.selectionRate),
            num(g.tpr),
            num(g.fpr),
          ]),
          8000,
          'groups',
        ),
      ),
    );
  }
  if (report.explanations.length > 0) {
    sections.push(
      details(
        'Feature importance',
        table(
          [
            'Feature',
            'Permutation importance',
            mdText('Mean |SHAP|'),
            ...perClassImportanceHeaders(report).map(mdText),
          ],
          report.explanations.map((e) => [
            mdText(e.feature),
            num(e.permutation),
            num(e.meanAbsShap),
            ...perClassImportanceCells(e).map((c) => mdText(c)),
          ]),
          8000,
          'features',
        ),
      ),
    );
  }
  let footer = '';
  const links = report.links;
  if (links?.htmlReport || links?.modelCard || links?.run) {
    footer += `\n${[
      links.htmlReport ? `[Full HTML report](${links.htmlReport})` : null,
      links.modelCard ? `[Model card](${links.modelCard})` : null,
      links.run ? `[Run](${links.run})` : null,
    ]
      .filter(Boolean)
      .join(' · ')}\n`;
  }
  footer += `\n<sub>slipway eval · ${report.schema} · ${report.createdAt} · candidate ${report.candidate.packageHash.slice(0, 12)}</sub>\n`;

  let out = head;
  const omitted: string[] = [];
  for (const s of sections) {
    const title = s.match(/^(?:### |<details><summary>)([^\n<]*)/)?.[1] ?? 'section';
    if (out.length + s.length + 1 + footer.length + 300 <= max) out += `${s}\n`;
    else omitted.push(title.trim());
  }
  if (omitted.length > 0) {
    out += `_Omitted to stay under ${max.toLocaleString('en-US')} characters: ${mdText(omitted.join(', ').slice(0, 200))}. See the full report._\n`;
  }
  out += footer;
  if (out.length > max) {
    // Only a pathological head (thousands of failed gates) gets here: keep its start, which is the verdict.
    const note = '\n\n_… truncated; see the full report._\n';
    out = out.slice(0, max - note.length) + note;
  }
  return out;
}
