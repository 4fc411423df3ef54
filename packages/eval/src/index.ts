export { type EvaluateOptions, evaluate, signatureDifference } from './evaluate.js';
export {
  type EvalConfig,
  type EvaluatePredictionsInput,
  type EvaluationCore,
  evaluatePredictions,
  parseEvalConfig,
} from './evaluate-predictions.js';
export { type ExplainOptions, type ExplainResult, explainModel } from './explain/explain.js';
export { type PermutationImportance, permutationImportance } from './explain/permutation.js';
export { type ScalarModel, type ShapOptions, type ShapResult, shapValues } from './explain/shap.js';
export { fairness } from './fairness.js';
export { type ApplyGatesInput, type ApplyGatesResult, applyGates, type GateResult } from './gates.js';
export { encodeLabels, isMissingLabel, type RawLabel } from './labels.js';
export {
  type BinaryInputs,
  binaryConfusion,
  calibrationBins,
  type MetricValues,
  type PreparedBinary,
  prepareBinary,
  rocCurve,
  selectThreshold,
  type ThresholdChoice,
} from './metrics/binary.js';
export {
  type MulticlassInputs,
  multiclassConfusion,
  perClassKey,
  prepareMulticlass,
} from './metrics/multiclass.js';
export type { PreparedMetrics } from './metrics/prepared.js';
export { prepareRegression } from './metrics/regression.js';
export { type ResidualOptions, residualAnalysis } from './metrics/residuals.js';
export { dropUnlabelled, type LabelledRows, missingValuesSummary } from './missing-values.js';
export * from './monitor/index.js';
export { renderHtml } from './report/html.js';
export { GITHUB_COMMENT_LIMIT, type MarkdownOptions, renderMarkdown } from './report/markdown.js';
export type * from './report/types.js';
export { readEvalReport, type WrittenReports, writeReports } from './report/write.js';
export { computeSlices, sliceGroups, worstSlices } from './slices.js';
export { bootstrap, bootstrapPValue, percentileInterval } from './uncertainty/bootstrap.js';
export { mcnemar, mcnemarFromCounts } from './uncertainty/mcnemar.js';
export { createRng } from './util/rng.js';
