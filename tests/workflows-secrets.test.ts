/**
 * Issue 20, case 4: the audit key (and the signing key, the serving admin token) reach only jobs that run in
 * a deployment environment, whose branch rule and reviewers a pushed branch cannot pass; what `slipway init`
 * writes names that environment and passes no key from repository secrets.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import {
  initProject,
  RELEASE_ENVIRONMENT,
  releaseEnvironmentSetup,
} from '../packages/cli/src/commands/init.ts';

const KEYS =
  /secrets\.(SLIPWAY_AUDIT_KEY|SLIPWAY_SIGNING_KEY|SLIPWAY_ADMIN_TOKEN|audit-key|serving-admin-token)\b/;
const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

interface Job {
  environment?: string | { name: string };
  steps?: unknown[];
  uses?: string;
  with?: Record<string, unknown>;
  secrets?: unknown;
}

describe('release secrets live in a protected environment (issue 20, case 4)', () => {
  it('every job of the reusable workflows that reads a key runs in the secrets environment', () => {
    const offenders: string[] = [];
    let keyed = 0;
    for (const f of readdirSync('.github/workflows').filter((x) => /^slipway-.*\.yml$/.test(x))) {
      const doc = YAML.parse(readFileSync(join('.github/workflows', f), 'utf8')) as {
        on: { workflow_call: { inputs: Record<string, { default?: string }> } };
        jobs: Record<string, Job>;
      };
      for (const [name, job] of Object.entries(doc.jobs)) {
        if (!KEYS.test(JSON.stringify(job.steps ?? []))) continue;
        keyed++;
        const env = typeof job.environment === 'string' ? job.environment : job.environment?.name;
        if (!/^\$\{\{ inputs\.secrets-environment \}\}$/.test(env ?? '')) offenders.push(`${f} jobs.${name}`);
        expect(doc.on.workflow_call.inputs['secrets-environment']?.default, f).toBe(RELEASE_ENVIRONMENT);
      }
    }
    expect(keyed).toBe(2); // slipway-release.yml: promote and canary
    expect(offenders).toEqual([]);
  });

  it('slipway init writes a release caller that names the environment and passes no repository secret', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-init-secrets-'));
    temps.push(dir);
    await initProject(dir, { name: 'm' });
    const caller = YAML.parse(readFileSync(join(dir, '.github/workflows/slipway-release.yml'), 'utf8')) as {
      jobs: Record<string, Job>;
    };
    const job = caller.jobs.release!;
    expect(job.with?.['secrets-environment']).toBe(RELEASE_ENVIRONMENT);
    // Nothing is mapped from `secrets.*` of the repository: the keys are the environment's.
    expect(job.secrets).toBe('inherit');
    // The setup it prints limits the environment to protected branches and requires a reviewer.
    const setup = releaseEnvironmentSetup('42').join('\n');
    expect(setup).toContain(`environments/${RELEASE_ENVIRONMENT}`);
    expect(setup).toContain('"protected_branches":true');
    expect(setup).toContain('"reviewers":[{"type":"User","id":42}]');
    expect(setup).toMatch(/gh secret set SLIPWAY_AUDIT_KEY --env slipway-release/);
  });
});
