/**
 * Drift tests suited to a window's size. Evidently picks distances (normed Wasserstein, Jensen-Shannon)
 * when the reference is large, with fixed thresholds; on a small window those distances are mostly
 * sampling noise (120-row windows drawn from the training data itself alerted in 58 % of draws). Below
 * SMALL_WINDOW_ROWS the monitor uses p-value tests instead (K-S for numerical, chi-square for
 * categorical columns), whose false-alarm rate is their significance level, and says so in the report.
 */
import type { SlipwayConfig } from '@slipway/core';

export const SMALL_WINDOW_ROWS = 1000;

export interface WindowDrift {
  config: SlipwayConfig['drift'];
  warning: string | null;
}

export function windowDriftConfig(drift: SlipwayConfig['drift'], rows: number): WindowDrift {
  if (rows >= SMALL_WINDOW_ROWS) return { config: drift, warning: null };
  const config = {
    ...drift,
    numerical: drift.numerical ?? { method: 'ks' as const },
    categorical: drift.categorical ?? { method: 'chisquare' as const },
  };
  const chosen =
    drift.numerical || drift.categorical ? 'the configured tests' : 'K-S and chi-square p-value tests';
  return {
    config,
    warning: `small window: ${rows.toLocaleString('en-US')} rows (< ${SMALL_WINDOW_ROWS.toLocaleString('en-US')}); input drift used ${chosen} instead of distances, and prediction drift and performance on so few rows are noisy: read them with care.`,
  };
}
