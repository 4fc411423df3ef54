/**
 * Deny by default: an action is allowed only when some grant covers the model and the action and the
 * actor is provably a member of the grant's role (and holds the minimum repository permission).
 * Every refusal carries the rule that failed and why.
 */
import type { Policy } from '@slipway/core';
import type { GitHubLookup } from './github.js';
import { permissionAtLeast } from './github.js';
import type { Identity } from './identity.js';

export interface Decision {
  allowed: boolean;
  /** The rule that decided: `grants[0]`, `deny-by-default`, `fork-pull-request`, … */
  rule: string;
  reason: string;
  role?: string;
}

/** `*` matches any run of characters, `?` one; everything else is literal. */
export function globMatch(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}

/** `promote:*` covers `promote:champion`; `register` only `register`. */
export function actionMatch(pattern: string, action: string): boolean {
  const [pv, pt] = pattern.split(':', 2);
  const [av, at] = action.split(':', 2);
  if (pv !== av) return false;
  if (pt === undefined || at === undefined) return pt === at;
  return globMatch(pt, at);
}

export interface MembershipResult {
  member: boolean;
  /** Why membership could not be proven (a team without a token), when relevant. */
  unproven: string[];
  via?: string;
}

/**
 * The actor as the policy sees it, for refusals. Locally the name comes from `git config user.name`
 * (often not a valid policy member: spaces), so the refusal names the member that does match it.
 */
export function actorForRefusal(identity: Pick<Identity, 'login' | 'ci'>): string {
  return identity.ci
    ? `GitHub user ${identity.login}`
    : `the local user "${identity.login}" (outside CI, add "@local" to the role's members)`;
}

/** Whether `identity` is a member of `role`; teams are asked through `lookup`. */
export async function roleMembership(
  policy: Policy,
  role: string,
  identity: Pick<Identity, 'login' | 'ci'>,
  lookup: GitHubLookup,
): Promise<MembershipResult> {
  const def = policy.roles[role];
  if (!def) return { member: false, unproven: [] };
  const unproven: string[] = [];
  const login = identity.login.toLowerCase();
  for (const m of def.members) {
    if (m === '@local') {
      if (!identity.ci) return { member: true, unproven, via: '@local' };
      continue;
    }
    // Anyone; the grant's minRepoPermission (required with "*") then decides.
    if (m === '*') return { member: true, unproven, via: '*' };
    if (!m.includes('/')) {
      if (m.toLowerCase() === login) return { member: true, unproven, via: m };
      continue;
    }
    const [org, team] = m.split('/') as [string, string];
    const answer = await lookup.teamMembership(org, team, identity.login);
    if (answer.known && answer.value) return { member: true, unproven, via: m };
    if (!answer.known) unproven.push(answer.reason);
  }
  return { member: false, unproven };
}

export interface AuthorizeInput {
  policy: Policy;
  identity: Identity;
  /** `register`, `promote:<alias>`, `rollout:<env>`, `approve:<alias>`. */
  action: string;
  model: string;
  lookup: GitHubLookup;
}

export async function authorize(input: AuthorizeInput): Promise<Decision> {
  const { policy, identity, action, model, lookup } = input;
  if (identity.ci && identity.pullRequest?.fromFork) {
    return {
      allowed: false,
      rule: 'fork-pull-request',
      reason: `${action} refused: the run comes from a fork pull request (${identity.pullRequest.headRepo ?? 'deleted fork'}); forks never register, promote or roll out`,
    };
  }
  const candidates = policy.grants
    .map((g, index) => ({ g, index }))
    .filter(({ g }) => globMatch(g.models, model) && g.actions.some((a) => actionMatch(a, action)));
  if (candidates.length === 0) {
    return {
      allowed: false,
      rule: 'deny-by-default',
      reason: `no grant in the policy covers ${action} on model "${model}"`,
    };
  }
  const reasons: string[] = [];
  // The refusal names the grant that came closest (membership proven, a later condition failed).
  let closest: { rule: string; stage: number } | null = null;
  const miss = (rule: string, stage: number, text: string) => {
    reasons.push(text);
    if (!closest || stage > closest.stage) closest = { rule, stage };
  };
  for (const { g, index } of candidates) {
    const rule = `grants[${index}]`;
    const membership = await roleMembership(policy, g.role, identity, lookup);
    if (!membership.member) {
      const why = membership.unproven.length > 0 ? `: ${membership.unproven.join('; ')}` : '';
      miss(rule, 0, `${rule}: ${actorForRefusal(identity)} is not a member of role "${g.role}"${why}`);
      continue;
    }
    if (g.minRepoPermission) {
      if (!identity.repository) {
        miss(
          rule,
          1,
          `${rule}: minRepoPermission ${g.minRepoPermission} cannot be checked without a repository (GITHUB_REPOSITORY)`,
        );
        continue;
      }
      const perm = await lookup.repoPermission(identity.repository, identity.login);
      if (!perm.known) {
        miss(rule, 1, `${rule}: ${perm.reason}`);
        continue;
      }
      if (!permissionAtLeast(perm.value, g.minRepoPermission)) {
        miss(
          rule,
          1,
          `${rule}: ${identity.login} has ${perm.value ?? 'no'} permission on ${identity.repository}; the grant needs ${g.minRepoPermission}`,
        );
        continue;
      }
    }
    return {
      allowed: true,
      rule,
      role: g.role,
      reason: `${identity.login} is allowed ${action} on "${model}" by ${rule} (role "${g.role}" via ${membership.via})`,
    };
  }
  return {
    allowed: false,
    rule: (closest as { rule: string } | null)?.rule ?? 'deny-by-default',
    reason: `${action} on "${model}" refused: ${reasons.join('; ')}`,
  };
}
