// Lineage and reproduction end to end: a real git repository, real training (tfjs cpu backend), the real
// local store; the chain is read back link by link and the version is retrained from its lineage.
import { execFileSync } from 'node:child_process';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '@slipway/cli';
import { loadConfig } from '@slipway/core';
import {
  appendAudit,
  lineageChain,
  offlineLookup,
  parsePolicy,
  readEvalReport,
  refreshModelCard,
  registerVersion,
  renderLineage,
  reproduce,
  storeAuditSink,
  VERSION_TAGS,
} from '@slipway/governance';
import { auditRecord } from '@slipway/serving';
import { LocalStore } from '@slipway/tracking';
import { loadModelPackage, train } from '@slipway/training';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { governanceCommands } from '../packages/cli/src/commands/governance.js';
import { evalReport } from '../packages/governance/src/testing/card-fixtures.js';

let dir: string;
let store: LocalStore;
let version: string;
let commit: string;
let packageDir: string;

function rows(n: number, seed: number): string {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const out = ['x1,cat,label'];
  for (let i = 0; i < n; i++) {
    const x1 = Math.round((rnd() * 4 - 2) * 1000) / 1000;
    const cat = ['a', 'b', 'c'][Math.floor(rnd() * 3)]!;
    out.push(`${x1},${cat},${x1 + (cat === 'a' ? 1 : 0) > 0.3 ? 1 : 0}`);
  }
  return `${out.join('\n')}\n`;
}

const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Trainer', '-c', 'user.email=t@example.com', ...args], {
    cwd: dir,
    encoding: 'utf8',
  }).trim();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-lineage-'));
  await writeFile(join(dir, 'train.csv'), rows(400, 1));
  await writeFile(join(dir, 'eval.csv'), rows(100, 2));
  await writeFile(
    join(dir, 'slipway.config.mjs'),
    `export default ${JSON.stringify({
      project: { name: 'lineage-demo' },
      data: { train: 'train.csv', eval: 'eval.csv', label: 'label' },
      features: [
        { column: 'x1', transform: 'standardize' },
        { column: 'cat', transform: 'oneHot' },
      ],
      model: { task: 'binary', type: 'mlp', hidden: [4] },
      training: { backend: 'cpu', epochs: 2, batchSize: 32, seed: 11, validationSplit: 0.2 },
    })};\n`,
  );
  await writeFile(join(dir, '.gitignore'), '.slipway/\n*.csv\nslipway.lock\n');
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-qm', 'project');
  commit = git('rev-parse', 'HEAD');
  store = new LocalStore(join(dir, '.slipway'));
  const loaded = await loadConfig({ cwd: dir });
  const result = await train({ loaded, store, force: true });
  packageDir = result.packageDir;
  await store.ensureRegisteredModel('lineage-demo');
  const v = await store.createModelVersion('lineage-demo', `runs:/${result.runId}/model`, {
    runId: result.runId!,
    tags: { [VERSION_TAGS.packageHash]: result.hash },
  });
  version = v.version;
  await store.setAlias('lineage-demo', 'champion', version);
  const audit = storeAuditSink(store);
  await appendAudit(audit, {
    event: 'promote',
    outcome: 'allowed',
    actor: 'alice',
    model: 'lineage-demo',
    version,
    data: { alias: 'champion', previousVersion: null },
  });
  await appendAudit(audit, {
    event: 'rollout',
    outcome: 'ok',
    actor: 'alice',
    model: 'lineage-demo',
    version,
    data: { env: 'production', step: 0, setWeight: 10 },
  });
}, 300_000);

afterAll(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const saved = { ...process.env };
  for (const k of ['SLIPWAY_TRACKING_URI', 'MLFLOW_TRACKING_URI', 'GITHUB_ACTIONS']) delete process.env[k];
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

describe('lineage chain', () => {
  it('links data → commit → config → run → package → registry → promotions → rollouts', async () => {
    const chain = await lineageChain({ store, model: 'lineage-demo', version, audit: storeAuditSink(store) });
    expect(chain.data.map((d) => d.name)).toEqual(['train', 'eval']);
    expect(chain.data[0]!.md5).toMatch(/^[0-9a-f]{32}$/);
    expect(chain.code.commit).toBe(commit);
    expect(chain.code.dirty).toBe(false);
    expect(chain.run.status).toBe('FINISHED');
    expect(chain.package.hash).toBe(chain.registry.tags[VERSION_TAGS.packageHash]);
    expect(chain.registry.aliases).toEqual(['champion']);
    expect(chain.promotions).toEqual([
      expect.objectContaining({ alias: 'champion', actor: 'alice', outcome: 'allowed' }),
    ]);
    expect(chain.rollouts).toEqual([
      expect.objectContaining({ event: 'rollout', data: expect.objectContaining({ setWeight: 10 }) }),
    ]);
    expect(chain.breaks).toEqual([]);
    const text = renderLineage(chain);
    expect(text).toContain(`commit   ${commit}`);
    expect(text.indexOf('data')).toBeLessThan(text.indexOf('commit'));
    expect(text.indexOf('registry')).toBeLessThan(text.indexOf('rollouts'));
  });

  it('shows the rollouts the server recorded, which name the package by hash and their steps not at all', async () => {
    const audit = storeAuditSink(store);
    const pkg = await loadModelPackage(packageDir);
    const canary = { source: packageDir, version: pkg.hash.slice(0, 12), hash: pkg.hash };
    const other = { source: '/elsewhere', version: 'f'.repeat(12), hash: 'f'.repeat(64) };
    const at = '2026-12-01T00:00:00.000Z';
    const events = [
      { type: 'rollout.started', model: 'lineage-demo', at, details: { canary, stable: other, steps: 2 } },
      { type: 'rollout.step', model: 'lineage-demo', at, details: { step: 0, setWeight: 50 } },
      { type: 'rollout.step', model: 'lineage-demo', at, details: { step: 1, setWeight: 100 } },
      { type: 'rollout.completed', model: 'lineage-demo', at, details: { stable: canary } },
      // A later rollout of another package: its steps are not this version's.
      { type: 'rollout.started', model: 'lineage-demo', at, details: { canary: other, stable: canary } },
      { type: 'rollout.step', model: 'lineage-demo', at, details: { step: 0, setWeight: 25 } },
    ] as const;
    for (const e of events) await appendAudit(audit, auditRecord(e as never, 'alice'));
    const chain = await lineageChain({ store, model: 'lineage-demo', version, audit });
    const types = chain.rollouts.map((r) => r.data.type);
    // The later rollout's start names this package as its stable, so it is listed; its step is not.
    expect(types.filter((t) => t !== undefined)).toEqual([
      'rollout.started',
      'rollout.step',
      'rollout.step',
      'rollout.completed',
      'rollout.started',
    ]);
    expect(chain.rollouts.filter((r) => r.data.setWeight === 25)).toEqual([]);
    const cli1 = await cli(['lineage', 'lineage-demo', version]);
    expect(cli1.stdout).not.toMatch(/rollouts\s+none/);
    expect(cli1.stdout).toContain('rollout.completed');
  });

  it('a promotion refreshes the stored card: current aliases and the promotion record', async () => {
    const out = join(dir, 'card-refresh');
    const { written } = await refreshModelCard({
      config: (await loadConfig({ cwd: dir })).config,
      store,
      model: 'lineage-demo',
      version,
      audit: storeAuditSink(store),
      projectRoot: dir,
      outDir: out,
    });
    expect(written.markdown).toMatch(/\| Aliases \| `champion` \|/);
    expect(written.markdown).toMatch(/- Promoted to `champion` by alice at /);
    const v = await store.getModelVersion('lineage-demo', version);
    expect(v.tags[VERSION_TAGS.cardSha256]).toBe(written.sha256);
  });

  it('reports a break when the version tag names another package', async () => {
    await store.setModelVersionTag('lineage-demo', version, VERSION_TAGS.packageHash, 'f'.repeat(64));
    try {
      const chain = await lineageChain({ store, model: 'lineage-demo', version });
      expect(chain.breaks.join('\n')).toMatch(/slipway\.package\.hash is ffffffffffff…/);
    } finally {
      const run = await store.getRun((await store.getModelVersion('lineage-demo', version)).runId!);
      await store.setModelVersionTag(
        'lineage-demo',
        version,
        VERSION_TAGS.packageHash,
        run.tags[VERSION_TAGS.packageHash]!,
      );
    }
  });
});

describe('reproduce', () => {
  it('retrains from the recorded lineage and gets byte-identical weights', async () => {
    const r = await reproduce({ store, model: 'lineage-demo', version, projectDir: dir });
    expect(r.blockedBy).toBeNull();
    expect(r.checks.find((c) => c.name === 'config')?.ok).toBe(true);
    expect(r.featuresMatch).toBe(true);
    expect(r.weightsMatch).toBe(true);
    expect(r.reproduced?.weightsSha256).toBe(r.original.weightsSha256);
    // A new package was written (its lineage has new timestamps), not the old one re-read.
    expect(r.reproduced?.packageHash).not.toBe(r.original.packageHash);
  });

  it('refuses to claim anything when the data changed since training', async () => {
    await appendFile(join(dir, 'train.csv'), '0.5,a,1\n');
    const r = await reproduce({ store, model: 'lineage-demo', version, projectDir: dir });
    expect(r.weightsMatch).toBe(false);
    expect(r.reproduced).toBeNull();
    expect(r.blockedBy).toMatch(/dataset train changed since training/);
  });
});

describe('the CLI verbs', () => {
  it('card <version> --eval stores the report and the card; lineage shows them', async () => {
    const reportFile = join(dir, 'report.json');
    const run = await store.getRun((await store.getModelVersion('lineage-demo', version)).runId!);
    await writeFile(reportFile, JSON.stringify(evalReport('pass', run.tags[VERSION_TAGS.packageHash])));
    // Replacing a version's report is a policy decision: without a policy it fails closed …
    const closed = await cli(['card', version, '--eval', reportFile, '--out', join(dir, 'card'), '--json']);
    expect(closed.stderr).toMatch(/POLICY_NOT_FOUND/);
    expect(
      (await store.getModelVersion('lineage-demo', version)).tags['slipway.eval.verdict'],
    ).toBeUndefined();
    // … and with the `register` grant it is stored and audited with both digests.
    await writeFile(
      join(dir, 'slipway.policy.yaml'),
      'version: 1\nroles:\n  local: { members: ["@local"] }\ngrants:\n  - role: local\n    actions: [register]\n',
    );
    const card = await cli(['card', version, '--eval', reportFile, '--out', join(dir, 'card'), '--json']);
    expect(card.stderr).toBe('');
    expect(card.code).toBe(0);
    const out = JSON.parse(card.stdout);
    expect(out).toMatchObject({ target: 'version', version, recorded: true, eval: 'store' });
    const v = await store.getModelVersion('lineage-demo', version);
    expect(v.tags[VERSION_TAGS.cardSha256]).toBe(out.sha256);
    expect(v.tags['slipway.eval.verdict']).toBe('pass');
    const lineage = await cli(['lineage', 'lineage-demo', version, '--json']);
    expect(lineage.code).toBe(0);
    expect(JSON.parse(lineage.stdout)).toMatchObject({
      evaluation: { verdict: 'pass' },
      card: { sha256: out.sha256 },
    });
    // One model reference, as every command takes it: name:version, or the version of the project's model.
    const byRef = await cli(['lineage', `lineage-demo:${version}`, '--json']);
    expect(byRef.code, byRef.stderr).toBe(0);
    expect(JSON.parse(byRef.stdout)).toEqual(JSON.parse(lineage.stdout));
    const bad = await cli(['card', join(dir, 'nope'), '--json']);
    expect(bad.code).toBe(2);
  });
});

describe('registerVersion', () => {
  const identity = {
    login: 'Local Dev',
    source: 'git-config' as const,
    ci: false,
    repository: null,
    eventName: null,
    pullRequest: null,
    policyRef: null,
  };
  const allow = parsePolicy(
    'version: 1\nroles:\n  local: { members: ["@local"] }\ngrants:\n  - role: local\n    actions: [register]\n',
    'p.yaml',
  );
  const deny = parsePolicy('version: 1\nroles: {}\ngrants: []\n', 'p.yaml');

  it('returns the existing version for a package already registered, and refuses without a grant', async () => {
    const args = {
      store,
      model: 'lineage-demo',
      packageDir,
      actor: identity,
      lookup: offlineLookup,
      audit: storeAuditSink(store),
    };
    const again = await registerVersion({ ...args, policy: allow });
    expect(again).toMatchObject({ registered: true, existing: true, version });
    const refused = await registerVersion({ ...args, policy: deny });
    expect(refused).toMatchObject({
      registered: false,
      version: null,
      refusedBy: { rule: 'deny-by-default' },
    });
  });

  it('registers into another store with a run that holds the package, and stores the eval report', async () => {
    const other = new LocalStore(join(dir, 'other-store'));
    try {
      const hash = (await store.getModelVersion('lineage-demo', version)).tags[VERSION_TAGS.packageHash]!;
      const r = await registerVersion({
        store: other,
        model: 'lineage-demo',
        packageDir,
        actor: identity,
        policy: allow,
        lookup: offlineLookup,
        audit: storeAuditSink(other),
        evalReport: evalReport('pass', hash),
      });
      expect(r).toMatchObject({
        registered: true,
        existing: false,
        version: '1',
        evalRecorded: true,
        packageHash: hash,
      });
      const v = await other.getModelVersion('lineage-demo', '1');
      expect(v.source).toBe(`runs:/${r.runId}/model`);
      expect(v.tags[VERSION_TAGS.author]).toContain('Local Dev');
      expect((await readEvalReport(other, v)).ok).toBe(true);
      const chain = await lineageChain({ store: other, model: 'lineage-demo', version: '1' });
      expect(chain.package.hash).toBe(hash);
      await expect(
        registerVersion({
          store: other,
          model: 'lineage-demo',
          packageDir,
          actor: identity,
          policy: allow,
          lookup: offlineLookup,
          audit: storeAuditSink(other),
          evalReport: evalReport('pass', 'a'.repeat(64)),
        }),
      ).rejects.toThrow(/eval report is for package aaaaaaaaaaaa/);
    } finally {
      await other.close();
    }
  });
});
