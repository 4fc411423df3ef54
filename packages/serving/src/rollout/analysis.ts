/**
 * Argo Rollouts' analysis semantics (utils/evaluate, analysis/analysis.go) for the embedded controller:
 * one measurement → Successful/Failed/Inconclusive/Error; per-metric limits decide the metric phase;
 * the run takes the worst metric phase and ends as soon as one metric is Failed, Error or Inconclusive.
 */
import type { CompiledCondition } from './condition.js';

export type MeasurementPhase = 'Successful' | 'Failed' | 'Inconclusive' | 'Error';
export type AnalysisPhase = 'Running' | 'Successful' | 'Failed' | 'Inconclusive' | 'Error';

export interface Measurement {
  at: string;
  value: number | null;
  phase: MeasurementPhase;
  message?: string;
}

export interface MetricResult {
  name: string;
  phase: AnalysisPhase;
  count: number;
  successful: number;
  failed: number;
  inconclusive: number;
  error: number;
  consecutiveError: number;
  /** The last 10 measurements (Argo's default measurementRetention). */
  measurements: Measurement[];
}

export interface AnalysisLimits {
  count: number;
  failureLimit: number;
  inconclusiveLimit: number;
  consecutiveErrorLimit: number;
}

/** Argo's EvaluateResult: failure wins; neither condition set means Successful (the code, not the docs). */
export function evaluateMeasurement(
  value: number | null,
  success: CompiledCondition | undefined,
  failure: CompiledCondition | undefined,
): { phase: MeasurementPhase; message?: string } {
  if (value === null || Number.isNaN(value)) {
    return { phase: 'Error', message: 'no data in this interval (no requests reached the variant)' };
  }
  try {
    if (failure?.evaluate(value))
      return { phase: 'Failed', message: `failureCondition "${failure.source}" met` };
    if (success) {
      if (success.evaluate(value)) return { phase: 'Successful' };
      return failure
        ? { phase: 'Inconclusive', message: 'neither condition met' }
        : { phase: 'Failed', message: `successCondition "${success.source}" not met` };
    }
    return { phase: 'Successful' };
  } catch (err) {
    return { phase: 'Error', message: (err as Error).message };
  }
}

export function newMetricResult(name: string): MetricResult {
  return {
    name,
    phase: 'Running',
    count: 0,
    successful: 0,
    failed: 0,
    inconclusive: 0,
    error: 0,
    consecutiveError: 0,
    measurements: [],
  };
}

/** Adds one measurement and recomputes the metric phase (later checks override earlier ones, as in Argo). */
export function recordMeasurement(
  result: MetricResult,
  m: Measurement,
  limits: AnalysisLimits,
): MetricResult {
  const next: MetricResult = { ...result, measurements: [...result.measurements, m].slice(-10) };
  next.count++;
  if (m.phase === 'Successful') next.successful++;
  if (m.phase === 'Failed') next.failed++;
  if (m.phase === 'Inconclusive') next.inconclusive++;
  if (m.phase === 'Error') {
    next.error++;
    next.consecutiveError++;
  } else {
    next.consecutiveError = 0;
  }
  let phase: AnalysisPhase = 'Running';
  if (limits.failureLimit >= 0 && next.failed > limits.failureLimit) phase = 'Failed';
  if (next.inconclusive > limits.inconclusiveLimit) phase = 'Inconclusive';
  if (next.consecutiveError > limits.consecutiveErrorLimit) phase = 'Error';
  if (phase === 'Running' && next.count >= limits.count) phase = 'Successful';
  next.phase = phase;
  return next;
}

const ORDER: AnalysisPhase[] = ['Successful', 'Running', 'Inconclusive', 'Error', 'Failed'];

/** The run's phase: Running until every metric is done or one of them is Failed/Error/Inconclusive. */
export function runPhase(metrics: MetricResult[]): AnalysisPhase {
  let worst: AnalysisPhase = 'Successful';
  for (const m of metrics) if (ORDER.indexOf(m.phase) > ORDER.indexOf(worst)) worst = m.phase;
  return worst;
}
