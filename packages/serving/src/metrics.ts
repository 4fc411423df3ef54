/**
 * Prometheus metrics (prom-client) on a registry per server. The names are the contract the Argo
 * AnalysisTemplate queries (manifests.ts), so they live in one place: METRIC_NAMES.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export const METRIC_NAMES = {
  requests: 'slipway_requests_total',
  requestDuration: 'slipway_request_duration_seconds',
  inferenceDuration: 'slipway_inference_duration_seconds',
  predictions: 'slipway_predictions_total',
  predictionValue: 'slipway_prediction_value',
  predictedClass: 'slipway_predicted_class_total',
  variantFailures: 'slipway_variant_failures_total',
  batchSize: 'slipway_batch_rows',
  canaryWeight: 'slipway_canary_weight_percent',
  rolloutStep: 'slipway_rollout_step',
  rolloutAborts: 'slipway_rollout_aborts_total',
  shadowRequests: 'slipway_shadow_requests_total',
  shadowDifference: 'slipway_shadow_abs_difference',
  reloads: 'slipway_model_reloads_total',
  inflight: 'slipway_inflight_requests',
  modelInfo: 'slipway_model_info',
  admissionRejected: 'slipway_admission_rejected_total',
  inflightRows: 'slipway_inflight_rows',
  predictionLog: 'slipway_prediction_log_entries_total',
} as const;

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export class ServingMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'model' | 'variant' | 'endpoint' | 'code'>;
  readonly requestDuration: Histogram<'model' | 'variant' | 'endpoint'>;
  readonly inferenceDuration: Histogram<'model' | 'variant'>;
  readonly predictions: Counter<'model' | 'variant'>;
  readonly predictionValue: Histogram<'model' | 'variant'>;
  readonly predictedClass: Counter<'model' | 'variant' | 'class'>;
  readonly variantFailures: Counter<'model' | 'variant' | 'reason'>;
  readonly batchSize: Histogram<'model' | 'variant'>;
  readonly canaryWeight: Gauge<'model'>;
  readonly rolloutStep: Gauge<'model'>;
  readonly rolloutAborts: Counter<'model' | 'reason'>;
  readonly shadowRequests: Counter<'model' | 'outcome'>;
  readonly shadowDifference: Histogram<'model'>;
  readonly reloads: Counter<'model' | 'variant' | 'outcome'>;
  readonly inflight: Gauge;
  readonly modelInfo: Gauge<'model' | 'variant' | 'version'>;
  readonly admissionRejected: Counter<'reason'>;
  readonly inflightRows: Gauge;
  readonly predictionLog: Counter<'outcome'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics !== false) {
      collectDefaultMetrics({ register: this.registry });
      // Gauges named *_total fail `promtool check metrics`; the same values exist without the suffix.
      for (const name of [
        'nodejs_active_handles_total',
        'nodejs_active_requests_total',
        'nodejs_active_resources_total',
      ]) {
        this.registry.removeSingleMetric(name);
      }
    }
    this.requests = new Counter({
      name: METRIC_NAMES.requests,
      help: 'HTTP requests by model, variant that answered, endpoint and status code',
      labelNames: ['model', 'variant', 'endpoint', 'code'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: METRIC_NAMES.requestDuration,
      help: 'Request latency from routing to answer, by the variant that answered',
      labelNames: ['model', 'variant', 'endpoint'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.inferenceDuration = new Histogram({
      name: METRIC_NAMES.inferenceDuration,
      help: 'Model call latency per variant, including failed and timed-out canary calls',
      labelNames: ['model', 'variant'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.predictions = new Counter({
      name: METRIC_NAMES.predictions,
      help: 'Rows predicted per variant',
      labelNames: ['model', 'variant'],
      registers,
    });
    this.predictionValue = new Histogram({
      name: METRIC_NAMES.predictionValue,
      help: 'Predicted values: probability of the positive class (binary), class index (multiclass), percentile among the training labels (regression)',
      labelNames: ['model', 'variant'],
      buckets: [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1, 2, 5, 10, 100],
      registers,
    });
    this.predictedClass = new Counter({
      name: METRIC_NAMES.predictedClass,
      help: 'Rows predicted as each class (multiclass), per variant',
      labelNames: ['model', 'variant', 'class'],
      registers,
    });
    this.variantFailures = new Counter({
      name: METRIC_NAMES.variantFailures,
      help: 'Model calls that failed per variant (canary failures are answered by stable)',
      labelNames: ['model', 'variant', 'reason'],
      registers,
    });
    this.batchSize = new Histogram({
      name: METRIC_NAMES.batchSize,
      help: 'Rows per model call (micro-batching coalesces requests)',
      labelNames: ['model', 'variant'],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      registers,
    });
    this.canaryWeight = new Gauge({
      name: METRIC_NAMES.canaryWeight,
      help: 'Share of traffic routed to the canary, percent',
      labelNames: ['model'],
      registers,
    });
    this.rolloutStep = new Gauge({
      name: METRIC_NAMES.rolloutStep,
      help: 'Index of the current rollout step (-1 when no rollout runs)',
      labelNames: ['model'],
      registers,
    });
    this.rolloutAborts = new Counter({
      name: METRIC_NAMES.rolloutAborts,
      help: 'Rollouts aborted (traffic sent back to stable)',
      labelNames: ['model', 'reason'],
      registers,
    });
    this.shadowRequests = new Counter({
      name: METRIC_NAMES.shadowRequests,
      help: 'Requests mirrored to the shadow model, by outcome',
      labelNames: ['model', 'outcome'],
      registers,
    });
    this.shadowDifference = new Histogram({
      name: METRIC_NAMES.shadowDifference,
      help: 'Absolute difference between shadow and stable predictions per row',
      labelNames: ['model'],
      buckets: [0.001, 0.01, 0.05, 0.1, 0.2, 0.5, 1, 10],
      registers,
    });
    this.reloads = new Counter({
      name: METRIC_NAMES.reloads,
      help: 'Model package loads at runtime by outcome',
      labelNames: ['model', 'variant', 'outcome'],
      registers,
    });
    this.inflight = new Gauge({
      name: METRIC_NAMES.inflight,
      help: 'Requests being processed now',
      registers,
    });
    this.modelInfo = new Gauge({
      name: METRIC_NAMES.modelInfo,
      help: 'Loaded model versions (value 1)',
      labelNames: ['model', 'variant', 'version'],
      registers,
    });
    this.admissionRejected = new Counter({
      name: METRIC_NAMES.admissionRejected,
      help: 'Prediction requests refused by admission control (503 + Retry-After) or their deadline',
      labelNames: ['reason'],
      registers,
    });
    this.inflightRows = new Gauge({
      name: METRIC_NAMES.inflightRows,
      help: 'Rows admitted and not yet answered',
      registers,
    });
    this.predictionLog = new Counter({
      name: METRIC_NAMES.predictionLog,
      help: 'Sampled prediction log entries: written, dropped (backpressure) or failed (write error)',
      labelNames: ['outcome'],
      registers,
    });
  }
}
