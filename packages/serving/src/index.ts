export { RolloutClient, type RolloutClientOptions } from './admin-client.js';
export { Admission, type AdmissionLimits, type Ticket } from './admission.js';
export { auditEvents, auditRecord, governance } from './audit.js';
export { MicroBatcher, type MicroBatchOptions, slicePredictions } from './batcher.js';
export { parseDuration } from './duration.js';
export { loadTokens, parseTokens, type TokenSet, tokenSet } from './http/auth.js';
export { HttpError } from './http/errors.js';
export { createLoader, type LoaderOptions, type PackageLoader } from './loader.js';
export {
  buildManifests,
  type ManifestOptions,
  type Manifests,
  promQuery,
  vectorCondition,
} from './manifests.js';
export { METRIC_NAMES, ServingMetrics } from './metrics.js';
export { allowAuditedPackageCode, type PackageCodeOptIn, packageCodeWarning } from './package-code.js';
export { inlineExecutor, type PredictExecutor, workerPool } from './pool/executor.js';
export { PredictionLog, type PredictionLogEntry } from './prediction-log.js';
export {
  type AnalysisPhase,
  evaluateMeasurement,
  type Measurement,
  type MeasurementPhase,
  type MetricResult,
  recordMeasurement,
  runPhase,
} from './rollout/analysis.js';
export { type CompiledCondition, compileCondition } from './rollout/condition.js';
export {
  checkSteps,
  ROLLOUT_STATE_SCHEMA,
  RolloutController,
  type RolloutControllerOptions,
  type RolloutEvent,
  type RolloutPhase,
  type RolloutState,
  type SourceRef,
} from './rollout/controller.js';
export { DEFAULT_ROLLOUT_STEPS, rolloutSteps } from './rollout/default-steps.js';
export {
  type AdminAction,
  type GuardAuditRecord,
  type GuardDecision,
  type GuardRequest,
  type PolicyGuardOptions,
  policyGuard,
  type RolloutGuard,
} from './rollout/guard.js';
export {
  type AnsweringVariant,
  Deployment,
  type DeploymentOptions,
  type PredictOutcome,
} from './router/deployment.js';
export { bucketOf, fnv1a, routesToCanary } from './router/hash.js';
export { ksDistance, LiveStats, measureMetric, quantile, type Variant } from './router/stats.js';
export { type ServeOptions, type ServingConfig, type ServingServer, startServer } from './server.js';
export { type LoadedSource, ModelSlot } from './slot.js';
