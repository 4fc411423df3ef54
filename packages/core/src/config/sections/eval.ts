import { z } from 'zod';

export const gateSpec = z
  .strictObject({
    /** Absolute bound the candidate must meet (inclusive). */
    threshold: z.number().optional(),
    /** Minimum absolute improvement over the baseline (inclusive). */
    minAbsoluteChange: z.number().min(0).optional(),
    /** Minimum relative improvement over the baseline (inclusive); MLflow allows 0..1. */
    minRelativeChange: z.number().min(0).max(1).optional(),
    greaterIsBetter: z.boolean().optional(),
    /** Regressions fail, and improvements count, only when significant at this level. */
    significance: z.number().gt(0).lt(1).optional(),
  })
  .refine(
    (g) =>
      g.threshold !== undefined ||
      g.minAbsoluteChange !== undefined ||
      g.minRelativeChange !== undefined ||
      g.significance !== undefined,
    { message: 'a gate needs at least one of threshold, minAbsoluteChange, minRelativeChange, significance' },
  );

export const sliceGateSpec = z.strictObject({
  metric: z.string(),
  minSupport: z.int().min(1).default(100),
  /** No slice with at least minSupport rows may be worse than this. */
  threshold: z.number(),
});

export const evalSection = z.strictObject({
  metrics: z.array(z.string()).optional(),
  gates: z.record(z.string(), gateSpec).default({}),
  slices: z
    .strictObject({
      columns: z.array(z.string()).default([]),
      numeric: z.record(z.string(), z.array(z.number()).min(1)).default({}),
      minSupport: z.int().min(1).default(100),
      gates: z.array(sliceGateSpec).default([]),
    })
    .default({ columns: [], numeric: {}, minSupport: 100, gates: [] }),
  fairness: z
    .strictObject({
      sensitive: z.string(),
      maxDemographicParityDifference: z.number().min(0).max(1).optional(),
      maxEqualizedOddsDifference: z.number().min(0).max(1).optional(),
    })
    .optional(),
  bootstrap: z
    .strictObject({
      resamples: z.int().min(10).max(100_000).default(1000),
      seed: z.int().default(7),
      confidence: z.number().gt(0).lt(1).default(0.95),
    })
    .default({ resamples: 1000, seed: 7, confidence: 0.95 }),
  explain: z
    .strictObject({
      /** false: no explanations (they cost extra predictions). */
      enabled: z.boolean().default(true),
      /** Rows scored for permutation importance. */
      sample: z.int().min(1).default(500),
      /** Background rows: E[f(x)] and the values of features outside a coalition. */
      background: z.int().min(1).default(100),
      /** Rows explained with SHAP (each costs 2^M × background predictions when M ≤ 10). */
      shapRows: z.int().min(1).default(20),
      /** Permutation-importance repeats per feature (sklearn's n_repeats). */
      repeats: z.int().min(1).default(5),
      /** SHAP permutations per row when there are more than 10 features. */
      permutations: z.int().min(1).default(10),
    })
    .default({ enabled: true, sample: 500, background: 100, shapRows: 20, repeats: 5, permutations: 10 }),
  /** Classes counted by top_k_accuracy (sklearn's default k = 2). */
  topK: z.int().min(1).default(2),
  /** Uniform bins of the expected calibration error. */
  eceBins: z.int().min(2).max(1000).default(10),
  /** binary: also report the thresholds that reach these targets on the evaluation data. */
  operatingPoint: z
    .strictObject({
      targetPrecision: z.number().gt(0).max(1).optional(),
      targetRecall: z.number().gt(0).max(1).optional(),
    })
    .default({}),
  /** How many worst slices the report surfaces. */
  worstSlices: z.int().min(1).max(100).default(5),
  /** Registry alias of the baseline model. */
  baseline: z.string().default('champion'),
});
