export { type DataFrameLike, dataFrameToTable, tableToDataFrame } from './danfo.js';
export {
  type ColumnDrift,
  DEFAULT_THRESHOLDS,
  type DriftConfig,
  type DriftHistogram,
  type DriftMethod,
  type DriftOptions,
  type DriftReport,
  defaultMethod,
  driftReport,
  SMALL_REFERENCE,
} from './drift.js';
export { type DriftRoles, driftRoles } from './drift-roles.js';
export { dataQualityJsonSchemas, driftReportJsonSchema, profileJsonSchema } from './json-schema.js';
export {
  type ColumnProfile,
  checkProfile,
  mergeProfiles,
  type NumericProfile,
  type Profile,
  type ProfileOptions,
  Profiler,
  profileDataset,
  profileTable,
  readProfile,
} from './profile.js';
export { renderDriftHtml } from './render-html.js';
export { renderDriftMarkdown } from './render-markdown.js';
export {
  type ColumnSchema,
  checkSchema,
  type DataSchema,
  inferSchema,
  MAX_DOMAIN_SIZE,
  readSchema,
  type SchemaType,
  schemaFromProfile,
} from './schema.js';
export { type ExpectationResult, SAMPLE_LIMIT, type ValidationReport, validateDataset } from './validate.js';
export { DATA_SCHEMA_SCHEMA, DRIFT_REPORT_SCHEMA, PROFILE_SCHEMA, VALIDATION_SCHEMA } from './version.js';
