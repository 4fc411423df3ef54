/**
 * Evaluation of model packages: predict the evaluation rows with the candidate (and the baseline,
 * which must share the candidate's signature), then evaluatePredictions, explanations and the header.
 */
import { resolve } from 'node:path';
import {
  didYouMean,
  displayPath,
  EVAL_REPORT_SCHEMA,
  md5File,
  type Progress,
  type SlipwayConfig,
  SlipwayError,
  silentProgress,
} from '@slipway/core';
import { type Column, driftReport, getColumn, type Profile, readTable, type Table } from '@slipway/data';
import type { FeaturesJson, LoadedModelPackage, Signature } from '@slipway/training';
import { evaluatePredictions } from './evaluate-predictions.js';
import { explainModel } from './explain/explain.js';
import { encodeLabels, type RawLabel } from './labels.js';
import { dropUnlabelled, missingValuesSummary } from './missing-values.js';
import type { EvalReport } from './report/types.js';

export interface EvaluateOptions {
  candidate: LoadedModelPackage;
  baseline: LoadedModelPackage | null;
  /** A dataset path (CSV, Parquet, JSONL) or a table already in memory. */
  data: string | Table;
  /** The project root: the report names the dataset relative to it (default: the cwd). */
  root?: string;
  config: SlipwayConfig;
  /** The registry alias the baseline was resolved from (shown in reports). */
  baselineAlias?: string;
  candidateVersion?: string | null;
  baselineVersion?: string | null;
  /**
   * The drift summary shown in the reports: given as is, or `'profile'` to compare the evaluation rows
   * with the training profile the candidate package carries (input columns only).
   */
  drift?: EvalReport['drift'] | 'profile';
  links?: EvalReport['links'];
  progress?: Progress;
}

/** The first difference between two signatures that makes their predictions incomparable, or null. */
export function signatureDifference(a: Signature, b: Signature): string | null {
  if (a.task !== b.task) return `task ${a.task} vs ${b.task}`;
  if (a.label !== b.label) return `label column "${a.label}" vs "${b.label}"`;
  const ca = JSON.stringify(a.classes);
  const cb = JSON.stringify(b.classes);
  if (ca !== cb) return `classes ${ca} vs ${cb}`;
  const ia = new Map(a.inputs.map((i) => [i.name, i.kind]));
  const ib = new Map(b.inputs.map((i) => [i.name, i.kind]));
  for (const [name, kind] of ia) {
    if (!ib.has(name)) return `input "${name}" is missing from the baseline`;
    if (ib.get(name) !== kind)
      return `input "${name}" is ${kind} in the candidate but ${ib.get(name)} in the baseline`;
  }
  for (const name of ib.keys())
    if (!ia.has(name)) return `the baseline has input "${name}" that the candidate lacks`;
  return null;
}

function rawLabels(col: Column): RawLabel[] {
  const out = new Array<RawLabel>(col.values.length);
  for (let i = 0; i < out.length; i++) {
    if (col.kind === 'string') out[i] = col.values[i] ?? null;
    else if (col.kind === 'boolean') out[i] = col.valid[i] ? col.values[i] === 1 : null;
    else out[i] = col.valid[i] ? (col.values[i] as number) : null;
  }
  return out;
}

export async function evaluate(options: EvaluateOptions): Promise<EvalReport> {
  const { candidate, baseline, config } = options;
  const progress = options.progress ?? silentProgress;
  const sig = candidate.signature;
  if (baseline) {
    const diff = signatureDifference(sig, baseline.signature);
    if (diff) {
      throw new SlipwayError(
        'BASELINE_SIGNATURE_MISMATCH',
        `the baseline ${baseline.dir} has a different signature from the candidate ${candidate.dir}: ${diff}`,
        {
          hint: 'a baseline must take the same inputs and predict the same classes; compare against a compatible model, or evaluate without a baseline',
        },
      );
    }
  }
  const path = typeof options.data === 'string' ? resolve(options.data) : '(in-memory table)';
  const read = progress.task('reading evaluation data');
  const file = await (typeof options.data === 'string' ? readTable(options.data) : options.data);
  const md5 = typeof options.data === 'string' ? await md5File(path) : null;
  read.done(`${file.rowCount} rows`);
  const where = typeof options.data === 'string' ? options.data : 'evaluation table';
  // Checked first: a header-only CSV may not even yield its column names.
  if (file.rowCount === 0) {
    throw new SlipwayError('DATASET_EMPTY', `${where}: the evaluation split is empty (no rows)`, {
      hint: 'point data.eval (or --data) at a split with labelled rows',
    });
  }
  if (!file.columns.some((c) => c.name === sig.label)) {
    const names = file.columns.map((c) => c.name);
    throw new SlipwayError(
      'LABEL_COLUMN_MISSING',
      `${where}: has no label column "${sig.label}" (the label ${sig.name || 'the model'} was trained on)${didYouMean(sig.label, names)}`,
      { hint: `evaluate on data that carries the label; its columns are: ${names.join(', ')}` },
    );
  }
  const labelCol = getColumn(file, sig.label, where);
  const labelSource = `${typeof options.data === 'string' ? options.data : 'evaluation table'}, column "${sig.label}"`;
  const labelPolicy = config.data?.missingLabel ?? 'drop';
  const { table, labels, dropped } = dropUnlabelled(
    file,
    rawLabels(labelCol),
    sig.task,
    labelPolicy,
    labelSource,
  );
  const missingValues = missingValuesSummary(table, candidate.features as FeaturesJson, {
    column: sig.label,
    policy: labelPolicy,
    droppedRows: dropped,
  });
  // Checked before predicting, so a bad label costs no model time.
  encodeLabels(sig.task, labels, sig.classes, labelSource);

  const predicting = progress.task('predicting');
  const predictions = await candidate.predictTable(table);
  const baselinePredictions = baseline ? await baseline.predictTable(table) : null;
  predicting.done();
  const threshold = sig.threshold ?? 0.5;
  const core = evaluatePredictions({
    task: sig.task,
    labels,
    predictions,
    baselinePredictions,
    table,
    config: config.eval,
    threshold,
    ...(baseline?.signature.threshold != null ? { baselineThreshold: baseline.signature.threshold } : {}),
    classes: sig.classes,
    progress,
    labelSource,
  });
  if (dropped > 0) {
    core.notes.push(
      `${dropped.toLocaleString('en-US')} of ${file.rowCount.toLocaleString('en-US')} evaluation rows have no label "${sig.label}" and were left out (data.missingLabel "drop").`,
    );
  }
  if (config.eval.explain.enabled && sig.inputs.length > 0) {
    const t = progress.task('explaining');
    const y = encodeLabels(sig.task, labels, sig.classes, labelSource);
    const e = config.eval.explain;
    const ex = await explainModel({
      model: candidate,
      table,
      y,
      task: sig.task,
      metric: core.primaryMetric,
      threshold,
      k: sig.classes?.length ?? 2,
      sample: e.sample,
      background: e.background,
      shapRows: e.shapRows,
      repeats: e.repeats,
      permutations: e.permutations,
      seed: config.eval.bootstrap.seed,
      topK: config.eval.topK,
      classes: sig.classes,
    });
    core.explanations = ex.importances;
    core.notes.push(ex.note);
    t.done();
  }
  let drift: EvalReport['drift'] = null;
  if (options.drift === 'profile') {
    const t = progress.task('drift against the training profile');
    try {
      const d = await driftReport({
        reference: candidate.profile as Profile,
        current: table,
        config: config.drift,
        columns: sig.inputs.map((i) => i.name).filter((c) => !config.drift.ignore.includes(c)),
      });
      drift = {
        drifted: d.drifted,
        share: d.share,
        columns: d.columns.map((c) => ({
          column: c.column,
          method: c.method,
          statistic: c.statistic,
          threshold: c.threshold,
          drifted: c.drifted,
        })),
      };
      t.done(d.drifted ? 'drift detected' : 'no drift');
    } catch (err) {
      t.fail();
      core.notes.push(`Drift was not computed: ${(err as Error).message}`);
    }
  } else if (options.drift) drift = options.drift;
  return {
    schema: EVAL_REPORT_SCHEMA,
    candidate: {
      name: sig.name || candidate.manifest.name,
      version: options.candidateVersion ?? null,
      packageHash: candidate.hash,
    },
    baseline: baseline
      ? {
          name: baseline.signature.name || baseline.manifest.name,
          version: options.baselineVersion ?? null,
          packageHash: baseline.hash,
          alias: options.baselineAlias ?? null,
        }
      : null,
    // Relative to the project: reports never carry this machine's directory layout.
    dataset: {
      path: typeof options.data === 'string' ? displayPath(path, options.root) : path,
      md5,
      rows: table.rowCount,
    },
    createdAt: new Date().toISOString(),
    ...core,
    drift,
    missingValues,
    ...(options.links ? { links: options.links } : {}),
  };
}
