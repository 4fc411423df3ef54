import { z } from 'zod';

export const gateSpec = z.strictObject({
  /** Absolute bound the candidate must meet (inclusive). */
  threshold: z.number().optional(),
  /** Minimum absolute improvement over the baseline (inclusive). */
  minAbsoluteChange: z.number().min(0).optional(),
  /** Minimum relative improvement over the baseline (inclusive). */
  minRelativeChange: z.number().min(0).optional(),
  greaterIsBetter: z.boolean().optional(),
  /** Regressions fail, and improvements count, only when significant at this level. */
  significance: z.number().gt(0).lt(1).optional(),
});

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
    .strictObject({ sample: z.int().min(1).default(500), background: z.int().min(1).default(100) })
    .default({ sample: 500, background: 100 }),
  /** Registry alias of the baseline model. */
  baseline: z.string().default('champion'),
});
