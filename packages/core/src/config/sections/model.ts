import { z } from 'zod';

/**
 * model.gbdt: gradient-boosted trees (Slipway's own histogram trainer). Defaults follow scikit-learn's
 * HistGradientBoosting; `training.earlyStopping` (patience in iterations) stops on the validation split.
 */
export const gbdtOptions = z.strictObject({
  /** Boosting iterations (trees per output). */
  iterations: z.int().min(1).max(100_000).default(100),
  /** Shrinkage applied to every leaf. */
  learningRate: z.number().gt(0).max(1).default(0.1),
  /** Leaves per tree (trees grow leaf-wise, best gain first). */
  maxLeaves: z.int().min(2).max(65_536).default(31),
  /** Depth limit; unset: only maxLeaves limits a tree. */
  maxDepth: z.int().min(1).max(64).optional(),
  /** Fewest training rows a leaf may hold. */
  minSamplesLeaf: z.int().min(1).default(20),
  /** Smallest hessian sum a leaf may hold. */
  minHessianLeaf: z.number().gt(0).default(1e-3),
  /** L2 regularisation of leaf values. */
  l2: z.number().min(0).default(0),
  /** Bins per input column (quantiles of the training rows), at most 255. */
  maxBins: z.int().min(2).max(255).default(255),
  /** A split must improve the loss by more than this. */
  minGainToSplit: z.number().min(0).default(0),
});

export const modelSection = z
  .strictObject({
    /** Registered model name (defaults to `project.name`). */
    name: z.string().optional(),
    task: z.enum(['binary', 'multiclass', 'regression']),
    /**
     * linear: logistic/linear regression; mlp: hidden layers; gbdt: gradient-boosted trees (options in
     * `gbdt`); custom: a registered `registerModel` factory.
     */
    type: z.enum(['linear', 'mlp', 'gbdt', 'custom']).default('mlp'),
    /** With type 'gbdt': the tree ensemble's hyper-parameters (each has a default; unset: all defaults). */
    gbdt: gbdtOptions.optional(),
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
  })
  .superRefine((model, ctx) => {
    // Tree options on a tfjs model would be silently ignored: say so instead.
    if (model.gbdt !== undefined && model.type !== 'gbdt') {
      ctx.addIssue({
        code: 'custom',
        path: ['gbdt'],
        message: `model.gbdt is set but model.type is "${model.type}", which does not use it`,
        params: { fix: "set model.type to 'gbdt', or remove model.gbdt" },
      });
    }
  });
