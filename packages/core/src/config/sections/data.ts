import { z } from 'zod';

export const datasetPath = z.string().min(1);

export const dataSection = z.strictObject({
  /** Training split (CSV, Parquet or JSON lines). */
  train: datasetPath,
  /** Evaluation split. */
  eval: datasetPath,
  /** Named windows of later data for drift monitoring (e.g. { may: 'data/may.parquet' }). */
  monitor: z.record(z.string(), datasetPath).default({}),
  /** The column the model predicts. */
  label: z.string().min(1),
  /**
   * Rows whose label is null: 'drop' leaves them out of training and evaluation and reports how many
   * (lineage, eval report, model card); 'error' stops and names the first such row.
   */
  missingLabel: z.enum(['drop', 'error']).default('drop'),
  /** A unique row id, used to join labels that arrive later. */
  id: z.string().optional(),
  /** Schema produced by `slipway data schema infer`, checked on every PR. */
  schema: z.string().optional(),
  /** Files and directories versioned with `slipway data add` (DVC-compatible). */
  versioned: z.array(z.string()).default([]),
});
