/**
 * The model card as data: one structure from which the Hugging Face front matter, the Markdown body and
 * the Model Card Toolkit JSON are all rendered, so the three never disagree. Nothing is invented: a fact
 * the config, package, eval report or registry does not give is recorded in `missing`.
 */
import { isAbsolute, relative, sep } from 'node:path';
import type { Lineage, SlipwayConfig } from '@slipway/core';
import type { EvalReport } from '@slipway/eval';
import type { Signature } from '@slipway/training';
import type { PackageModel } from './architecture.js';
import { type ProfileSummary, summarizeProfile } from './profile.js';

export const MODEL_CARD_SCHEMA = 'slipway.model-card/v1';

export interface CardApproval {
  actor: string;
  at: string;
  /** What was approved, e.g. `promote:champion`. */
  action: string;
}

export interface CardPromotion {
  alias: string;
  actor: string;
  at: string;
  previousVersion: string | null;
}

export interface CardInput {
  config: SlipwayConfig;
  model: {
    name: string;
    /** Registry version, or null for a package not yet registered. */
    version: string | null;
    aliases?: string[];
  };
  packageHash: string;
  packageCreatedAt?: string | null;
  signature: Signature;
  lineage: Lineage;
  profile: unknown;
  /** The model as the package's own files describe it (readPackageFacts); null: the card says it is missing. */
  packageModel: PackageModel | null;
  evalReport: EvalReport | null;
  approvals?: CardApproval[];
  promotions?: CardPromotion[];
  /** The project root: absolute dataset paths inside it are shown relative to it. */
  projectRoot?: string | null;
  /** When the card is generated (defaults to now). */
  now?: Date;
}

export const EU_AI_ACT_TERMS: Record<string, { term: string; note: string }> = {
  minimal: {
    term: 'minimal risk',
    note: 'No obligations beyond existing law under Regulation (EU) 2024/1689; voluntary codes of conduct apply.',
  },
  limited: {
    term: 'limited risk (transparency obligations)',
    note: 'Transparency obligations under Article 50 of Regulation (EU) 2024/1689 apply.',
  },
  high: {
    term: 'high-risk AI system',
    note: 'Articles 8–15 apply: risk management (Art. 9), data governance (Art. 10), technical documentation per Annex IV (Art. 11), record-keeping (Art. 12), human oversight (Art. 14).',
  },
  unacceptable: {
    term: 'prohibited AI practice (Article 5)',
    note: 'A prohibited practice under Article 5 of Regulation (EU) 2024/1689 may not be placed on the market or put into service.',
  },
};

export interface CardMetric {
  name: string;
  value: number;
  ci: { low: number; high: number; confidence: number } | null;
  baseline: number | null;
  delta: number | null;
  greaterIsBetter: boolean;
}

export interface ModelCard {
  schema: typeof MODEL_CARD_SCHEMA;
  generatedAt: string;
  name: string;
  version: string | null;
  description: string | null;
  owners: string[];
  license: string | null;
  task: Signature['task'];
  /** From the package's model.json / trees.json, never from today's config; null when unreadable. */
  architecture: string | null;
  family: PackageModel['family'] | null;
  inputs: Signature['inputs'];
  label: string;
  classes: Signature['classes'];
  threshold: number | null;
  packageHash: string;
  aliases: string[];
  intendedUse: string | null;
  outOfScope: string[];
  limitations: string[];
  ethicalConsiderations: string[];
  tags: string[];
  riskCategory: { level: string; term: string; note: string } | null;
  training: {
    datasets: Lineage['datasets'];
    profile: ProfileSummary;
    /** The hyper-parameters of the package's model family (lineage params, trees.json's own for trees). */
    params: Lineage['params'];
    backend: string;
    seed: number;
    startedAt: string;
    endedAt: string;
  };
  evaluation: {
    verdict: 'pass' | 'fail';
    dataset: EvalReport['dataset'];
    baseline: EvalReport['baseline'];
    metrics: CardMetric[];
    gates: EvalReport['gates'];
    worstSlices: EvalReport['worstSlices'];
    sliceCount: number;
    fairness: EvalReport['fairness'];
    bootstrap: EvalReport['bootstrap'] | null;
    operatingPoints: EvalReport['operatingPoints'];
    /** multiclass: per-class support, precision, recall (with interval) and F1. */
    perClass: NonNullable<EvalReport['perClass']> | null;
    /** regression: the residual summary (truth − prediction). */
    residuals: NonNullable<EvalReport['residuals']>['summary'] | null;
    /** How nulls in the evaluation data were handled (label rows dropped, features imputed). */
    missingValues: EvalReport['missingValues'] | null;
    notes: string[];
    /** Significant regressions no gate checks, gates the evaluation set was too small to decide. */
    warnings: string[];
    createdAt: string;
  } | null;
  topFeatures: { feature: string; permutation: number | null; meanAbsShap: number | null }[];
  lineage: Lineage;
  approvals: CardApproval[];
  promotions: CardPromotion[];
  /** Facts the card would show but no source gave, each with where it should come from. */
  missing: { field: string; source: string }[];
}

/** The eval split as the lineage names it (same md5), else relative to the project when inside it. */
function datasetPath(d: { path: string; md5: string | null }, lineage: Lineage, root: string | null): string {
  const same = d.md5 ? lineage.datasets.find((x) => x.md5 === d.md5) : undefined;
  if (same) return same.path;
  if (root && isAbsolute(d.path)) {
    const rel = relative(root, d.path);
    if (!rel.startsWith('..') && !isAbsolute(rel)) return rel.split(sep).join('/');
  }
  return d.path;
}

export function buildModelCard(input: CardInput): ModelCard {
  const { config, lineage, signature, evalReport } = input;
  const g = config.governance.card;
  const missing: ModelCard['missing'] = [];
  const need = <T>(value: T | undefined | null, field: string, source: string): T | null => {
    if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
      missing.push({ field, source });
      return null;
    }
    return value;
  };

  const description = need(
    config.project.description,
    'description',
    'project.description in slipway.config.ts',
  );
  const owners = need(config.project.owners, 'owners', 'project.owners in slipway.config.ts') ?? [];
  const license = need(g.license, 'license', 'governance.card.license in slipway.config.ts');
  const intendedUse = need(g.intendedUse, 'intended use', 'governance.card.intendedUse in slipway.config.ts');
  const outOfScope =
    need(g.outOfScope, 'out-of-scope use', 'governance.card.outOfScope in slipway.config.ts') ?? [];
  const limitations =
    need(g.limitations, 'limitations', 'governance.card.limitations in slipway.config.ts') ?? [];
  const ethical =
    need(
      g.ethicalConsiderations,
      'ethical considerations',
      'governance.card.ethicalConsiderations in slipway.config.ts',
    ) ?? [];
  const risk = need(
    g.riskCategory,
    'risk category (EU AI Act)',
    'governance.card.riskCategory in slipway.config.ts',
  );
  if (input.model.version === null)
    missing.push({ field: 'registry version', source: 'register the package (slipway register)' });

  if (!input.packageModel)
    missing.push({ field: 'architecture', source: 'model.json or trees.json in the model package' });
  const profile = summarizeProfile(input.profile);
  if (profile.rows === null && lineage.datasets.every((d) => d.rows === undefined))
    missing.push({ field: 'training rows', source: 'profile.json or lineage.json datasets[].rows' });
  if (profile.timeRange === null)
    missing.push({ field: 'training time range', source: 'a timestamp column in the training profile' });
  if (profile.columns.length === 0)
    missing.push({ field: 'training data profile', source: 'profile.json in the model package' });
  if (lineage.code.commit === null)
    missing.push({ field: 'code commit', source: 'train inside a git repository' });

  let evaluation: ModelCard['evaluation'] = null;
  let topFeatures: ModelCard['topFeatures'] = [];
  if (!evalReport) {
    missing.push({ field: 'evaluation', source: 'slipway eval (the stored eval report of this version)' });
    missing.push({ field: 'top features', source: 'the explanations in the eval report' });
  } else {
    const metrics: CardMetric[] = evalReport.metrics
      .filter((m) => m.candidate !== null)
      .map((m) => ({
        name: m.name,
        value: m.candidate as number,
        ci: m.ci ? { low: m.ci.low, high: m.ci.high, confidence: m.ci.confidence } : null,
        baseline: m.baseline,
        delta: m.delta,
        greaterIsBetter: m.greaterIsBetter,
      }));
    evaluation = {
      verdict: evalReport.verdict,
      dataset: {
        ...evalReport.dataset,
        path: datasetPath(evalReport.dataset, lineage, input.projectRoot ?? null),
      },
      baseline: evalReport.baseline,
      metrics,
      gates: evalReport.gates,
      worstSlices: evalReport.worstSlices.slice(0, 5),
      sliceCount: evalReport.slices.length,
      fairness: evalReport.fairness,
      bootstrap: evalReport.bootstrap ?? null,
      operatingPoints: evalReport.operatingPoints ?? null,
      perClass: evalReport.perClass ?? null,
      residuals: evalReport.residuals?.summary ?? null,
      missingValues: evalReport.missingValues ?? null,
      notes: evalReport.notes ?? [],
      warnings: evalReport.warnings ?? [],
      createdAt: evalReport.createdAt,
    };
    if (evalReport.slices.length === 0)
      missing.push({ field: 'slice metrics', source: 'eval.slices in slipway.config.ts' });
    if (!evalReport.fairness)
      missing.push({ field: 'fairness analysis', source: 'eval.fairness.sensitive in slipway.config.ts' });
    topFeatures = [...evalReport.explanations]
      .sort((a, b) => (b.meanAbsShap ?? b.permutation ?? 0) - (a.meanAbsShap ?? a.permutation ?? 0))
      .slice(0, 10);
    if (topFeatures.length === 0)
      missing.push({ field: 'top features', source: 'eval.explain (explanations in the eval report)' });
  }
  const approvals = input.approvals ?? [];
  const promotions = input.promotions ?? [];

  return {
    schema: MODEL_CARD_SCHEMA,
    generatedAt: (input.now ?? new Date()).toISOString(),
    name: input.model.name,
    version: input.model.version,
    description,
    owners,
    license,
    task: signature.task,
    architecture: input.packageModel?.architecture ?? null,
    family: input.packageModel?.family ?? null,
    inputs: signature.inputs,
    label: signature.label,
    classes: signature.classes,
    threshold: signature.threshold,
    packageHash: input.packageHash,
    aliases: input.model.aliases ?? [],
    intendedUse,
    outOfScope,
    limitations,
    ethicalConsiderations: ethical,
    tags: g.tags,
    riskCategory: risk ? { level: risk, ...EU_AI_ACT_TERMS[risk]! } : null,
    training: {
      datasets: lineage.datasets,
      profile,
      params: input.packageModel?.hyperParameters ?? lineage.params,
      backend: lineage.backend,
      seed: lineage.seed,
      startedAt: lineage.startedAt,
      endedAt: lineage.endedAt,
    },
    evaluation,
    topFeatures,
    lineage,
    approvals,
    promotions,
    missing,
  };
}
