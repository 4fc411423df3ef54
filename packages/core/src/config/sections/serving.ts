import { z } from 'zod';

const duration = z.union([
  z.int().min(0),
  z.string().regex(/^\d+(ms|s|m|h)$/, 'a duration like "30s", "5m" or "250ms"'),
]);

export const rolloutStep = z.union([
  z.strictObject({ setWeight: z.int().min(0).max(100) }),
  z.strictObject({ pause: z.strictObject({ duration: duration.optional() }) }),
  z.strictObject({
    analysis: z.strictObject({
      interval: duration.default('10s'),
      count: z.int().min(1).default(3),
      failureLimit: z.int().min(0).default(0),
      inconclusiveLimit: z.int().min(0).default(0),
      metrics: z
        .array(
          z.strictObject({
            name: z.enum(['error_rate', 'latency_p50', 'latency_p99', 'prediction_drift']),
            successCondition: z.string().optional(),
            failureCondition: z.string().optional(),
          }),
        )
        .min(1),
    }),
  }),
]);

export const servingSection = z
  .strictObject({
    host: z.string().default('127.0.0.1'),
    port: z.int().min(0).max(65535).default(8080),
    microBatch: z
      .union([
        z.literal(false),
        z.strictObject({
          maxDelayMs: z.number().min(0).max(1000).default(2),
          maxBatchSize: z.int().min(1).max(65536).default(64),
        }),
      ])
      .default({ maxDelayMs: 2, maxBatchSize: 64 }),
    maxBodyBytes: z.int().min(1024).default(1_048_576),
    rollout: z.strictObject({ steps: z.array(rolloutStep).default([]) }).default({ steps: [] }),
  })
  .default({
    host: '127.0.0.1',
    port: 8080,
    microBatch: { maxDelayMs: 2, maxBatchSize: 64 },
    maxBodyBytes: 1_048_576,
    rollout: { steps: [] },
  });
