import { z } from 'zod';

export const trainingSection = z.strictObject({
  backend: z.enum(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).default('auto'),
  epochs: z.int().min(1).max(10_000).default(5),
  batchSize: z.int().min(1).max(1_000_000).default(512),
  learningRate: z.number().gt(0).max(10).default(0.001),
  optimizer: z.enum(['adam', 'sgd', 'rmsprop']).default('adam'),
  seed: z.int().min(0).default(42),
  validationSplit: z.number().min(0).max(0.5).default(0.1),
  earlyStopping: z
    .strictObject({ patience: z.int().min(1), monitor: z.string().default('val_loss') })
    .optional(),
  classWeight: z.union([z.literal('balanced'), z.record(z.string(), z.number().positive())]).optional(),
  /** Train on a deterministic sample of at most this many rows (keeps the demo fast). */
  maxRows: z.int().min(1).optional(),
});
