import { z } from 'zod';

export const modelSection = z.strictObject({
  /** Registered model name (defaults to `project.name`). */
  name: z.string().optional(),
  task: z.enum(['binary', 'multiclass', 'regression']),
  type: z.enum(['linear', 'mlp']).default('mlp'),
  hidden: z.array(z.int().min(1).max(4096)).default([64, 32]),
  activation: z.enum(['relu', 'tanh', 'elu', 'sigmoid']).default('relu'),
  dropout: z.number().min(0).max(0.95).default(0),
  batchNorm: z.boolean().default(false),
  /** Class labels for multiclass; binary uses 0/1 (or false/true). */
  classes: z.array(z.union([z.string(), z.number()])).optional(),
  /** Decision threshold for binary classification. */
  threshold: z.number().min(0).max(1).default(0.5),
});
