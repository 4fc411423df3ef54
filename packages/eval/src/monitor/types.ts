import type { DriftReport } from '@slipway/data';
import type { MetricResult } from '../report/types.js';

export const MONITOR_REPORT_SCHEMA = 'slipway.monitor-report/v1';

/** A column whose presence or type differs from what the model was trained on. */
export interface SchemaChange {
  column: string;
  change: 'new' | 'missing' | 'retyped';
  /** Kind at training time (missing, retyped). */
  expected?: string;
  /** Kind in the window (new, retyped). */
  seen?: string;
  /** True when the model reads this column: a missing or retyped input breaks predictions. */
  modelInput: boolean;
}

export interface MonitorReport {
  schema: typeof MONITOR_REPORT_SCHEMA;
  model: { name: string; version: string | null; packageHash: string };
  window: { name: string; source: string; rows: number };
  /** True when something needs a human: dataset drift, a changed input schema, or a performance gate failing. */
  alert: boolean;
  reasons: string[];
  /** What to read with care (a small window). Absent in reports written before it existed. */
  warnings?: string[];
  schemaChanges: SchemaChange[];
  /** Inputs of the window vs the training profile inside the model package. */
  drift: DriftReport;
  /** Model outputs on the window vs on the reference data (the evaluation split), when predictions could be made. */
  predictionDrift: {
    method: 'psi';
    statistic: number;
    threshold: number;
    drifted: boolean;
    /** What the PSI compares: P(positive) (binary), the predicted class (multiclass), the predicted value (regression). */
    over: 'score' | 'class' | 'value';
    /** Mean score (binary) or mean predicted value (regression); null for multiclass (see classShares). */
    windowMean: number | null;
    referenceMean: number | null;
    /** multiclass: the share of rows predicted as each class. */
    classShares?: { label: string; window: number; reference: number }[];
    /** regression: the bin edges (deciles of the reference predictions). */
    edges?: number[];
  } | null;
  /** Present once labels are known for the window (in the window itself or joined by id). */
  performance: {
    labelsJoined: number;
    /** Window rows without a label (none joined, or null): left out of the metrics. */
    unlabelledRows?: number;
    metrics: MetricResult[];
    failedGates: string[];
  } | null;
  createdAt: string;
}
