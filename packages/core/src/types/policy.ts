import { z } from 'zod';

export const POLICY_VERSION = 1;

/** `register`, `promote:<alias>`, `rollout:<env>`, or a `*` wildcard in the part after the colon. */
export const grantAction = z
  .string()
  .regex(
    /^(register|promote:[A-Za-z0-9_*-]+|rollout:[A-Za-z0-9_*-]+|approve:[A-Za-z0-9_*-]+)$/,
    'register, promote:<alias>, rollout:<env> or approve:<alias>',
  );

export const policySchema = z.strictObject({
  version: z.literal(POLICY_VERSION),
  roles: z.record(
    z.string(),
    z.strictObject({
      /** GitHub logins, or `org/team` slugs. */
      members: z.array(z.string().min(1)).min(1),
    }),
  ),
  grants: z.array(
    z.strictObject({
      role: z.string(),
      /** Model-name glob, e.g. `flight-*`. */
      models: z.string().default('*'),
      actions: z.array(grantAction).min(1),
      minRepoPermission: z.enum(['read', 'triage', 'write', 'maintain', 'admin']).optional(),
    }),
  ),
  approvals: z
    .record(
      z.string(),
      z.strictObject({
        required: z.int().min(1),
        /** Role whose members may approve. */
        from: z.string(),
        allowSelfApproval: z.literal(false).default(false),
      }),
    )
    .default({}),
});

export type Policy = z.infer<typeof policySchema>;
