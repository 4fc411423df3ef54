/**
 * The metric names Slipway computes, by task. Config validation uses them (a gate on an unknown
 * metric is an error) and @slipway/eval implements exactly these.
 */
export const BINARY_METRICS = [
  'accuracy',
  'precision',
  'recall',
  'f1',
  'roc_auc',
  'pr_auc',
  'log_loss',
  'brier',
  'ece',
] as const;
export const MULTICLASS_METRICS = [
  'accuracy',
  'macro_f1',
  'micro_f1',
  'weighted_f1',
  'top_k_accuracy',
  'log_loss',
] as const;
export const REGRESSION_METRICS = ['mae', 'rmse', 'r2', 'mape', 'median_absolute_error'] as const;

export type Task = 'binary' | 'multiclass' | 'regression';

export const METRICS_BY_TASK: Record<Task, readonly string[]> = {
  binary: BINARY_METRICS,
  multiclass: MULTICLASS_METRICS,
  regression: REGRESSION_METRICS,
};

/** Metrics bounded to [0, 1], so a threshold outside that range is a config mistake. */
export const UNIT_INTERVAL_METRICS = new Set([
  'accuracy',
  'precision',
  'recall',
  'f1',
  'roc_auc',
  'pr_auc',
  'brier',
  'ece',
  'macro_f1',
  'micro_f1',
  'weighted_f1',
  'top_k_accuracy',
]);

/** Direction used when a gate does not say `greaterIsBetter`. */
export const LOWER_IS_BETTER = new Set([
  'log_loss',
  'brier',
  'ece',
  'mae',
  'rmse',
  'mape',
  'median_absolute_error',
]);
