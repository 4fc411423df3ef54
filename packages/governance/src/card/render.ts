/** Renders a ModelCard as MODEL_CARD.md (Hugging Face front matter + Markdown) and Model Card Toolkit JSON. */
import { mdCode, mdTable, mdText } from '@slipway/core/base';
import { stringify } from 'yaml';
import type { CardMetric, ModelCard } from './build.js';
import { taskEvaluationLines, unlabelledLines } from './render-task.js';

const PIPELINE_TAG: Record<ModelCard['task'], string> = {
  binary: 'tabular-classification',
  multiclass: 'tabular-classification',
  regression: 'tabular-regression',
};

const fmt = (v: number | null | undefined, digits = 4): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : Number(v.toFixed(digits)).toString();

/** Hugging Face model card metadata (the YAML front matter). */
export function huggingFaceMetadata(card: ModelCard): Record<string, unknown> {
  const meta: Record<string, unknown> = {};
  if (card.license) meta.license = card.license;
  meta.pipeline_tag = PIPELINE_TAG[card.task];
  meta.tags = [...new Set(['slipway', 'tfjs', 'tabular', ...card.tags])];
  const datasets = [...new Set(card.training.datasets.map((d) => d.path))];
  if (card.evaluation && !datasets.includes(card.evaluation.dataset.path))
    datasets.push(card.evaluation.dataset.path);
  if (datasets.length > 0) meta.datasets = datasets;
  if (card.evaluation && card.evaluation.metrics.length > 0) {
    meta.metrics = card.evaluation.metrics.map((m) => m.name);
    meta['model-index'] = [
      {
        name: card.name,
        results: [
          {
            task: {
              type: PIPELINE_TAG[card.task],
              name: card.task === 'regression' ? 'Tabular regression' : 'Tabular classification',
            },
            dataset: {
              type: card.evaluation.dataset.path,
              name: `${card.name} evaluation split (${card.evaluation.dataset.rows} rows)`,
              split: 'eval',
              ...(card.evaluation.dataset.md5 ? { revision: card.evaluation.dataset.md5 } : {}),
            },
            metrics: card.evaluation.metrics.map((m) => ({
              type: m.name,
              value: Number(m.value.toFixed(6)),
              name: metricLabel(m),
              verified: false,
            })),
          },
        ],
      },
    ];
  }
  return meta;
}

function metricLabel(m: CardMetric): string {
  if (!m.ci) return m.name;
  return `${m.name} (${Math.round(m.ci.confidence * 100)}% CI ${fmt(m.ci.low)}–${fmt(m.ci.high)})`;
}

function list(items: string[], empty: string): string {
  return items.length > 0 ? items.map((i) => `- ${i}`).join('\n') : empty;
}

const MISSING = '_Not provided._';

function missingNote(card: ModelCard, field: string): string {
  const m = card.missing.find((x) => x.field === field);
  return m ? `_Missing: set ${m.source}._` : MISSING;
}

/** The origin when it is a URL (https://…, git@host:…); a local path would show this machine's layout. */
function remoteUrlOf(url: string | null): string | null {
  return url && /^(?:[a-z][a-z0-9+.-]*:\/\/|[\w.-]+@[\w.-]+:)/i.test(url) && !url.startsWith('file:')
    ? url
    : null;
}

const count = (n: number | undefined | null) => (typeof n === 'number' ? n.toLocaleString('en-US') : '—');

/** What the training rows and the profile are: the whole file, or a seeded sample of it. */
function samplingLines(card: ModelCard): string[] {
  const p = card.training.profile;
  const train = card.training.datasets.find((d) => d.name === 'train');
  const maxRows = card.training.params['training.maxRows'];
  if (p.rows === null) return [`- Rows profiled: ${missingNote(card, 'training rows')}`];
  if (train?.fileRows === undefined)
    return [
      `- Rows profiled (the rows training read; this package's lineage does not record the file's total): ${count(p.rows)}`,
    ];
  const read = (train.rows ?? 0) + (train.unlabelledRows ?? 0);
  if (train.fileRows > read)
    return [
      `- Sampled: training read a seeded sample of ${count(read)} of the ${count(train.fileRows)} rows in ${mdCode(train.path)} (training.maxRows ${typeof maxRows === 'number' ? count(maxRows) : '?'}, seed ${card.training.seed}); the profile below describes those ${count(p.rows)} rows, not the whole file.`,
    ];
  return [`- Rows in the training file: ${count(train.fileRows)}, all read; profiled: ${count(p.rows)}`];
}

function hyperParameterLines(card: ModelCard): string[] {
  const entries = Object.entries(card.training.params).filter(([k]) => k !== 'features');
  if (entries.length === 0) return [];
  return [
    `Hyper-parameters (${card.family === 'gbdt' ? 'gradient-boosted trees' : card.family === 'tfjs' ? 'tfjs layers' : 'from the lineage'}):`,
    '',
    mdTable(
      ['parameter', 'value'],
      entries.map(([k, v]) => [mdCode(k), v === null ? '—' : mdText(String(v))]),
    ),
    '',
  ];
}

export function renderModelCardMarkdown(card: ModelCard): string {
  const out: string[] = [];
  out.push(`---\n${stringify(huggingFaceMetadata(card), { lineWidth: 0 })}---`, '');
  out.push(`# Model card: ${mdText(card.name)}${card.version ? ` v${mdText(card.version)}` : ''}`, '');
  out.push(card.description ?? missingNote(card, 'description'), '');

  out.push('## Model details', '');
  out.push(
    [
      `| | |`,
      `| --- | --- |`,
      `| Name | ${mdCode(card.name)} |`,
      `| Registry version | ${card.version ?? '_not registered_'} |`,
      `| Aliases | ${card.aliases.length > 0 ? card.aliases.map((a) => `${mdCode(a)}`).join(', ') : 'none'} |`,
      `| Task | ${card.task}${card.classes ? ` (classes ${card.classes.map((c) => mdText(String(c))).join(', ')})` : ''}${card.threshold !== null ? `, decision threshold ${card.threshold}` : ''} |`,
      `| Architecture | ${card.architecture ? mdText(card.architecture) : missingNote(card, 'architecture')} |`,
      `| Inputs | ${card.inputs.map((i) => `${mdCode(i.name)} (${i.kind})`).join(', ')} |`,
      `| Label | ${mdCode(card.label)} |`,
      `| Package hash | ${mdCode(card.packageHash)} |`,
      `| License | ${card.license ?? '_missing_'} |`,
      `| Owners | ${card.owners.length > 0 ? card.owners.map(mdText).join(', ') : '_missing_'} |`,
      `| Trained by | ${card.lineage.actor ? mdText(card.lineage.actor) : '_unknown_'} |`,
      `| Card generated | ${card.generatedAt} |`,
    ].join('\n'),
    '',
  );

  out.push('## Intended use', '');
  out.push(card.intendedUse ?? missingNote(card, 'intended use'), '');
  out.push('### Out-of-scope use', '');
  out.push(list(card.outOfScope, missingNote(card, 'out-of-scope use')), '');

  out.push('## Training data', '');
  const ds = card.training.datasets;
  if (ds.length > 0) {
    out.push('| role | path | md5 | rows in file | rows used |', '| --- | --- | --- | ---: | ---: |');
    for (const d of ds) {
      const evalRows =
        card.evaluation && card.evaluation.dataset.md5 === d.md5 ? card.evaluation.dataset.rows : undefined;
      out.push(
        `| ${mdText(d.name)} | ${mdCode(d.path)} | ${mdCode(d.md5)} | ${count(d.fileRows)} | ${count(d.rows ?? evalRows)} |`,
      );
    }
    out.push('', ...unlabelledLines(ds));
  } else out.push('_No datasets recorded in lineage.json._', '');
  const p = card.training.profile;
  out.push(
    ...samplingLines(card),
    `- Time range: ${p.timeRange ? `${p.timeRange.from} – ${p.timeRange.to} (column ${mdCode(p.timeRange.column)})` : missingNote(card, 'training time range')}`,
    `- Training: backend ${card.training.backend}, seed ${card.training.seed}, ${card.training.startedAt} – ${card.training.endedAt}`,
    '',
    ...hyperParameterLines(card),
  );
  if (p.columns.length > 0) {
    out.push(
      'Profile summary:',
      '',
      '| column | kind | missing | distinct | min | max | mean |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const c of p.columns) {
      const b = (v: number | string | null) =>
        v === null ? '—' : typeof v === 'number' ? fmt(v) : mdText(v);
      out.push(
        `| ${mdCode(c.name)} | ${c.kind ?? '—'} | ${c.missing ?? '—'} | ${c.distinct ?? '—'} | ${b(c.min)} | ${b(c.max)} | ${fmt(c.mean)} |`,
      );
    }
    out.push('');
  } else out.push(missingNote(card, 'training data profile'), '');

  out.push('## Evaluation', '');
  const e = card.evaluation;
  if (!e) out.push(missingNote(card, 'evaluation'), '');
  else {
    out.push(
      `Verdict: **${e.verdict.toUpperCase()}** on ${mdCode(e.dataset.path)} (${e.dataset.rows} rows${e.dataset.md5 ? `, md5 ${mdCode(e.dataset.md5)}` : ''}), ` +
        (e.baseline
          ? `compared with ${mdCode(e.baseline.name)} v${e.baseline.version ?? '?'}${e.baseline.alias ? ` (${mdText(e.baseline.alias)})` : ''}.`
          : 'first model: no baseline, absolute thresholds only.'),
      '',
    );
    const conf = e.bootstrap ? `${Math.round(e.bootstrap.confidence * 100)}% CI` : 'CI';
    out.push(`| metric | value | ${conf} | baseline | Δ |`, '| --- | ---: | --- | ---: | ---: |');
    for (const m of e.metrics) {
      out.push(
        `| ${m.name}${m.greaterIsBetter ? ' ↑' : ' ↓'} | ${fmt(m.value)} | ${m.ci ? `${fmt(m.ci.low)} – ${fmt(m.ci.high)}` : '—'} | ${fmt(m.baseline)} | ${m.delta === null ? '—' : (m.delta >= 0 ? '+' : '') + fmt(m.delta)} |`,
      );
    }
    if (e.bootstrap)
      out.push(
        '',
        `Intervals: percentile bootstrap, ${e.bootstrap.resamples} resamples, seed ${e.bootstrap.seed}.`,
      );
    const op = e.operatingPoints;
    if (op) {
      const pt = (x: { threshold: number; precision: number; recall: number; f1: number }) =>
        `threshold ${fmt(x.threshold)}: precision ${fmt(x.precision)}, recall ${fmt(x.recall)}, F1 ${fmt(x.f1)}`;
      out.push('', `Operating points (decision threshold in use: ${fmt(op.threshold)}):`);
      if (op.maxF1) out.push(`- best F1 at ${pt(op.maxF1)}`);
      if (op.forPrecision) out.push(`- precision ≥ ${fmt(op.forPrecision.target)} at ${pt(op.forPrecision)}`);
      if (op.forRecall) out.push(`- recall ≥ ${fmt(op.forRecall.target)} at ${pt(op.forRecall)}`);
    }
    out.push(...taskEvaluationLines(e));
    if (e.warnings.length > 0)
      out.push('', '**Warnings from the evaluation:**', ...e.warnings.map((w) => `- ⚠️ ${mdText(w)}`));
    if (e.notes.length > 0)
      out.push('', 'Notes from the evaluation:', ...e.notes.map((n) => `- ${mdText(n)}`));
    out.push('', '### Gates', '');
    if (e.gates.length === 0) out.push('_No gates configured._');
    for (const gr of e.gates)
      out.push(`- ${gr.passed ? '✅' : '❌'} ${mdCode(gr.metric)} ${gr.rule}: ${mdText(gr.reason)}`);
    out.push('', '### Slices', '');
    if (e.worstSlices.length === 0) out.push(missingNote(card, 'slice metrics'));
    else {
      const names = [...new Set(e.worstSlices.flatMap((s) => Object.keys(s.metrics)))].slice(0, 4);
      out.push(`Worst ${e.worstSlices.length} of ${e.sliceCount} slices:`, '');
      out.push(
        `| slice | support | ${names.join(' | ')} |`,
        `| --- | ---: | ${names.map(() => '---:').join(' | ')} |`,
      );
      for (const s of e.worstSlices)
        out.push(
          `| ${mdText(s.slice)} | ${s.support} | ${names.map((n) => fmt(s.metrics[n] ?? null)).join(' | ')} |`,
        );
    }
    out.push('', '### Fairness', '');
    if (!e.fairness) out.push(missingNote(card, 'fairness analysis'));
    else {
      const f = e.fairness;
      out.push(
        `Sensitive attribute ${mdCode(f.sensitive)}: demographic parity difference ${fmt(f.demographicParityDifference)}, equalized odds difference ${fmt(f.equalizedOddsDifference)}.`,
        '',
        '| group | support | selection rate | TPR | FPR |',
        '| --- | ---: | ---: | ---: | ---: |',
        ...f.groups.map(
          (gr) =>
            `| ${mdText(gr.group)} | ${gr.support} | ${fmt(gr.selectionRate)} | ${fmt(gr.tpr)} | ${fmt(gr.fpr)} |`,
        ),
      );
    }
    out.push('');
  }

  out.push('## Top features', '');
  if (card.topFeatures.length === 0) out.push(missingNote(card, 'top features'), '');
  else {
    out.push('| feature | mean abs SHAP | permutation importance |', '| --- | ---: | ---: |');
    for (const f of card.topFeatures)
      out.push(`| ${mdCode(f.feature)} | ${fmt(f.meanAbsShap)} | ${fmt(f.permutation)} |`);
    out.push('');
  }

  out.push('## Limitations', '', list(card.limitations, missingNote(card, 'limitations')), '');
  out.push(
    '## Ethical considerations',
    '',
    list(card.ethicalConsiderations, missingNote(card, 'ethical considerations')),
    '',
  );
  out.push('## Risk category (EU AI Act)', '');
  out.push(
    card.riskCategory
      ? `**${card.riskCategory.term}** (declared in the project config as ${mdCode(card.riskCategory.level)}). ${card.riskCategory.note} This is the provider's declaration, not a legal assessment.`
      : missingNote(card, 'risk category (EU AI Act)'),
    '',
  );

  out.push('## Lineage', '');
  const l = card.lineage;
  out.push(
    `- Data: ${l.datasets.map((d) => `${mdText(d.name)} ${mdCode(d.md5)}`).join(', ') || '—'}`,
    `- Code: ${l.code.commit ? `${mdCode(l.code.commit)}${l.code.branch ? ` on ${mdCode(l.code.branch)}` : ''}${l.code.dirty ? ' (uncommitted changes)' : ''}` : '_no commit recorded_'}${remoteUrlOf(l.code.remoteUrl) ? ` (${mdText(remoteUrlOf(l.code.remoteUrl)!)})` : ''}`,
    `- Config: ${mdCode(l.configHash)} (file ${mdCode(l.configFileHash)})`,
    `- Run: ${l.runId ?? '—'}${l.ci?.runUrl ? ` ([CI run](${l.ci.runUrl}))` : ''}`,
    `- Package: ${mdCode(card.packageHash)}`,
    `- Registry: ${card.version ? `${card.name} v${card.version}` : '_not registered_'}`,
    `- Parent model: ${l.parent ? `${l.parent.name} v${l.parent.version}` : 'none'}`,
    `- Slipway ${l.slipwayVersion}`,
    '',
  );

  out.push('## Approvals and promotions', '');
  if (card.approvals.length === 0 && card.promotions.length === 0)
    out.push('_None recorded in the audit log yet._');
  for (const a of card.approvals) out.push(`- Approved ${mdCode(a.action)} by ${mdText(a.actor)} at ${a.at}`);
  for (const pr of card.promotions)
    out.push(
      `- Promoted to ${mdCode(pr.alias)} by ${mdText(pr.actor)} at ${pr.at}${pr.previousVersion ? ` (replacing v${pr.previousVersion})` : ''}`,
    );
  out.push('');

  out.push('## Missing information', '');
  out.push(
    card.missing.length === 0
      ? 'Nothing: every section has a source.'
      : card.missing.map((m) => `- **${m.field}**: ${m.source}`).join('\n'),
    '',
  );
  return out.join('\n');
}

/** Model Card Toolkit JSON (schema v0.0.2): only its fields, with values as its schema types them. */
export function modelCardToolkitJson(card: ModelCard): Record<string, unknown> {
  const details: Record<string, unknown> = { name: card.name };
  if (card.description) details.overview = card.description;
  if (card.owners.length > 0) details.owners = card.owners.map((name) => ({ name }));
  if (card.version) details.version = { name: card.version, date: card.generatedAt.slice(0, 10) };
  if (card.license) details.licenses = [{ identifier: card.license }];
  details.path = card.packageHash;
  const origin = remoteUrlOf(card.lineage.code.remoteUrl);
  if (origin) details.references = [{ reference: origin }];

  const data = card.training.datasets.map((d) => ({
    name: `${d.name}: ${d.path}`,
    description: `md5 ${d.md5}${d.rows !== undefined ? `, ${d.rows} rows` : ''}`,
  }));
  if (card.evaluation && !card.training.datasets.some((d) => d.md5 === card.evaluation!.dataset.md5)) {
    data.push({
      name: `eval: ${card.evaluation.dataset.path}`,
      description: `${card.evaluation.dataset.md5 ? `md5 ${card.evaluation.dataset.md5}, ` : ''}${card.evaluation.dataset.rows} rows`,
    });
  }
  const parameters: Record<string, unknown> = {
    ...(card.architecture ? { model_architecture: card.architecture } : {}),
    data,
    input_format: card.inputs.map((i) => `${i.name}: ${i.kind}`).join(', '),
    output_format:
      card.task === 'binary'
        ? `probability of class ${String(card.classes?.[1] ?? 1)} (decision threshold ${card.threshold ?? 0.5})`
        : card.task === 'multiclass'
          ? `class probabilities over ${card.classes?.map(String).join(', ') ?? 'the classes'}`
          : `predicted ${card.label}`,
  };

  const metrics: {
    type: string;
    value: string;
    slice?: string;
    confidence_interval?: { lower_bound: string; upper_bound: string };
  }[] = [];
  for (const m of card.evaluation?.metrics ?? []) {
    metrics.push({
      type: m.name,
      value: String(m.value),
      ...(m.ci
        ? { confidence_interval: { lower_bound: String(m.ci.low), upper_bound: String(m.ci.high) } }
        : {}),
    });
  }
  for (const c of card.evaluation?.perClass ?? []) {
    for (const [name, v] of [
      ['precision', c.precision],
      ['recall', c.recall],
      ['f1', c.f1],
    ] as const) {
      if (v === null) continue;
      const ci = name === 'recall' ? c.recallCi : null;
      metrics.push({
        type: name,
        value: String(v),
        slice: `class = ${c.label}`,
        ...(ci ? { confidence_interval: { lower_bound: String(ci.low), upper_bound: String(ci.high) } } : {}),
      });
    }
  }
  for (const s of card.evaluation?.worstSlices ?? []) {
    for (const [name, v] of Object.entries(s.metrics)) {
      if (v !== null) metrics.push({ type: name, value: String(v), slice: s.slice });
    }
  }

  const considerations: Record<string, unknown> = {};
  if (card.intendedUse) considerations.use_cases = [{ description: card.intendedUse }];
  if (card.outOfScope.length > 0 || card.limitations.length > 0) {
    considerations.limitations = [
      ...card.limitations.map((description) => ({ description })),
      ...card.outOfScope.map((o) => ({ description: `Out of scope: ${o}` })),
    ];
  }
  if (card.ethicalConsiderations.length > 0 || card.riskCategory) {
    considerations.ethical_considerations = [
      ...card.ethicalConsiderations.map((name) => ({ name })),
      ...(card.riskCategory
        ? [
            {
              name: `EU AI Act risk category: ${card.riskCategory.term}`,
              mitigation_strategy: card.riskCategory.note,
            },
          ]
        : []),
    ];
  }
  if (card.evaluation?.baseline) {
    considerations.tradeoffs = card.evaluation.metrics
      .filter((m) => m.delta !== null)
      .map((m) => ({
        description: `${m.name} ${m.delta! >= 0 ? '+' : ''}${fmt(m.delta)} vs ${card.evaluation!.baseline!.name} v${card.evaluation!.baseline!.version ?? '?'}`,
      }));
  }

  return {
    schema_version: '0.0.2',
    model_details: details,
    model_parameters: parameters,
    quantitative_analysis: { performance_metrics: metrics },
    considerations,
  };
}
