// Everything without dependencies comes from base.ts (also an entry point of its own: @slipway/core/base).
export * from './base.js';
export { type ConfigProblem, formatIssues, formatPath, renderProblems } from './config/format-issues.js';
export {
  CONFIG_FILES,
  findConfigFile,
  type LoadedConfig,
  loadConfig,
  resolveProjectPath,
  validateConfig,
} from './config/load.js';
export {
  configSchema,
  defineConfig,
  type FeatureSpec,
  type GateSpec,
  greaterIsBetter,
  type RolloutStep,
  type SlipwayConfig,
  type SlipwayConfigInput,
} from './config/schema.js';
export { gbdtOptions } from './config/sections/model.js';
export { type CiFacts, ciFacts, type GitFacts, gitFacts, stripCredentials } from './git.js';
export {
  BINARY_METRICS,
  LOWER_IS_BETTER,
  METRICS_BY_TASK,
  MULTICLASS_METRICS,
  REGRESSION_METRICS,
  type Task,
  UNIT_INTERVAL_METRICS,
} from './metrics.js';
export {
  EVAL_REPORT_SCHEMA,
  type EvalReportHeader,
  evalReportHeaderSchema,
  type GateResult,
  gateResultSchema,
} from './types/eval-report.js';
export { jsonSchemas } from './types/json-schemas.js';
export { type DatasetRef, datasetRef, LINEAGE_SCHEMA, type Lineage, lineageSchema } from './types/lineage.js';
export {
  MODEL_FAMILY_FILES,
  MODEL_PACKAGE_COMMON_FILES,
  MODEL_PACKAGE_FILES,
  MODEL_PACKAGE_SCHEMA,
  type ModelFamily,
  type ModelPackageManifest,
  modelFamilyOf,
  modelPackageFiles,
  modelPackageManifestSchema,
} from './types/model-package.js';
export {
  grantAction,
  POLICY_VERSION,
  type Policy,
  type PolicyGrant,
  policyMember,
  policySchema,
  REPO_PERMISSIONS,
  type RepoPermission,
} from './types/policy.js';
