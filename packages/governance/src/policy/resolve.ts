/**
 * Which policy judges an action: in CI always the one committed on the base branch (the PR's base sha,
 * or the default branch for push/dispatch runs), never the working tree, which a pull request controls.
 * Locally the working-tree file is used unless a ref is asked for.
 */
import { execFile } from 'node:child_process';
import { relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { SlipwayError } from '@slipway/core';
import type { Identity } from './identity.js';
import { type LoadedPolicy, loadPolicy, loadPolicyFromRef } from './load.js';

const exec = promisify(execFile);

export interface PolicyLocation {
  /** The project root (directory of slipway.config.ts). */
  projectRoot: string;
  /** governance.policy from the config, relative to the project root. */
  policyPath: string;
  /** Read from this ref even locally. */
  ref?: string | null;
}

export async function loadPolicyFor(identity: Identity, where: PolicyLocation): Promise<LoadedPolicy> {
  const file = resolve(where.projectRoot, where.policyPath);
  const ref = identity.ci ? identity.policyRef : (where.ref ?? null);
  if (identity.ci && !ref) {
    throw new SlipwayError(
      'POLICY_REF_UNKNOWN',
      'cannot tell the base branch of this run, so no policy can be trusted; denied',
      {
        hint: 'run promotions from pull_request, push or workflow_dispatch events (the event payload names the base)',
      },
    );
  }
  if (!ref) return loadPolicy(file);
  let top: string;
  try {
    top = (await exec('git', ['rev-parse', '--show-toplevel'], { cwd: where.projectRoot })).stdout.trim();
  } catch {
    throw new SlipwayError(
      'POLICY_NOT_FOUND',
      `${where.projectRoot}: not a git checkout, so the policy cannot be read from ${ref}`,
      {
        hint: 'check out the repository (actions/checkout with fetch-depth: 0)',
      },
    );
  }
  return loadPolicyFromRef(top, ref, relative(top, file).split(sep).join('/'));
}
