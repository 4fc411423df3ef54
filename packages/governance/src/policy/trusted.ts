/**
 * The inputs a governance decision trusts, decided before any project code runs. slipway.config.ts is a
 * module the pull request controls, executed with the job's token and secrets: once it has run it could
 * have pointed GITHUB_EVENT_PATH at a forged payload or named another policy file. So register, approve
 * and promote call resolveTrustedInputs first, in a process that has not imported the config: the
 * identity comes from the event as the runner delivered it, and in CI the policy path comes from the
 * caller (Action input `policy`, `--policy`) or the default, and the policy text from the base ref.
 * A config that names another policy file than the default is refused in CI unless the caller named
 * that path: the config may agree with the trusted choice, never make it.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { findConfigFile, SlipwayError } from '@slipway/core';
import { type Identity, resolveIdentity } from './identity.js';
import type { LoadedPolicy } from './load.js';
import { loadPolicyFor } from './resolve.js';

export const DEFAULT_POLICY_PATH = 'slipway.policy.yaml';

export interface TrustedInputs {
  readonly identity: Readonly<Identity>;
  /** The project root, found by file name (the config is not executed to find it). */
  readonly projectRoot: string;
  /** In CI: the policy path decided here (relative to the project root); null outside CI. */
  readonly policyPath: string | null;
  /** The caller named the policy path (input, flag): the config's governance.policy is then not consulted. */
  readonly policyPathGiven: boolean;
  /** In CI: the policy read from the protected ref, or why it could not be (reported later, audited). */
  readonly policy: LoadedPolicy | null;
  readonly policyError: unknown;
}

export interface TrustedInputOptions {
  cwd: string;
  /** `--config` / the Action's `config` input: only its directory is used. */
  configFile?: string | null;
  /** The caller's policy path (Action input `policy`, `--policy`); default slipway.policy.yaml. */
  policyPath?: string | null;
  /** An actor someone asked for: never trusted, only recorded. */
  requested?: string | null;
  env?: NodeJS.ProcessEnv;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export async function resolveTrustedInputs(o: TrustedInputOptions): Promise<TrustedInputs> {
  const env = o.env ?? process.env;
  const configFile = o.configFile
    ? isAbsolute(o.configFile)
      ? o.configFile
      : resolve(o.cwd, o.configFile)
    : findConfigFile(o.cwd);
  const projectRoot = configFile && existsSync(configFile) ? dirname(configFile) : resolve(o.cwd);
  const identity = await resolveIdentity({ env, cwd: projectRoot, requested: o.requested ?? null });
  let policyPath: string | null = null;
  let policy: LoadedPolicy | null = null;
  let policyError: unknown = null;
  if (identity.ci) {
    policyPath = o.policyPath || DEFAULT_POLICY_PATH;
    try {
      policy = await loadPolicyFor(identity, { projectRoot, policyPath });
    } catch (err) {
      policyError = err;
    }
  }
  return Object.freeze({
    identity: deepFreeze(identity),
    projectRoot,
    policyPath,
    policyPathGiven: Boolean(o.policyPath),
    policy: deepFreeze(policy),
    policyError,
  });
}

/**
 * The policy that judges the action, once the config is loaded. In CI: the one decided before the config
 * ran; a config whose `governance.policy` names another file is refused, since the pull request wrote it.
 * Outside CI the developer's own config names the file (and `--policy-ref` a ref).
 */
export async function trustedPolicy(
  trusted: TrustedInputs,
  where: { projectRoot: string; configPolicyPath: string; policyPath?: string | null; ref?: string | null },
): Promise<LoadedPolicy> {
  if (!trusted.identity.ci) {
    return loadPolicyFor(trusted.identity as Identity, {
      projectRoot: where.projectRoot,
      policyPath: where.policyPath || where.configPolicyPath,
      ref: where.ref ?? null,
    });
  }
  const decided = resolve(trusted.projectRoot, trusted.policyPath!);
  const named = resolve(where.projectRoot, where.configPolicyPath);
  if (!trusted.policyPathGiven && named !== decided) {
    throw new SlipwayError(
      'POLICY_PATH_UNTRUSTED',
      `governance.policy in the config names ${relative(trusted.projectRoot, named) || named}, but in CI the policy is ${trusted.policyPath} (decided before the config ran: the Action's policy input, --policy, or the default ${DEFAULT_POLICY_PATH}); denied`,
      {
        hint: `the config is code the pull request controls, so it cannot choose the policy: if the base branch's policy really lives at ${where.configPolicyPath}, pass it as the promote Action's \`policy\` input (or --policy)`,
        details: { configPolicy: where.configPolicyPath, trustedPolicy: trusted.policyPath },
      },
    );
  }
  if (trusted.policyError) throw trusted.policyError;
  return trusted.policy!;
}
