import { z } from 'zod';

export const EVAL_REPORT_SCHEMA = 'slipway.eval-report/v1';

export const gateResultSchema = z.object({
  metric: z.string(),
  /** Which rule: threshold, minAbsoluteChange, minRelativeChange, significance, slice, fairness. */
  rule: z.string(),
  passed: z.boolean(),
  candidate: z.number().nullable(),
  baseline: z.number().nullable(),
  /** Human sentence: why it passed or failed. */
  reason: z.string(),
});

/** The header every EvalReport carries; @slipway/eval adds metrics, slices, CIs and explanations. */
export const evalReportHeaderSchema = z.object({
  schema: z.literal(EVAL_REPORT_SCHEMA),
  verdict: z.enum(['pass', 'fail']),
  candidate: z.object({ name: z.string(), version: z.string().nullable(), packageHash: z.string() }),
  baseline: z
    .object({
      name: z.string(),
      version: z.string().nullable(),
      packageHash: z.string(),
      alias: z.string().nullable(),
    })
    .nullable(),
  dataset: z.object({ path: z.string(), md5: z.string().nullable(), rows: z.int().min(0) }),
  gates: z.array(gateResultSchema),
  createdAt: z.iso.datetime(),
});

export type GateResult = z.infer<typeof gateResultSchema>;
export type EvalReportHeader = z.infer<typeof evalReportHeaderSchema>;
