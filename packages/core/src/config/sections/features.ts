import { z } from 'zod';

const base = { column: z.string().min(1), as: z.string().optional() };
const missing = z.enum(['impute', 'error']).default('impute');

export const featureSpec = z.discriminatedUnion('transform', [
  z.strictObject({ ...base, transform: z.literal('standardize'), missing }),
  z.strictObject({ ...base, transform: z.literal('minmax'), missing }),
  z.strictObject({ ...base, transform: z.literal('log1p'), missing }),
  z.strictObject({
    ...base,
    transform: z.literal('clip'),
    min: z.number().optional(),
    max: z.number().optional(),
    quantiles: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]).optional(),
    missing,
  }),
  z.strictObject({
    ...base,
    transform: z.literal('bucketize'),
    boundaries: z.array(z.number()).min(1),
    missing,
  }),
  z.strictObject({
    ...base,
    transform: z.literal('oneHot'),
    maxVocab: z.int().min(1).max(100_000).default(100),
    minCount: z.int().min(1).default(1),
    missing,
  }),
  z.strictObject({ ...base, transform: z.literal('hash'), buckets: z.int().min(2).max(1_000_000), missing }),
  z.strictObject({
    ...base,
    transform: z.literal('datetime'),
    parts: z.array(z.enum(['hour', 'dayOfWeek', 'month', 'dayOfMonth', 'year'])).min(1),
    cyclical: z.boolean().default(false),
    missing,
  }),
  z.strictObject({ ...base, transform: z.literal('passthrough'), missing }),
  z.strictObject({ ...base, transform: z.literal('custom'), name: z.string().min(1), missing }),
]);

export const featuresSection = z.array(featureSpec).min(1);
