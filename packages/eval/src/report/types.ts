/**
 * The EvalReport: the header every stage shares (@slipway/core) plus what evaluation found.
 * Governance writes it into the model card, github renders it into the PR comment, monitor reuses it.
 */
import type { EvalReportHeader } from '@slipway/core';

export interface Interval {
  low: number;
  high: number;
  /** e.g. 0.95 */
  confidence: number;
}

export interface MetricResult {
  name: string;
  candidate: number | null;
  baseline: number | null;
  /** candidate − baseline, when both exist. */
  delta: number | null;
  /** Bootstrap interval of the candidate's value. */
  ci: Interval | null;
  /** Paired-bootstrap interval of the difference. */
  deltaCi: Interval | null;
  /** Two-sided p-value of the difference (paired bootstrap). */
  pValue: number | null;
  greaterIsBetter: boolean;
  /** Why a value is null (e.g. "roc_auc is undefined: the evaluation data has one class"). */
  note?: string;
}

export interface SliceResult {
  /** e.g. `origin = ORD`, `distance in [500, 1000)`. */
  slice: string;
  column: string;
  support: number;
  metrics: Record<string, number | null>;
}

export interface FairnessResult {
  sensitive: string;
  demographicParityDifference: number | null;
  equalizedOddsDifference: number | null;
  groups: { group: string; support: number; selectionRate: number; tpr: number | null; fpr: number | null }[];
}

export interface FeatureImportance {
  feature: string;
  /** Mean drop in the main metric when the feature is permuted. */
  permutation: number | null;
  /** Mean |SHAP value|. */
  meanAbsShap: number | null;
}

export interface EvalReport extends EvalReportHeader {
  task: 'binary' | 'multiclass' | 'regression';
  /** True when no baseline existed: only absolute thresholds were applied. */
  firstRun: boolean;
  metrics: MetricResult[];
  /** Confusion matrix at the threshold (binary/multiclass), rows = truth, columns = prediction. */
  confusion: { labels: string[]; matrix: number[][] } | null;
  slices: SliceResult[];
  worstSlices: SliceResult[];
  fairness: FairnessResult | null;
  explanations: FeatureImportance[];
  /** Chart series for renderers (ROC curve points for binary, calibration bins). */
  curves: {
    roc?: { fpr: number[]; tpr: number[] };
    calibration?: { predicted: number[]; observed: number[]; count: number[] };
  };
  /** Optional drift summary (from @slipway/data) shown in the PR comment. */
  drift?: {
    drifted: boolean;
    share: number;
    columns: { column: string; method: string; statistic: number; threshold: number; drifted: boolean }[];
  } | null;
  /** Links shown at the bottom of the PR comment. */
  links?: { htmlReport?: string; modelCard?: string; run?: string };
  /** The metric slices and worst slices are ranked by (first gate metric, else a task default). */
  primaryMetric: string;
  /** Things the reader must know: rules skipped on a first run, undefined metrics, sampling done. */
  notes: string[];
  /** Configured slices left out: empty, or below the minimum support. */
  skippedSlices: { slice: string; column: string; support: number; reason: string }[];
  /** binary: the decision threshold used and the operating points found on this data. */
  operatingPoints: {
    threshold: number;
    maxF1: OperatingPoint | null;
    forPrecision: (OperatingPoint & { target: number }) | null;
    forRecall: (OperatingPoint & { target: number }) | null;
  } | null;
  /** McNemar's exact test of candidate vs baseline accuracy (classification with a baseline). */
  mcnemar: { b: number; c: number; pValue: number } | null;
  /** How the intervals were made. */
  bootstrap: { resamples: number; seed: number; confidence: number };
}

export interface OperatingPoint {
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
}
