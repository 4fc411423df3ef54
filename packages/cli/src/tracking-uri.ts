/**
 * Where every command finds the tracking store: SLIPWAY_TRACKING_URI, then MLFLOW_TRACKING_URI, then
 * `tracking.uri` from the config. A module of its own so that light commands need not load project.ts.
 */
export function projectTrackingUri(
  config: { tracking: { uri: string } } | null | undefined,
): string | undefined {
  return process.env.SLIPWAY_TRACKING_URI || process.env.MLFLOW_TRACKING_URI || config?.tracking.uri;
}
