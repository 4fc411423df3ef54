// The promotion security rules through the real `slipway promote` command, a real git repository and the
// real local store: the policy comes from the base branch, forks cannot promote, an actor input is
// ignored, and a malformed policy fails closed naming file, line and field.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '@slipway/cli';
import { loadPolicy, readVerifiedAudit, storeAuditSink } from '@slipway/governance';
import { LocalStore } from '@slipway/tracking';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { governanceCommands } from '../packages/cli/src/commands/governance.js';
import { seedVersion } from '../packages/governance/src/testing/scenario.js';

const BASE_POLICY = `version: 1
roles:
  release:
    members: [alice]
grants:
  - role: release
    models: "flight-*"
    actions: ["promote:champion"]
`;

let dir: string;
let baseSha: string;
let version: string;

const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
    cwd: dir,
    encoding: 'utf8',
  }).trim();

async function slipway(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
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

async function event(name: string, payload: unknown): Promise<string> {
  const path = join(dir, '..', `${name}-${Date.now()}.json`);
  await writeFile(path, JSON.stringify(payload));
  return path;
}

function prEvent(sender: string, headRepo: string, base = baseSha) {
  return {
    sender: { login: sender },
    repository: { full_name: 'acme/flights', default_branch: 'main' },
    pull_request: {
      number: 42,
      user: { login: sender },
      head: { ref: 'feature', repo: { full_name: headRepo, fork: headRepo !== 'acme/flights' } },
      base: { ref: 'main', sha: base, repo: { full_name: 'acme/flights' } },
    },
  };
}

const ci = (eventPath: string, actor: string, extra: Record<string, string> = {}) => ({
  GITHUB_ACTIONS: 'true',
  GITHUB_EVENT_NAME: 'pull_request',
  GITHUB_EVENT_PATH: eventPath,
  GITHUB_ACTOR: actor,
  GITHUB_REPOSITORY: 'acme/flights',
  ...extra,
});

beforeAll(async () => {
  const root = await mkdtemp(join(tmpdir(), 'slipway-security-'));
  dir = join(root, 'repo');
  execFileSync('mkdir', ['-p', dir]);
  await writeFile(
    join(dir, 'slipway.config.mjs'),
    `export default ${JSON.stringify({
      project: { name: 'flight-delay' },
      data: { train: 'train.csv', eval: 'eval.csv', label: 'y' },
      features: [{ column: 'x', transform: 'standardize' }],
      model: { task: 'binary' },
      drift: {},
      serving: {},
    })};\n`,
  );
  await writeFile(join(dir, 'slipway.policy.yaml'), BASE_POLICY);
  await writeFile(join(dir, '.gitignore'), '.slipway/\n');
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-qm', 'base policy');
  baseSha = git('rev-parse', 'HEAD');
  // The pull request's branch grants its author (mallory) the release role.
  git('checkout', '-qb', 'feature');
  await writeFile(join(dir, 'slipway.policy.yaml'), BASE_POLICY.replace('[alice]', '[alice, mallory]'));
  git('commit', '-qam', 'grant myself');
  const store = new LocalStore(join(dir, '.slipway'));
  version = (await seedVersion(store)).version;
  await store.close();
}, 120_000);

afterAll(async () => {
  await rm(join(dir, '..'), { recursive: true, force: true });
});

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

describe('promotion security', () => {
  it('reads the policy from the base branch: a PR that grants itself gains nothing', async () => {
    // The working tree (the PR) does grant mallory…
    expect((await loadPolicy(join(dir, 'slipway.policy.yaml'))).policy.roles.release!.members).toContain(
      'mallory',
    );
    // …but the judged policy is the base branch's.
    const r = await slipway(
      ['promote', 'flight-delay', version, '--to', 'champion', '--json'],
      ci(await event('pr', prEvent('mallory', 'acme/flights')), 'mallory'),
    );
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.policy.source).toBe(`${baseSha}:slipway.policy.yaml`);
    expect(out.refusedBy).toMatchObject({ rule: 'grants[0]' });
    expect(out.refusedBy.reason).toMatch(/mallory is not a member of role "release"/);
    expect(await champion()).toBeNull();
    expect(await lastAudit()).toMatchObject({ event: 'promote', outcome: 'refused', actor: 'mallory' });
  });

  it('a fork pull request cannot promote, even for a granted actor', async () => {
    const r = await slipway(
      ['promote', 'flight-delay', version, '--to', 'champion', '--json'],
      ci(await event('fork', prEvent('alice', 'alice/flights')), 'alice'),
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).refusedBy).toMatchObject({ rule: 'fork-pull-request' });
    expect(await champion()).toBeNull();
  });

  it('a spoofed actor input is ignored: the event sender is the actor', async () => {
    const r = await slipway(
      ['promote', 'flight-delay', version, '--to', 'champion', '--json'],
      ci(await event('spoof', prEvent('mallory', 'acme/flights')), 'mallory', { INPUT_ACTOR: 'alice' }),
    );
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.actor).toBe('mallory');
    expect(out.refusedBy.rule).toBe('grants[0]');
    expect((await lastAudit()).data).toMatchObject({
      ignoredRequestedActor: 'alice',
      identitySource: 'github-event',
    });
    // And there is no flag to pass an actor at all.
    const flag = await slipway(
      ['promote', 'flight-delay', version, '--to', 'champion', '--actor', 'alice'],
      ci(await event('flag', prEvent('mallory', 'acme/flights')), 'mallory'),
    );
    expect(flag.code).toBe(2);
    expect(await champion()).toBeNull();
  });

  it('a malformed policy on the base branch fails closed with file, line and field', async () => {
    git('checkout', '-q', 'main');
    await writeFile(
      join(dir, 'slipway.policy.yaml'),
      BASE_POLICY.replace('["promote:champion"]', '["promote:champion", "deploy:prod"]'),
    );
    git('commit', '-qam', 'broken policy');
    const broken = git('rev-parse', 'HEAD');
    git('checkout', '-q', 'feature');
    const r = await slipway(
      ['promote', 'flight-delay', version, '--to', 'champion'],
      ci(await event('broken', prEvent('alice', 'acme/flights', broken)), 'alice'),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${broken}:slipway.policy.yaml:8:`);
    expect(r.stderr).toContain('grants[0].actions[1]');
    expect(await champion()).toBeNull();
    expect(await lastAudit()).toMatchObject({
      event: 'promote',
      outcome: 'refused',
      actor: 'alice',
      data: { rule: 'policy' },
    });
  });

  it('the granted actor on a same-repository run promotes, and the audit chain verifies', async () => {
    const r = await slipway(
      ['promote', 'flight-delay', version, '--to', 'champion', '--json'],
      ci(await event('ok', prEvent('alice', 'acme/flights')), 'alice'),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ promoted: true, previousVersion: null, actor: 'alice' });
    expect(await champion()).toBe(version);
    const verify = await slipway(['audit', 'verify', '--json'], {});
    // The seeded version's register entry (binding its eval report) and the five promotion attempts.
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, entries: 6 });
  });

  it('audit show filters the log as a table or JSON; verify --expect-head catches a cut log', async () => {
    const shown = await slipway(['audit', 'show', '--kind', 'promote', '--actor', 'mallory', '--json'], {});
    expect(shown.code).toBe(0);
    const entries = JSON.parse(shown.stdout).entries as { event: string; actor: string; outcome: string }[];
    expect(entries.length).toBeGreaterThanOrEqual(2);
    expect(
      entries.every((e) => e.event === 'promote' && e.actor === 'mallory' && e.outcome === 'refused'),
    ).toBe(true);
    const table = await slipway(['audit', 'show', '--model', 'flight-delay', '--version', version], {});
    expect(table.stdout).toMatch(/^seq +time +kind +outcome +actor +model +details +signed/);
    expect(table.stdout).toMatch(/promote +allowed +alice +flight-delay v\d+ +champion: \(unset\) → v\d+/);

    const { checkpoint } = JSON.parse((await slipway(['audit', 'verify', '--json'], {})).stdout) as {
      checkpoint: string;
    };
    expect((await slipway(['audit', 'verify', '--expect-head', checkpoint], {})).code).toBe(0);
    // An insider drops the last entry: the chain left is valid, the checkpoint is not in it.
    const file = join(dir, '.slipway', 'logs', 'audit.log');
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    await writeFile(file, `${lines.slice(0, -1).join('\n')}\n`);
    expect((await slipway(['audit', 'verify'], {})).code).toBe(0);
    const cut = await slipway(['audit', 'verify', '--expect-head', checkpoint], {});
    expect(cut.code).toBe(1);
    expect(cut.stdout).toMatch(/removed from the end or rewritten/);
    await writeFile(file, `${lines.join('\n')}\n`);
  });
});
