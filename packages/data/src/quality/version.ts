/** Version tags of the JSON documents this module writes; readers refuse other versions. */
export const PROFILE_SCHEMA = 'slipway.profile/v1';
export const DATA_SCHEMA_SCHEMA = 'slipway.data-schema/v1';
export const VALIDATION_SCHEMA = 'slipway.validation/v1';
export const DRIFT_REPORT_SCHEMA = 'slipway.drift-report/v1';
