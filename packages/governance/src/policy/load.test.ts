import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSlipwayError } from '@slipway/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPolicy, loadPolicyFromRef, parsePolicy } from './load.js';

const GOOD = `version: 1
roles:
  release:
    members: [alice, acme/ml-release]
  reviewers:
    members: [bob]
grants:
  - role: release
    models: "flight-*"
    actions: [register, "promote:champion"]
approvals:
  "promote:champion":
    required: 1
    from: reviewers
`;

function problem(text: string): {
  message: string;
  details: { problems: { line: number; field: string }[] };
} {
  try {
    parsePolicy(text, 'slipway.policy.yaml');
  } catch (err) {
    expect(isSlipwayError(err)).toBe(true);
    return err as never;
  }
  throw new Error('expected the policy to be rejected');
}

describe('parsePolicy', () => {
  it('accepts a valid policy and fills defaults', () => {
    const { policy, sha256 } = parsePolicy(GOOD, 'p.yaml');
    expect(policy.grants[0]!.actions).toEqual(['register', 'promote:champion']);
    expect(policy.approvals['promote:champion']).toEqual({
      required: 1,
      from: 'reviewers',
      allowSelfApproval: false,
    });
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names file, line and field of a bad action', () => {
    const err = problem(GOOD.replace('"promote:champion"]', '"promote:champion", "deploy"]'));
    expect(err.message).toMatch(/^slipway\.policy\.yaml:10:\d+: grants\[0\]\.actions\[2\]: /);
  });

  it('names an unknown field on its own line', () => {
    const err = problem(
      GOOD.replace('    models: "flight-*"', '    models: "flight-*"\n    allow_all: true'),
    );
    expect(err.message).toMatch(/^slipway\.policy\.yaml:10:\d+: grants\[0\]\.allow_all: /);
  });

  it('rejects a grant for a role that does not exist', () => {
    const err = problem(GOOD.replace('  - role: release', '  - role: relase'));
    expect(err.message).toMatch(
      /^slipway\.policy\.yaml:8:\d+: grants\[0\]\.role: role "relase" is not defined/,
    );
  });

  it('rejects a YAML syntax error with its line', () => {
    const err = problem(GOOD.replace('    members: [bob]', '    members: [bob'));
    expect(err.message).toMatch(/^slipway\.policy\.yaml:\d+:\d+: \(syntax\)/);
  });

  it('rejects duplicate keys, a wrong version, an empty file and self-approval', () => {
    expect(problem(GOOD.replace('  reviewers:\n', '  release:\n')).message).toMatch(/:5:\d+: \(syntax\)/);
    expect(problem(GOOD.replace('version: 1', 'version: 2')).message).toMatch(/:1:\d+: version:/);
    expect(problem('').message).toMatch(/empty/);
    expect(problem(`${GOOD}    allowSelfApproval: true\n`).message).toMatch(
      /:15:\d+: approvals\.promote:champion\.allowSelfApproval/,
    );
  });

  it('rejects a member that is neither a login, a team nor @local', () => {
    expect(problem(GOOD.replace('[bob]', '["bob smith"]')).message).toMatch(
      /:6:\d+: roles\.reviewers\.members\[0\]/,
    );
  });
});

describe('loading from files and git refs', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-policy-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a missing file fails closed', async () => {
    await expect(loadPolicy(join(dir, 'slipway.policy.yaml'))).rejects.toThrow(/no policy file/);
  });

  it('reads the committed policy at a ref, not the working tree', async () => {
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@e', ...args], {
        cwd: dir,
        stdio: 'pipe',
      });
    git('init', '-q', '-b', 'main');
    await writeFile(join(dir, 'slipway.policy.yaml'), GOOD);
    git('add', '.');
    git('commit', '-qm', 'policy');
    await writeFile(join(dir, 'slipway.policy.yaml'), GOOD.replace('[bob]', '[bob, mallory]'));
    const fromRef = await loadPolicyFromRef(dir, 'main', 'slipway.policy.yaml');
    expect(fromRef.policy.roles.reviewers!.members).toEqual(['bob']);
    expect(fromRef.source).toBe('main:slipway.policy.yaml');
    await expect(loadPolicyFromRef(dir, 'main', 'missing.yaml')).rejects.toThrow(
      /cannot read the policy from git/,
    );
    await expect(loadPolicyFromRef(dir, '--output=/tmp/x', 'slipway.policy.yaml')).rejects.toThrow(
      /not a git ref/,
    );
  });
});

describe('the "*" member', () => {
  it('is only allowed in grants that set minRepoPermission', () => {
    const anyone = `version: 1
roles:
  writers:
    members: ["*"]
grants:
  - role: writers
    actions: ["promote:champion"]
`;
    expect(() => parsePolicy(anyone, 'p.yaml')).toThrow(
      /p\.yaml:6:\d+: grants\[0\]\.role: .*must set minRepoPermission/,
    );
    expect(
      parsePolicy(`${anyone}    minRepoPermission: write\n`, 'p.yaml').policy.roles.writers!.members,
    ).toEqual(['*']);
  });
});

describe('the example project policy', () => {
  it('apps/flight-delay/slipway.policy.yaml is valid and lets the local actor promote to champion', async () => {
    const { authorize } = await import('./authorize.js');
    const { offlineLookup } = await import('./github.js');
    const file = new URL('../../../../apps/flight-delay/slipway.policy.yaml', import.meta.url).pathname;
    const { policy } = await loadPolicy(file);
    const local = {
      login: 'Any Name',
      source: 'git-config' as const,
      ci: false,
      repository: null,
      eventName: null,
      pullRequest: null,
      policyRef: null,
    };
    const args = { policy, identity: local, model: 'flight-delay', lookup: offlineLookup };
    expect(await authorize({ ...args, action: 'promote:champion' })).toMatchObject({
      allowed: true,
      rule: 'grants[0]',
    });
    expect(await authorize({ ...args, action: 'rollout:production' })).toMatchObject({ allowed: false });
    // In CI @local never matches, and without a token write access cannot be proven.
    const ci = {
      ...local,
      login: 'someone',
      source: 'github-event' as const,
      ci: true,
      repository: 'slipway-dev/slipway',
    };
    const denied = await authorize({ ...args, identity: ci, action: 'promote:champion' });
    expect(denied).toMatchObject({ allowed: false, rule: 'grants[1]' });
    expect(denied.reason).toMatch(/permission on slipway-dev\/slipway cannot be checked/);
  });
});
