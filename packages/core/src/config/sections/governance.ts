import { z } from 'zod';

export const governanceSection = z
  .strictObject({
    policy: z.string().default('slipway.policy.yaml'),
    card: z
      .strictObject({
        license: z.string().optional(),
        intendedUse: z.string().optional(),
        outOfScope: z.array(z.string()).optional(),
        limitations: z.array(z.string()).optional(),
        ethicalConsiderations: z.array(z.string()).optional(),
        riskCategory: z.enum(['minimal', 'limited', 'high', 'unacceptable']).optional(),
        tags: z.array(z.string()).default([]),
      })
      .default({ tags: [] }),
    /** Environment variable that holds the audit HMAC key, if any. */
    auditKeyEnv: z.string().default('SLIPWAY_AUDIT_KEY'),
  })
  .default({ policy: 'slipway.policy.yaml', card: { tags: [] }, auditKeyEnv: 'SLIPWAY_AUDIT_KEY' });
