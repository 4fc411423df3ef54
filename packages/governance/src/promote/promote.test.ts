import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStore } from '@slipway/tracking';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readVerifiedAudit } from '../audit/log.js';
import { type AuditSink, storeAuditSink } from '../audit/sink.js';
import { offlineLookup } from '../policy/github.js';
import { parsePolicy } from '../policy/load.js';
import { ciIdentity, PROMOTION_POLICY, seedVersion, testGates } from '../testing/scenario.js';
import { approve, promote } from './promote.js';

let dir: string;
let store: LocalStore;
let audit: AuditSink;
const policy = parsePolicy(PROMOTION_POLICY, 'slipway.policy.yaml');

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-promote-'));
  store = new LocalStore(join(dir, '.slipway'));
  audit = storeAuditSink(store);
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const base = () => ({
  store,
  model: 'flight-delay',
  alias: 'champion',
  policy,
  lookup: offlineLookup,
  audit,
  gates: testGates(),
});

describe('approve a rollout', () => {
  const rolloutPolicy = parsePolicy(
    `${PROMOTION_POLICY}  "rollout:production":\n    required: 1\n    from: reviewers\n`,
    'slipway.policy.yaml',
  );

  it('records the approval under rollout:<environment>, the action the serving guard counts', async () => {
    const v = await seedVersion(store);
    const { alias: _alias, ...rest } = base();
    const ok = await approve({
      ...rest,
      policy: rolloutPolicy,
      rollout: 'production',
      version: v.version,
      actor: ciIdentity('bob'),
    });
    expect(ok).toMatchObject({ approved: true, rule: 'approvals["rollout:production"]' });
    // An environment the policy asks no approvals for is refused, not silently accepted.
    const none = await approve({
      ...rest,
      policy: rolloutPolicy,
      rollout: 'staging',
      version: v.version,
      actor: ciIdentity('bob'),
    });
    expect(none).toMatchObject({ approved: false, rule: 'deny-by-default' });
    const entries = (await readVerifiedAudit(audit)).filter((e) => e.event === 'approve');
    expect(entries.map((e) => [e.outcome, e.data.action])).toEqual([
      ['allowed', 'rollout:production'],
      ['refused', 'rollout:staging'],
    ]);
  });

  it('needs exactly one of an alias and an environment', async () => {
    const v = await seedVersion(store);
    await expect(
      approve({ ...base(), rollout: 'production', version: v.version, actor: ciIdentity('bob') }),
    ).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('promote (local store)', () => {
  it('refuses without the required approval, then promotes once a reviewer approves', async () => {
    const v = await seedVersion(store);
    const refused = await promote({ ...base(), version: v.version, actor: ciIdentity('alice') });
    expect(refused.promoted).toBe(false);
    expect(refused.refusedBy).toMatchObject({ name: 'approvals', rule: 'approvals["promote:champion"]' });
    expect(await store.getVersionByAlias('flight-delay', 'champion')).toBeNull();

    const ok = await approve({ ...base(), version: v.version, actor: ciIdentity('bob') });
    expect(ok.approved).toBe(true);
    const done = await promote({ ...base(), version: v.version, actor: ciIdentity('alice') });
    expect(done).toMatchObject({ promoted: true, previousVersion: null, unchanged: false, refusedBy: null });
    expect(done.approvals.map((a) => a.actor)).toEqual(['bob']);
    expect((await store.getVersionByAlias('flight-delay', 'champion'))?.version).toBe(v.version);

    const entries = await readVerifiedAudit(audit);
    expect(entries.map((e) => [e.event, e.outcome, e.actor])).toEqual([
      ['register', 'allowed', 'registrar'],
      ['promote', 'refused', 'alice'],
      ['approve', 'allowed', 'bob'],
      ['promote', 'allowed', 'alice'],
    ]);
    expect(entries[1]!.data.rule).toBe('approvals["promote:champion"]');
    expect(entries[3]!.data).toMatchObject({ alias: 'champion', previousVersion: null, grant: 'grants[0]' });
  });

  it('moves the alias from the previous version and reports it', async () => {
    const v1 = await seedVersion(store);
    const v2 = await seedVersion(store);
    await promote({ ...base(), alias: 'challenger', version: v1.version, actor: ciIdentity('alice') });
    const r = await promote({
      ...base(),
      alias: 'challenger',
      version: v2.version,
      actor: ciIdentity('erin'),
    });
    expect(r).toMatchObject({ promoted: true, previousVersion: v1.version });
    const again = await promote({
      ...base(),
      alias: 'challenger',
      version: v2.version,
      actor: ciIdentity('erin'),
    });
    expect(again).toMatchObject({ promoted: true, unchanged: true });
  });

  it('no self-approval: the promoting actor and the version author do not count', async () => {
    const v = await seedVersion(store, { author: 'dave' });
    // dave is a reviewer but authored the version: his approval is refused outright.
    const byAuthor = await approve({ ...base(), version: v.version, actor: ciIdentity('dave') });
    expect(byAuthor).toMatchObject({ approved: false, rule: 'approvals["promote:champion"]' });
    expect(byAuthor.reason).toMatch(/no self-approval/);
    // alice is a reviewer too: she may approve, but not count towards her own promotion.
    expect((await approve({ ...base(), version: v.version, actor: ciIdentity('alice') })).approved).toBe(
      true,
    );
    const r = await promote({ ...base(), version: v.version, actor: ciIdentity('alice') });
    expect(r.refusedBy?.rule).toBe('approvals["promote:champion"]');
    expect(r.refusedBy?.reason).toMatch(/alice is the promoting actor \(no self-approval\)/);
    // erin promotes: alice's approval now counts.
    expect((await promote({ ...base(), version: v.version, actor: ciIdentity('erin') })).promoted).toBe(true);
  });

  it('refuses a version whose eval gates failed, naming the failed gate', async () => {
    const v = await seedVersion(store, { verdict: 'fail' });
    await approve({ ...base(), version: v.version, actor: ciIdentity('bob') });
    const r = await promote({ ...base(), version: v.version, actor: ciIdentity('alice') });
    expect(r.refusedBy).toMatchObject({ name: 'eval-report', rule: 'gates' });
    expect(r.refusedBy?.reason).toMatch(/roc_auc threshold \(roc_auc = 0\.55 < threshold 0\.6\)/);
  });

  it('refuses a version without an eval report or without a card', async () => {
    const noEval = await seedVersion(store, { evalReport: false });
    expect(
      (await promote({ ...base(), alias: 'challenger', version: noEval.version, actor: ciIdentity('alice') }))
        .refusedBy,
    ).toMatchObject({
      rule: 'eval-report',
    });
    const noCard = await seedVersion(store, { card: false });
    const r = await promote({
      ...base(),
      alias: 'challenger',
      version: noCard.version,
      actor: ciIdentity('alice'),
    });
    expect(r.refusedBy).toMatchObject({ rule: 'model-card' });
    expect(r.refusedBy?.reason).toMatch(/no model card/);
    // The hint is a command `slipway card` accepts: one model reference, name:version.
    expect(r.refusedBy?.reason).toContain(`run \`slipway card ${noCard.name}:${noCard.version}\``);
  });

  it('refuses an actor the policy does not grant, and a fork pull request', async () => {
    const v = await seedVersion(store);
    await approve({ ...base(), version: v.version, actor: ciIdentity('bob') });
    const mallory = await promote({ ...base(), version: v.version, actor: ciIdentity('mallory') });
    expect(mallory.refusedBy).toMatchObject({ name: 'policy', rule: 'grants[0]' });
    expect(mallory.refusedBy?.reason).toMatch(/mallory is not a member of role "release"/);
    const other = await promote({
      ...base(),
      alias: 'production',
      version: v.version,
      actor: ciIdentity('alice'),
    });
    expect(other.refusedBy).toMatchObject({ rule: 'deny-by-default' });
    const fork = await promote({
      ...base(),
      version: v.version,
      actor: ciIdentity('alice', {
        eventName: 'pull_request',
        pullRequest: {
          number: 3,
          author: 'alice',
          headRepo: 'alice/flights',
          baseRepo: 'acme/flights',
          baseRef: 'main',
          baseSha: null,
          fromFork: true,
        },
      }),
    });
    expect(fork.refusedBy).toMatchObject({ rule: 'fork-pull-request' });
    expect(await store.getVersionByAlias('flight-delay', 'champion')).toBeNull();
  });

  it('refuses while the audit log is tampered with, so forged approvals never count', async () => {
    const v = await seedVersion(store);
    await approve({ ...base(), version: v.version, actor: ciIdentity('bob') });
    // A forged approval by carol is appended by hand, outside the chain.
    const { appendFile } = await import('node:fs/promises');
    const lines = await audit.read();
    const forged = { ...JSON.parse(lines[1]!), actor: 'carol', seq: 3 };
    await appendFile(join(dir, '.slipway', 'logs', 'audit.log'), `${JSON.stringify(forged)}\n`);
    const r = await promote({ ...base(), version: v.version, actor: ciIdentity('alice') });
    expect(r.refusedBy).toMatchObject({ rule: 'audit-log' });
    expect(r.refusedBy?.reason).toMatch(/:3: /);
  });
});
