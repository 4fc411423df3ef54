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
  schemaChanges: SchemaChange[];
  /** Inputs of the window vs the training profile inside the model package. */
  drift: DriftReport;
  /** Model outputs on the window vs on the training reference sample (when predictions could be made). */
  predictionDrift: {
    method: 'psi';
    statistic: number;
    threshold: number;
    drifted: boolean;
    windowMean: number;
    referenceMean: number;
  } | null;
  /** Present once labels are known for the window (in the window itself or joined by id). */
  performance: { labelsJoined: number; metrics: MetricResult[]; failedGates: string[] } | null;
  createdAt: string;
}
