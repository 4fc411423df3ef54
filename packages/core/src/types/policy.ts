import { z } from 'zod';

export const POLICY_VERSION = 1;

const ACTION_PATTERN = /^(register|promote:[A-Za-z0-9_*-]+|rollout:[A-Za-z0-9_*-]+|approve:[A-Za-z0-9_*-]+)$/;

/** `register`, `promote:<alias>`, `rollout:<env>`, `approve:<alias>`; `*` is a wildcard after the colon. */
export const grantAction = z
  .string()
  .regex(ACTION_PATTERN, 'register, promote:<alias>, rollout:<env> or approve:<alias>');

/**
 * A member is a GitHub login (`octocat`), an `org/team` slug (needs a token with org read to prove),
 * `@local`: whoever runs Slipway outside GitHub Actions (never matches in CI), or `*`: any actor, allowed
 * only in roles whose grants all set `minRepoPermission` (so GitHub itself vouches for the actor).
 */
export const policyMember = z
  .string()
  .min(1)
  .regex(
    /^(@local|\*|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\[bot\])?|[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9][A-Za-z0-9_.-]*)$/,
    'a GitHub login, an org/team slug, @local or *',
  );

export const REPO_PERMISSIONS = ['read', 'triage', 'write', 'maintain', 'admin'] as const;

export const policySchema = z.strictObject({
  version: z.literal(POLICY_VERSION),
  roles: z.record(
    z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, ".", "_" and "-" only'),
    z.strictObject({
      /** GitHub logins, `org/team` slugs, or `@local`. An empty list grants nothing. */
      members: z.array(policyMember),
    }),
  ),
  grants: z.array(
    z.strictObject({
      role: z.string(),
      /** Model-name glob, e.g. `flight-*`. */
      models: z.string().min(1).default('*'),
      actions: z.array(grantAction).min(1),
      /** The actor must also hold at least this permission on the repository (collaborator permission API). */
      minRepoPermission: z.enum(REPO_PERMISSIONS).optional(),
    }),
  ),
  /** Keyed by action (`promote:champion`, `promote:*`): approvals needed before that action is allowed. */
  approvals: z
    .record(
      grantAction,
      z.strictObject({
        required: z.int().min(1),
        /** Role whose members may approve. */
        from: z.string(),
        /** Self-approval (the actor or the version's author approving) is never allowed. */
        allowSelfApproval: z.literal(false).default(false),
      }),
    )
    .default({}),
});

export type Policy = z.infer<typeof policySchema>;
export type PolicyGrant = Policy['grants'][number];
export type RepoPermission = (typeof REPO_PERMISSIONS)[number];
