import { z } from 'zod';

export const modelSection = z.strictObject({
  /** Registered model name (defaults to `project.name`). */
  name: z.string().optional(),
  task: z.enum(['binary', 'multiclass', 'regression']),
  /** linear: logistic/linear regression; mlp: hidden layers; custom: a registered `registerModel` factory. */
  type: z.enum(['linear', 'mlp', 'custom']).default('mlp'),
  /** With type 'custom': the name given to `registerModel(name, (ctx) => tf.LayersModel)`. */
  factory: z.string().min(1).optional(),
  hidden: z.array(z.int().min(1).max(4096)).default([64, 32]),
  activation: z.enum(['relu', 'tanh', 'elu', 'sigmoid']).default('relu'),
  dropout: z.number().min(0).max(0.95).default(0),
  batchNorm: z.boolean().default(false),
  /** Class labels for multiclass; binary uses 0/1 (or false/true). */
  classes: z.array(z.union([z.string(), z.number()])).optional(),
  /** Decision threshold for binary classification. */
  threshold: z.number().min(0).max(1).default(0.5),
});
