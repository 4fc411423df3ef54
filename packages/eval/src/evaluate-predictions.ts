/**
 * Evaluation on arrays: labels + predictions (+ a baseline's predictions on the same rows, + the
 * table for slices and fairness) → metrics with bootstrap intervals, paired comparison, slices,
 * fairness, operating points and gate results. `evaluate` (evaluate.ts) adds models and files.
 */
import {
  configSchema,
  didYouMean,
  greaterIsBetter,
  METRICS_BY_TASK,
  type Progress,
  type SlipwayConfig,
  type SlipwayConfigInput,
  SlipwayError,
  silentProgress,
  type Task,
} from '@slipway/core';
import type { Table } from '@slipway/data';
import type { Predictions } from '@slipway/training';
import { fairness as computeFairness } from './fairness.js';
import { applyGates } from './gates.js';
import { encodeLabels, type RawLabel } from './labels.js';
import {
  binaryConfusion,
  binaryNullReason,
  calibrationBins,
  type MetricValues,
  prepareBinary,
  rocCurve,
  selectThreshold,
} from './metrics/binary.js';
import {
  multiclassConfusion,
  parsePerClassMetric,
  perClassKey,
  prepareMulticlass,
} from './metrics/multiclass.js';
import type { PreparedMetrics } from './metrics/prepared.js';
import { prepareRegression } from './metrics/regression.js';
import { residualAnalysis } from './metrics/residuals.js';
import type { EvalReport, MetricResult, PerClassResult } from './report/types.js';
import { computeSlices, findColumn, sliceGroups, worstSlices } from './slices.js';
import { bootstrap } from './uncertainty/bootstrap.js';
import { mcnemar } from './uncertainty/mcnemar.js';
import { undecidableGates, ungatedRegressions, zeroTargets } from './warnings.js';

export type EvalConfig = SlipwayConfig['eval'];

export interface EvaluatePredictionsInput {
  task: Task;
  /** Raw labels (class names or values; mapped through `classes` when given). */
  labels: ArrayLike<RawLabel>;
  predictions: Predictions;
  baselinePredictions?: Predictions | null;
  /** The evaluation rows (for slices and fairness); same row order as the labels. */
  table?: Table;
  /** The `eval` section (validated and defaulted here, so a partial object is fine). */
  config?: SlipwayConfigInput['eval'] | EvalConfig;
  /** binary decision threshold (default 0.5). */
  threshold?: number;
  /** binary: the baseline's own decision threshold (default: `threshold`). */
  baselineThreshold?: number;
  /** binary: [negative, positive]; multiclass: classes in output order. */
  classes?: readonly (string | number)[] | null;
  progress?: Progress;
  /** Names the labels in error messages (e.g. `data/eval.csv, column "label"`). */
  labelSource?: string;
}

/** Everything of an EvalReport that does not need model packages or files. */
export type EvaluationCore = Pick<
  EvalReport,
  | 'task'
  | 'firstRun'
  | 'verdict'
  | 'gates'
  | 'metrics'
  | 'confusion'
  | 'slices'
  | 'worstSlices'
  | 'skippedSlices'
  | 'fairness'
  | 'curves'
  | 'primaryMetric'
  | 'notes'
  | 'warnings'
  | 'operatingPoints'
  | 'mcnemar'
  | 'bootstrap'
> & {
  explanations: EvalReport['explanations'];
  perClass: NonNullable<EvalReport['perClass']> | null;
  residuals: NonNullable<EvalReport['residuals']> | null;
};

const DEFAULT_PRIMARY: Record<Task, string> = {
  binary: 'roc_auc',
  multiclass: 'accuracy',
  regression: 'rmse',
};

export function parseEvalConfig(config: EvaluatePredictionsInput['config']): EvalConfig {
  const parsed = configSchema.shape.eval.safeParse(config ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SlipwayError(
      'CONFIG_INVALID',
      `eval${issue?.path.length ? `.${issue.path.join('.')}` : ''}: ${issue?.message ?? 'invalid'}`,
      { hint: 'fix the eval section of slipway.config.ts (see docs/eval.md)' },
    );
  }
  return parsed.data;
}

interface Model {
  prepared: PreparedMetrics;
  values: MetricValues;
  /** binary: P(positive); multiclass: predicted index; regression: value. */
  pred: Float64Array;
  correct: Uint8Array | null;
}

function checkPredictions(task: Task, preds: Predictions, n: number, k: number, who: string): void {
  if (preds.task !== task) {
    throw new SlipwayError(
      'PREDICTIONS_TASK_MISMATCH',
      `${who}: predictions are for a ${preds.task} task, the evaluation is ${task}`,
      {
        hint: 'evaluate a model of the same task as the data and config',
      },
    );
  }
  if (preds.n !== n || preds.values.length !== n) {
    throw new SlipwayError('LENGTH_MISMATCH', `${who}: ${preds.values.length} predictions for ${n} labels`, {
      hint: 'predictions and labels must cover the same rows in the same order',
    });
  }
  for (let i = 0; i < n; i++) {
    const v = preds.values[i] as number;
    const bad =
      !Number.isFinite(v) ||
      (task === 'binary' && (v < 0 || v > 1)) ||
      (task === 'multiclass' && (!Number.isInteger(v) || v < 0 || v >= k));
    if (bad) {
      throw new SlipwayError(
        'PREDICTION_INVALID',
        `${who}: row ${i} has prediction ${v}${task === 'binary' ? ', not a probability in [0, 1]' : task === 'multiclass' ? `, not a class index in 0..${k - 1}` : ', not a finite number'}`,
        { hint: 'check the model output (a NaN usually means a missing input value reached the model)' },
      );
    }
  }
  if (task === 'multiclass' && preds.probabilities) {
    if (preds.probabilities.length !== n * k) {
      throw new SlipwayError(
        'LENGTH_MISMATCH',
        `${who}: ${preds.probabilities.length} probabilities for ${n} rows × ${k} classes`,
        {
          hint: 'probabilities are n × k, row-major',
        },
      );
    }
    for (let i = 0; i < preds.probabilities.length; i++) {
      const v = preds.probabilities[i] as number;
      if (!(v >= 0 && v <= 1)) {
        throw new SlipwayError(
          'PREDICTION_INVALID',
          `${who}: row ${Math.floor(i / k)} has class probability ${v}, outside [0, 1]`,
          {
            hint: 'the model must output probabilities (softmax)',
          },
        );
      }
    }
  }
}

function prepareModel(
  task: Task,
  y: Float64Array | Int32Array,
  preds: Predictions,
  k: number,
  threshold: number,
  config: EvalConfig,
  labels: readonly string[],
): Model {
  const pred = Float64Array.from(preds.values);
  if (task === 'binary') {
    const prepared = prepareBinary({ y, p: pred, threshold, eceBins: config.eceBins });
    const correct = new Uint8Array(y.length);
    for (let i = 0; i < y.length; i++)
      correct[i] = ((pred[i] as number) >= threshold ? 1 : 0) === y[i] ? 1 : 0;
    return { prepared, values: prepared.compute(), pred, correct };
  }
  if (task === 'multiclass') {
    const prepared = prepareMulticlass({
      y,
      pred,
      k,
      topK: config.topK,
      labels,
      ...(preds.probabilities ? { proba: preds.probabilities } : {}),
    });
    const correct = new Uint8Array(y.length);
    for (let i = 0; i < y.length; i++) correct[i] = pred[i] === y[i] ? 1 : 0;
    return { prepared, values: prepared.compute(), pred, correct };
  }
  const prepared = prepareRegression(y, pred);
  return { prepared, values: prepared.compute(), pred, correct: null };
}

function nullReason(task: Task, metric: string, y: ArrayLike<number>, preds: Predictions): string {
  const per = task === 'multiclass' ? parsePerClassMetric(metric) : null;
  if (per) {
    return per.metric === 'precision'
      ? `${metric} is undefined: no evaluation row was predicted as ${per.label}`
      : per.metric === 'recall'
        ? `${metric} is undefined: no evaluation row has class ${per.label}`
        : `${metric} is undefined: class ${per.label} is neither in the labels nor in the predictions`;
  }
  if (task === 'binary') return binaryNullReason(metric, y) ?? `${metric} is undefined on this data`;
  if (
    task === 'multiclass' &&
    (metric === 'log_loss' || metric === 'top_k_accuracy') &&
    !preds.probabilities
  ) {
    return `${metric} is undefined: the model gave no class probabilities`;
  }
  return `${metric} is undefined on this data`;
}

export function evaluatePredictions(input: EvaluatePredictionsInput): EvaluationCore {
  const { task } = input;
  const config = parseEvalConfig(input.config);
  const progress = input.progress ?? silentProgress;
  const known = METRICS_BY_TASK[task];
  const n = input.labels.length;
  if (n === 0) {
    throw new SlipwayError('EVAL_DATA_EMPTY', 'the evaluation data has no rows', {
      hint: 'point --data at a dataset with labelled rows',
    });
  }
  const threshold = input.threshold ?? 0.5;
  if (task === 'binary' && !(threshold >= 0 && threshold <= 1)) {
    throw new SlipwayError('THRESHOLD_INVALID', `threshold ${threshold} is not in [0, 1]`, {
      hint: 'use a probability',
    });
  }
  const y = encodeLabels(task, input.labels, input.classes, input.labelSource);
  let k = 2;
  if (task === 'multiclass') {
    k = input.classes?.length ?? 0;
    if (k === 0) {
      const probs = input.predictions.probabilities;
      k = probs ? Math.round(probs.length / n) : 0;
      for (let i = 0; i < n; i++)
        k = Math.max(k, (y[i] as number) + 1, (input.predictions.values[i] as number) + 1);
    }
  }
  checkPredictions(task, input.predictions, n, k, 'candidate');
  const baselinePreds = input.baselinePredictions ?? null;
  if (baselinePreds) checkPredictions(task, baselinePreds, n, k, 'baseline');

  const classNames = (input.classes ?? Array.from({ length: k }, (_, i) => i)).map(String);
  for (const [name, field] of [
    ...(config.metrics ?? []).map((m, i) => [m, `eval.metrics[${i}]`] as const),
    ...Object.keys(config.gates).map((m) => [m, `eval.gates.${m}`] as const),
    ...config.slices.gates.map((g, i) => [g.metric, `eval.slices.gates[${i}].metric`] as const),
  ]) {
    if (known.includes(name)) continue;
    // multiclass: one class's precision, recall or F1, named by class (`recall:Gentoo`).
    const per = task === 'multiclass' ? parsePerClassMetric(name) : null;
    if (per && classNames.includes(per.label)) continue;
    throw new SlipwayError(
      'METRIC_UNKNOWN',
      per
        ? `${field}: "${per.label}" is not a class of the model${didYouMean(per.label, classNames)}`
        : `${field}: "${name}" is not a ${task} metric`,
      {
        hint: per
          ? `classes: ${classNames.join(', ')}`
          : `${task} metrics: ${known.join(', ')}${task === 'multiclass' ? ', and precision:/recall:/f1:<class>' : ''}`,
      },
    );
  }
  const metricNames = [...new Set([...(config.metrics ?? known), ...Object.keys(config.gates)])];
  const primaryMetric = Object.keys(config.gates)[0] ?? config.metrics?.[0] ?? DEFAULT_PRIMARY[task];

  const cand = prepareModel(task, y, input.predictions, k, threshold, config, classNames);
  const baselineThreshold = input.baselineThreshold ?? threshold;
  if (task === 'binary' && !(baselineThreshold >= 0 && baselineThreshold <= 1)) {
    throw new SlipwayError('THRESHOLD_INVALID', `baseline threshold ${baselineThreshold} is not in [0, 1]`, {
      hint: 'use a probability',
    });
  }
  const base = baselinePreds
    ? prepareModel(task, y, baselinePreds, k, baselineThreshold, config, classNames)
    : null;
  const notes: string[] = [];

  const task1 = progress.task('bootstrap', { total: config.bootstrap.resamples, unit: 'resamples' });
  // Multiclass: each class's recall is resampled too (intervals and paired Δ per class).
  const classRecalls =
    task === 'multiclass' ? Array.from({ length: k }, (_, c) => perClassKey('recall', c)) : [];
  const boot = bootstrap(base ? [cand.prepared, base.prepared] : [cand.prepared], {
    ...config.bootstrap,
    metrics: [...metricNames, ...classRecalls],
    onResample: (d) => task1.set(d),
  });
  task1.done();

  const metrics: MetricResult[] = metricNames.map((name) => {
    const c = cand.values[name];
    const b = base ? base.values[name] : undefined;
    const candidate = c === undefined || c === null || !Number.isFinite(c) ? null : c;
    const baseline = b === undefined || b === null || !Number.isFinite(b) ? null : b;
    const r: MetricResult = {
      name,
      candidate,
      baseline,
      delta: candidate !== null && baseline !== null ? candidate - baseline : null,
      ci: boot.intervals[name]?.[0] ?? null,
      deltaCi: boot.paired?.[name]?.ci ?? null,
      pValue: boot.paired?.[name]?.pValue ?? null,
      greaterIsBetter: greaterIsBetter(name, config.gates[name]),
    };
    if (candidate === null) {
      r.note = nullReason(task, name, y, input.predictions);
      notes.push(r.note);
    }
    return r;
  });
  // MAPE over a zero target is a division by machine epsilon (~1e15): no value is better than that one.
  const zeros = task === 'regression' ? zeroTargets(y) : 0;
  const mape = metrics.find((m) => m.name === 'mape');
  if (mape && zeros > 0) {
    Object.assign(mape, {
      candidate: null,
      baseline: null,
      delta: null,
      ci: null,
      deltaCi: null,
      pValue: null,
    });
    mape.note = `mape is undefined: ${zeros.toLocaleString('en-US')} of ${n.toLocaleString('en-US')} evaluation targets are 0 (MAPE divides by the target)`;
    notes.push(mape.note);
  }

  let confusion: EvaluationCore['confusion'] = null;
  let operatingPoints: EvaluationCore['operatingPoints'] = null;
  const curves: EvaluationCore['curves'] = {};
  if (task === 'binary') {
    confusion = { labels: classNames, matrix: binaryConfusion(y, cand.pred, threshold) };
    const prepared = cand.prepared as ReturnType<typeof prepareBinary>;
    const roc = rocCurve(prepared);
    if (roc) curves.roc = roc;
    curves.calibration = calibrationBins(y, cand.pred, config.eceBins);
    const tp = config.operatingPoint;
    const forP =
      tp.targetPrecision === undefined
        ? null
        : selectThreshold(prepared, { kind: 'precision', target: tp.targetPrecision });
    const forR =
      tp.targetRecall === undefined
        ? null
        : selectThreshold(prepared, { kind: 'recall', target: tp.targetRecall });
    operatingPoints = {
      threshold,
      maxF1: selectThreshold(prepared, { kind: 'maxF1' }),
      forPrecision: forP && tp.targetPrecision !== undefined ? { ...forP, target: tp.targetPrecision } : null,
      forRecall: forR && tp.targetRecall !== undefined ? { ...forR, target: tp.targetRecall } : null,
    };
  } else if (task === 'multiclass') {
    confusion = { labels: classNames, matrix: multiclassConfusion(y, cand.pred, k) };
  }
  const perClass =
    task === 'multiclass'
      ? perClassResults(classNames, confusion?.matrix ?? [], cand.values, base?.values ?? null, boot)
      : null;
  const residuals = task === 'regression' ? residualAnalysis(y, cand.pred, config.bootstrap.seed) : null;

  const mc = cand.correct && base?.correct ? mcnemar(cand.correct, base.correct) : null;

  let slices: EvaluationCore['slices'] = [];
  let skippedSlices: EvaluationCore['skippedSlices'] = [];
  let fairnessResult: EvaluationCore['fairness'] = null;
  const wantsSlices = config.slices.columns.length > 0 || Object.keys(config.slices.numeric).length > 0;
  if ((wantsSlices || config.fairness) && !input.table) {
    throw new SlipwayError(
      'EVAL_TABLE_MISSING',
      'slices or fairness are configured but no table of evaluation rows was given',
      {
        hint: 'pass `table` (the evaluation rows) to evaluatePredictions',
      },
    );
  }
  if (input.table && input.table.rowCount !== n) {
    throw new SlipwayError(
      'LENGTH_MISMATCH',
      `the table has ${input.table.rowCount} rows but there are ${n} labels`,
      {
        hint: 'the table must hold the evaluation rows in label order',
      },
    );
  }
  if (wantsSlices && input.table) {
    const minSupport = Math.min(config.slices.minSupport, ...config.slices.gates.map((g) => g.minSupport));
    const groups = sliceGroups(input.table, config.slices);
    const sl = computeSlices(cand.prepared, groups, minSupport, metricNames);
    slices = sl.slices;
    skippedSlices = sl.skipped;
  }
  const primaryGreater = greaterIsBetter(primaryMetric, config.gates[primaryMetric]);
  const worst = worstSlices(
    slices.filter((s) => s.support >= config.slices.minSupport),
    primaryMetric,
    primaryGreater,
    config.worstSlices,
  );
  if (config.fairness && input.table) {
    const col = findColumn(input.table, config.fairness.sensitive, 'eval.fairness.sensitive');
    if (task !== 'binary') {
      throw new SlipwayError(
        'FAIRNESS_TASK',
        `eval.fairness: fairness metrics are defined for binary tasks, not ${task}`,
        {
          hint: 'remove eval.fairness for this model',
        },
      );
    }
    fairnessResult = computeFairness(col, y, cand.pred, threshold);
  }

  const gated = applyGates({
    metrics,
    gates: config.gates,
    hasBaseline: base !== null,
    slices,
    sliceGates: config.slices.gates,
    fairness: fairnessResult,
    fairnessConfig: config.fairness,
  });
  const warnings = [
    ...undecidableGates(metrics, config.gates, n, config.bootstrap.confidence),
    ...ungatedRegressions(metrics, config.gates, config.bootstrap.confidence, config.bootstrap.resamples),
  ];
  if (!base) {
    notes.unshift(
      'First run: there is no baseline, so only absolute thresholds were applied' +
        (gated.skipped.length > 0 ? ` (skipped: ${gated.skipped.join('; ')})` : ''),
    );
  }
  return {
    task,
    firstRun: base === null,
    verdict: gated.verdict,
    gates: gated.gates,
    metrics,
    confusion,
    slices,
    worstSlices: worst,
    skippedSlices,
    fairness: fairnessResult,
    explanations: [],
    curves,
    primaryMetric,
    notes,
    warnings,
    operatingPoints,
    mcnemar: mc,
    bootstrap: { ...config.bootstrap },
    perClass,
    residuals,
  };
}

function finite(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Per-class support, precision, recall (with its bootstrap interval and paired Δ) and F1. */
function perClassResults(
  labels: string[],
  matrix: number[][],
  cand: MetricValues,
  base: MetricValues | null,
  boot: ReturnType<typeof bootstrap>,
): PerClassResult[] {
  return labels.map((label, c) => {
    const key = perClassKey('recall', c);
    const recall = finite(cand[key]);
    const baselineRecall = base ? finite(base[key]) : null;
    return {
      label,
      support: (matrix[c] ?? []).reduce((a, b) => a + b, 0),
      predicted: matrix.reduce((a, row) => a + (row[c] ?? 0), 0),
      precision: finite(cand[perClassKey('precision', c)]),
      recall,
      f1: finite(cand[perClassKey('f1', c)]),
      recallCi: boot.intervals[key]?.[0] ?? null,
      baselineRecall,
      recallDelta: recall !== null && baselineRecall !== null ? recall - baselineRecall : null,
      recallDeltaCi: boot.paired?.[key]?.ci ?? null,
      recallPValue: boot.paired?.[key]?.pValue ?? null,
    };
  });
}
