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
  /** Mean |SHAP value| (multiclass: averaged over the class probabilities). */
  meanAbsShap: number | null;
  /** multiclass: per class, mean |SHAP| of P(class) and the drop in the class's recall when permuted. */
  perClass?: { label: string; meanAbsShap: number | null; permutation: number | null }[];
}

/** One class of a multiclass model: counts, precision/recall/F1, recall's interval and paired Δ. */
export interface PerClassResult {
  label: string;
  /** Rows whose true class this is. */
  support: number;
  /** Rows predicted as this class. */
  predicted: number;
  /** null where undefined: no row predicted as (precision) or labelled with (recall) the class. */
  precision: number | null;
  recall: number | null;
  f1: number | null;
  recallCi: Interval | null;
  baselineRecall: number | null;
  recallDelta: number | null;
  recallDeltaCi: Interval | null;
  recallPValue: number | null;
}

/** Regression residuals (truth − prediction): summary, histogram and residual-vs-prediction series. */
export interface ResidualAnalysis {
  summary: {
    mean: number;
    std: number;
    min: number;
    p05: number;
    p25: number;
    median: number;
    p75: number;
    p95: number;
    max: number;
  };
  /** `counts[i]` residuals fall in [edges[i], edges[i+1]) (the last bin is closed). */
  histogram: { edges: number[]; counts: number[] };
  /** Rows in prediction-decile bins: mean prediction, mean residual and the 10th/90th residual percentiles. */
  byPrediction: { predicted: number[]; mean: number[]; p10: number[]; p90: number[]; count: number[] };
  /** A seeded sample of (prediction, residual) points for a scatter plot (all rows when few). */
  points: { predicted: number[]; residual: number[] };
}

/** Nulls in the evaluation rows and the policy that handled them. */
export interface MissingValues {
  /** `data.missingLabel` and how many evaluation rows it left out for a null label. */
  label: { column: string; policy: 'drop' | 'error'; droppedRows: number };
  /** Model inputs with nulls in the evaluation rows, each with its feature's policy and fitted fill value. */
  features: {
    feature: string;
    column: string;
    nulls: number;
    policy: 'impute' | 'error';
    fill: number | string | null;
  }[];
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
  /**
   * What the reader must act on although every gate passed: significant regressions of ungated metrics,
   * gates the evaluation set is too small to decide. Absent in reports written before it existed.
   */
  warnings?: string[];
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
  /** multiclass: one entry per class (null or absent for other tasks). */
  perClass?: PerClassResult[] | null;
  /** regression: residual analysis (null or absent for other tasks). */
  residuals?: ResidualAnalysis | null;
  /** Nulls in the evaluation data and what was done with them (reports from `evaluate`). */
  missingValues?: MissingValues;
}

export interface OperatingPoint {
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
}
