/**
 * Issue 18, item 2, on the server: `POST /admin/models/{m}/rollout` moves traffic only for the
 * authenticated identity (the admin token's name, never x-slipway-actor) when the policy grants it
 * `rollout:<environment>` with its approvals, and only to a registered version holding an alias the
 * environment allows; every decision, allowed or refused, is in the hash-chained audit log. An abort
 * needs no grant and no approval (on-call can always send traffic back to stable).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '@slipway/core';
import {
  type AuditRecord,
  appendAudit,
  approve as approveVersion,
  fileAuditSink,
  loadPolicy,
  offlineLookup,
  parseAuditLines,
  verifyAuditLines,
} from '@slipway/governance';
import {
  auditEvents,
  createLoader,
  policyGuard,
  type RolloutState,
  type ServingServer,
  startServer,
} from '@slipway/serving';
import { openStore } from '@slipway/tracking';
import { train } from '@slipway/training';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject } from '../packages/training/src/project.fixture.js';

const defaults = configSchema.shape.serving.unwrap().parse({});
const KEY = 'audit-hmac-key';
let dir: string;
let storeDir: string;
let srv: ServingServer;
const sink = () => fileAuditSink(join(dir, 'audit.jsonl'));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-rollout-policy-'));
  storeDir = join(dir, '.slipway');
  for (const [name, seed] of [
    ['v1', 3],
    ['v2', 4],
  ] as const) {
    const p = await makeProject({
      config: { training: { backend: 'cpu', epochs: 1, batchSize: 32, seed, validationSplit: 0.2 } },
    });
    await train({ loaded: await p.load(), outDir: join(dir, name) });
    await rm(p.dir, { recursive: true, force: true });
  }
  const store = await openStore(storeDir);
  await store.ensureRegisteredModel('m');
  await store.createModelVersion('m', join(dir, 'v1'));
  const v2 = await store.createModelVersion('m', join(dir, 'v2'));
  await store.setAlias('m', 'challenger', v2.version);
  await store.close();
  await writeFile(
    join(dir, 'slipway.policy.yaml'),
    [
      'version: 1',
      'roles:',
      '  release: { members: [alice] }',
      '  reviewers: { members: [rita, alice] }',
      'grants:',
      '  - role: release',
      '    models: m',
      '    actions: ["rollout:production"]',
      'approvals:',
      '  "rollout:production": { required: 1, from: reviewers }',
      '',
    ].join('\n'),
  );
  srv = await startServer({
    config: {
      ...defaults,
      port: 0,
      workers: 1,
      predictionLog: false,
      stateDir: join(dir, 'state'),
      rollout: {
        ...defaults.rollout,
        environment: 'production',
        aliases: ['champion'],
        steps: [{ setWeight: 10 }, { pause: {} }],
      },
    },
    root: dir,
    models: [{ source: 'v1', name: 'm' }],
    load: createLoader({ cwd: dir, trackingUri: storeDir }),
    adminToken: 'alice:token-of-alice,mallory:token-of-mallory',
    onEvent: await auditEvents(sink(), { key: KEY }),
    rolloutGuard: policyGuard({
      root: dir,
      policyPath: 'slipway.policy.yaml',
      trackingUri: storeDir,
      environment: 'production',
      aliases: ['champion'],
      audit: {
        read: () => sink().read(),
        append: async (r) => {
          await appendAudit(sink(), r as AuditRecord, { key: KEY });
        },
        key: KEY,
      },
    }),
    defaultMetrics: false,
  });
}, 240_000);
afterAll(async () => {
  await srv?.close();
  await rm(dir, { recursive: true, force: true });
});

async function admin(token: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const r = await fetch(`${srv.url}/admin/models/m/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as RolloutState & { error?: string; code?: string } };
}

/** `slipway approve <version> --rollout production` as `actor` (the governance call the CLI makes). */
async function approve(actor: string, version: string): Promise<void> {
  const store = await openStore(storeDir);
  try {
    const r = await approveVersion({
      store,
      model: 'm',
      version,
      rollout: 'production',
      actor: {
        login: actor,
        source: 'git-config',
        ci: false,
        repository: null,
        eventName: null,
        pullRequest: null,
        policyRef: null,
      },
      policy: await loadPolicy(join(dir, 'slipway.policy.yaml')),
      lookup: offlineLookup,
      audit: sink(),
      auditKey: KEY,
    });
    expect(r).toMatchObject({ approved: true, rule: 'approvals["rollout:production"]' });
  } finally {
    await store.close();
  }
}

async function decisions() {
  const lines = await sink().read();
  expect(verifyAuditLines(lines, { key: KEY }).ok).toBe(true);
  return parseAuditLines(lines).filter(
    (e) => e.event !== 'approve' && e.data.action === 'rollout:production',
  );
}

describe('admin rollouts under the policy', () => {
  it('refuses an actor without a grant, whatever x-slipway-actor says, and audits it as that actor', async () => {
    const r = await admin(
      'token-of-mallory',
      'rollout',
      { source: 'models:/m/2' },
      { 'x-slipway-actor': 'alice' },
    );
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('ROLLOUT_REFUSED');
    expect(r.body.error).toMatch(/mallory is not a member of role "release"/);
    const last = (await decisions()).at(-1);
    expect(last).toMatchObject({
      event: 'rollout',
      outcome: 'refused',
      actor: 'mallory',
      model: 'm',
      version: '2',
    });
  });

  it('refuses a package directory and a version without an allowed alias', async () => {
    const d = await admin('token-of-alice', 'rollout', { source: join(dir, 'v2') });
    expect(d.status).toBe(403);
    expect(d.body.error).toMatch(/refused by registered-source: .* is not a registered model version/);
    const a = await admin('token-of-alice', 'rollout', { source: 'models:/m@challenger' });
    expect(a.status).toBe(403);
    expect(a.body.error).toMatch(
      /refused by alias: m v2 holds aliases challenger; the production environment takes only champion/,
    );
    expect((await decisions()).slice(-2).map((e) => [e.actor, e.outcome, e.data.rule])).toEqual([
      ['alice', 'refused', 'registered-source'],
      ['alice', 'refused', 'alias'],
    ]);
  });

  it('needs the approvals: self-approval does not count, a reviewer’s does', async () => {
    const store = await openStore(storeDir);
    await store.setAlias('m', 'champion', '2');
    await store.close();
    const none = await admin('token-of-alice', 'rollout', { source: 'models:/m@champion' });
    expect(none.status).toBe(403);
    expect(none.body.error).toMatch(/refused by approvals\["rollout:production"\]: 0 of 1 required approval/);
    await approve('alice', '2');
    expect((await admin('token-of-alice', 'rollout', { source: 'models:/m@champion' })).status).toBe(403);
    await approve('rita', '2');
    const ok = await admin('token-of-alice', 'rollout', { source: 'models:/m@champion' });
    expect(ok.status, ok.body.error).toBe(200);
    // The alias is pinned to the version it named when the policy allowed it.
    expect(ok.body.canary?.source).toBe('models:/m/2');
    expect(ok.body.canary?.version).toBe('2');
    const last = (await decisions()).filter((e) => e.data.request === 'rollout.start').at(-1);
    expect(last).toMatchObject({ outcome: 'allowed', actor: 'alice', version: '2' });
    expect(String(last?.data.reason)).toMatch(/1 approval\(s\): rita/);
    // The controller's own event follows the decision, under the same actor.
    const started = parseAuditLines(await sink().read()).filter((e) => e.data.type === 'rollout.started');
    expect(started.at(-1)?.actor).toBe('alice');
  });

  it('lets anyone holding an admin token abort, without grant or approval, and records who', async () => {
    const r = await admin('token-of-mallory', 'rollout/abort', { reason: 'on-call: error spike' });
    expect(r.status, r.body.error).toBe(200);
    expect(r.body.phase).toBe('Degraded');
    const last = (await decisions()).at(-1);
    expect(last).toMatchObject({
      event: 'rollback',
      outcome: 'allowed',
      actor: 'mallory',
      data: { rule: 'admin-token' },
    });
  });

  it('refuses promotion of a rollout to an actor without the grant', async () => {
    const ok = await admin('token-of-alice', 'rollout', { source: 'models:/m/2' });
    expect(ok.status, ok.body.error).toBe(200);
    const r = await admin('token-of-mallory', 'rollout/promote', { full: true });
    expect(r.status).toBe(403);
    const done = await admin('token-of-alice', 'rollout/promote', { full: true });
    expect(done.status, done.body.error).toBe(200);
    expect(done.body.phase).toBe('Healthy');
    expect(done.body.stable?.source).toBe('models:/m/2');
  });
});
