/**
 * Issue 20, case 2 reproduced through the real `slipway promote` on a pull_request run: the PR head's
 * slipway.config.ts (a) names a broader policy file that exists on the base branch, (b) rewrites
 * GITHUB_EVENT_PATH / GITHUB_ACTOR to a forged payload (a maintainer as sender, the PR's own commit as
 * base). Identity and policy are decided before the config runs, so neither reaches further.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '@slipway/cli';
import { readVerifiedAudit, resolveIdentity, storeAuditSink } from '@slipway/governance';
import { LocalStore } from '@slipway/tracking';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { governanceCommands } from '../packages/cli/src/commands/governance.js';
import { seedVersion } from '../packages/governance/src/testing/scenario.js';

const POLICY = (members: string) => `version: 1
roles:
  release:
    members: [${members}]
grants:
  - role: release
    models: "flight-*"
    actions: ["promote:champion"]
`;
const CONFIG = (extra: string, prelude = '') =>
  `${prelude}\nexport default ${JSON.stringify({
    project: { name: 'flight-delay' },
    data: { train: 'train.csv', eval: 'eval.csv', label: 'y' },
    features: [{ column: 'x', transform: 'standardize' }],
    model: { task: 'binary' },
  }).replace(/}$/, `${extra}}`)};\n`;

let dir: string;
let baseSha: string;
let version: string;
const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
    cwd: dir,
    encoding: 'utf8',
  }).trim();

async function slipway(args: string[], env: Record<string, string>) {
  const saved = { ...process.env };
  for (const k of Object.keys(process.env))
    if (k.startsWith('GITHUB_') || k.startsWith('INPUT_')) delete process.env[k];
  for (const k of ['SLIPWAY_TRACKING_URI', 'MLFLOW_TRACKING_URI']) delete process.env[k];
  Object.assign(process.env, env);
  let stdout = '';
  let stderr = '';
  try {
    const code = await main(
      [...args, '--cwd', dir],
      { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } },
      governanceCommands,
    );
    return { code, stdout, stderr };
  } finally {
    process.env = saved;
  }
}

const prEvent = (sender: string, base: string) => ({
  sender: { login: sender },
  repository: { full_name: 'acme/flights', default_branch: 'main' },
  pull_request: {
    number: 7,
    user: { login: sender },
    head: { ref: 'feature', repo: { full_name: 'acme/flights', fork: false } },
    base: { ref: 'main', sha: base, repo: { full_name: 'acme/flights' } },
  },
});

/** The run as the runner delivers it: mallory's pull request against main. */
async function mallorysRun(): Promise<Record<string, string>> {
  const path = join(dir, '..', `event-${Date.now()}.json`);
  await writeFile(path, JSON.stringify(prEvent('mallory', baseSha)));
  return {
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: path,
    GITHUB_ACTOR: 'mallory',
    GITHUB_BASE_REF: 'main',
    GITHUB_REPOSITORY: 'acme/flights',
  };
}

/** The pull request's head: commits `config` as slipway.config.mjs on the feature branch. */
async function prHead(config: string): Promise<string> {
  git('checkout', '-q', '-B', 'feature', baseSha);
  await writeFile(join(dir, 'slipway.config.mjs'), config);
  git('commit', '-qam', 'pr head');
  return git('rev-parse', 'HEAD');
}

async function champion(): Promise<string | null> {
  const store = new LocalStore(join(dir, '.slipway'));
  try {
    return (await store.getVersionByAlias('flight-delay', 'champion'))?.version ?? null;
  } finally {
    await store.close();
  }
}

async function lastAudit() {
  const store = new LocalStore(join(dir, '.slipway'));
  try {
    return (await readVerifiedAudit(storeAuditSink(store))).at(-1)!;
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  const root = await mkdtemp(join(tmpdir(), 'slipway-trust-ci-'));
  dir = join(root, 'repo');
  await mkdir(join(dir, 'policies'), { recursive: true });
  await writeFile(join(dir, 'slipway.config.mjs'), CONFIG(''));
  await writeFile(join(dir, 'slipway.policy.yaml'), POLICY('alice'));
  // A real, broader policy on the base branch (a sandbox), the one a PR would like to be judged by.
  await writeFile(join(dir, 'policies/sandbox.yaml'), POLICY('alice, mallory'));
  await writeFile(join(dir, '.gitignore'), '.slipway/\n');
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-qm', 'base');
  baseSha = git('rev-parse', 'HEAD');
  const store = new LocalStore(join(dir, '.slipway'));
  version = (await seedVersion(store)).version;
  await store.close();
}, 120_000);

afterAll(async () => {
  await rm(join(dir, '..'), { recursive: true, force: true });
});

describe('a pull request cannot pick its policy or its identity (issue 20, case 2)', () => {
  it('(a) a config naming another policy file on the base branch is refused, and audited', async () => {
    await prHead(CONFIG(`,"governance":{"policy":"policies/sandbox.yaml"}`));
    const r = await slipway(['promote', 'flight-delay', version, '--to', 'champion'], await mallorysRun());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('governance.policy in the config names policies/sandbox.yaml');
    expect(r.stderr).toContain('in CI the policy is slipway.policy.yaml');
    expect(await champion()).toBeNull();
    expect(await lastAudit()).toMatchObject({
      event: 'promote',
      outcome: 'refused',
      actor: 'mallory',
      data: { rule: 'policy' },
    });
  });

  it('(a) the caller, not the config, names a non-default policy (Action input / --policy)', async () => {
    await prHead(CONFIG(`,"governance":{"policy":"policies/sandbox.yaml"}`));
    // The workflow chose the default policy; the config agreeing with something else changes nothing.
    const judged = await slipway(
      ['promote', 'flight-delay', version, '--to', 'champion', '--policy', 'slipway.policy.yaml', '--json'],
      await mallorysRun(),
    );
    expect(judged.code).toBe(1);
    expect(JSON.parse(judged.stdout)).toMatchObject({
      policy: { source: `${baseSha}:slipway.policy.yaml` },
      refusedBy: { rule: 'grants[0]' },
    });
    expect(await champion()).toBeNull();
  });

  it('(b) a config that forges the event payload and GITHUB_ACTOR changes neither actor nor base', async () => {
    // The forged payload: a maintainer as sender, and the PR's own commit (which grants mallory) as base.
    const forged = join(dir, '..', 'forged-event.json');
    const prelude = `import { writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: import.meta.dirname, encoding: 'utf8' }).trim();
writeFileSync(${JSON.stringify(forged)}, JSON.stringify(${JSON.stringify(prEvent('alice', 'HEAD_SHA'))}).replace('HEAD_SHA', head));
process.env.GITHUB_EVENT_PATH = ${JSON.stringify(forged)};
process.env.GITHUB_ACTOR = 'alice';`;
    git('checkout', '-q', '-B', 'feature', baseSha);
    await writeFile(join(dir, 'slipway.policy.yaml'), POLICY('alice, mallory'));
    await writeFile(join(dir, 'slipway.config.mjs'), CONFIG('', prelude));
    git('commit', '-qam', 'forge the event, grant myself');
    const r = await slipway(
      ['promote', 'flight-delay', version, '--to', 'champion', '--json'],
      await mallorysRun(),
    );
    // The config did run (it wrote the forged file) but only after identity and policy were decided.
    expect(
      JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(forged, 'utf8'))).sender.login,
    ).toBe('alice');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.actor).toBe('mallory');
    expect(out.policy.source).toBe(`${baseSha}:slipway.policy.yaml`);
    expect(out.refusedBy.reason).toMatch(/mallory is not a member of role "release"/);
    expect(await champion()).toBeNull();
    expect(await lastAudit()).toMatchObject({ event: 'promote', outcome: 'refused', actor: 'mallory' });
  });

  it('(b) an event file rewritten by an earlier step is caught against the runner-set GITHUB_ACTOR', async () => {
    const env = await mallorysRun();
    await writeFile(env.GITHUB_EVENT_PATH!, JSON.stringify(prEvent('alice', baseSha)));
    await expect(resolveIdentity({ env })).rejects.toMatchObject({ code: 'IDENTITY_MISMATCH' });
    await writeFile(
      env.GITHUB_EVENT_PATH!,
      JSON.stringify({
        ...prEvent('mallory', baseSha),
        pull_request: { ...prEvent('mallory', baseSha).pull_request, base: { ref: 'release', sha: baseSha } },
      }),
    );
    await expect(resolveIdentity({ env })).rejects.toMatchObject({
      code: 'IDENTITY_MISMATCH',
      message: expect.stringContaining('base branch release'),
    });
  });
});
