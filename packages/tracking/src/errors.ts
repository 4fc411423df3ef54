import { isSlipwayError } from '@slipway/core';
import { isMlflowError } from './mlflow/http.js';

/** True for "no such run / model / version / artifact" from either backend. */
export function isNotFound(err: unknown): boolean {
  return (
    (isSlipwayError(err) && err.code === 'TRACKING_NOT_FOUND') ||
    isMlflowError(err, 'RESOURCE_DOES_NOT_EXIST') ||
    isMlflowError(err, 'NOT_FOUND')
  );
}
