// Issue 18's reproductions, each tried as an insider with access to the store would, on the local store
// and on a real MLflow server: a forged or swapped eval report, an alias moved without its audit entry,
// concurrent writers forking the chain, a junk line blocking the log, a truncated log, and an unsigned
// entry poisoning a signed chain. Then 20 processes promoting, registering and approving at once, and the
// same with processes killed at random points: the audit log replayed must be the registry there is.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  type AuditSink,
  appendAudit,
  approve,
  evalReportDigest,
  layoutSegments,
  offlineLookup,
  parseAuditLines,
  parsePolicy,
  promote,
  readVerifiedAudit,
  recordEvalReport,
  registerVersion,
  replaceEvalReport,
  startAuditSegment,
  storeAuditSink,
  verifyAudit,
} from '@slipway/governance';
import { LocalStore, MlflowStore, type Store } from '@slipway/tracking';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalReport } from '../packages/governance/src/testing/card-fixtures.js';
import { ciIdentity, seedVersion, testGates } from '../packages/governance/src/testing/scenario.js';
import { fakePackage, RACE_POLICY, replayProblems } from './support/governance-fixture.js';
import { type MlflowServer, startMlflow } from './support/mlflow.js';

const REPO = resolve(import.meta.dirname, '..');
const KEY = 'adversary-audit-key';
const policy = parsePolicy(RACE_POLICY, 'slipway.policy.yaml');
let server: MlflowServer;
let dir: string;
let n = 0;
const uniq = (p: string) => `${p}-${++n}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-adversary-'));
  server = await startMlflow();
}, 300_000);
afterAll(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Backend {
  name: 'local' | 'mlflow';
  /** A store; for MLflow each test's audit chain is its own log name, so tests do not share a chain. */
  open(): Promise<{ store: Store; uri: string }>;
}

const backends: Backend[] = [
  {
    name: 'local',
    async open() {
      const uri = join(dir, uniq('store'));
      return { store: new LocalStore(uri), uri };
    },
  },
  {
    name: 'mlflow',
    async open() {
      return { store: new MlflowStore(server.url), uri: server.url };
    },
  },
];

/** The MLflow run that holds every log (named by the `slipway.log` tag of the `slipway-audit` experiment). */
async function mlflowLogRun(): Promise<{ experimentId: string; runId: string }> {
  const res = await fetch(
    `${server.url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=slipway-audit`,
  );
  const e = (
    (await res.json()) as { experiment: { experiment_id: string; tags: { key: string; value: string }[] } }
  ).experiment;
  return { experimentId: e.experiment_id, runId: e.tags.find((t) => t.key === 'slipway.log')!.value };
}

async function mlflowPost(path: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}/api/2.0/mlflow/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe.each(backends)('issue 18 reproductions ($name store)', (backend) => {
  let store: Store;
  let uri: string;
  let logName: string;
  let audit: AuditSink;
  const fresh = async () => {
    ({ store, uri } = await backend.open());
    logName = uniq('audit');
    audit = backend.name === 'local' ? storeAuditSink(store) : storeAuditSink(store, logName);
  };
  const base = () => ({
    store,
    policy,
    lookup: offlineLookup,
    audit,
    auditKey: KEY,
    gates: testGates(),
  });

  it('1: a report is bound to the version; replacing it is policy-checked and audited; a verdict that does not follow from the metrics is refused', async () => {
    await fresh();
    const model = uniq('flight-r1');
    const v = await seedVersion(store, { model, verdict: 'fail', audit, auditKey: KEY });
    const hash = v.tags['slipway.package.hash']!;
    await approve({ ...base(), model, version: v.version, alias: 'champion', actor: ciIdentity('bob') });
    const first = await promote({
      ...base(),
      model,
      version: v.version,
      alias: 'champion',
      actor: ciIdentity('alice'),
    });
    expect(first.refusedBy).toMatchObject({ rule: 'gates' });

    // A hand-edited report: verdict pass, no gates listed, the same failing metrics.
    const forged = { ...evalReport('fail', hash), verdict: 'pass' as const, gates: [] };
    const byMallory = await replaceEvalReport({
      ...base(),
      model,
      version: v.version,
      report: forged,
      actor: ciIdentity('mallory'),
    });
    expect(byMallory).toMatchObject({ replaced: false, refusedBy: { rule: 'grants[0]' } });
    expect(byMallory.refusedBy!.reason).toMatch(/mallory is not a member of role "release"/);
    const entries = await readVerifiedAudit(audit, KEY);
    expect(entries.at(-1)).toMatchObject({
      event: 'eval',
      outcome: 'refused',
      actor: 'mallory',
      data: {
        change: 'replace-eval-report',
        oldSha256: evalReportDigest(evalReport('fail', hash)),
        newSha256: evalReportDigest(forged),
      },
    });
    expect((await store.getModelVersion(model, v.version)).tags['slipway.eval.sha256']).toBe(
      evalReportDigest(evalReport('fail', hash)),
    );

    // Someone the policy lets register may replace it (audited with both digests), but the gates are
    // recomputed from the metrics, so the refused version stays refused on the next try.
    const byAlice = await replaceEvalReport({
      ...base(),
      model,
      version: v.version,
      report: forged,
      actor: ciIdentity('alice'),
    });
    expect(byAlice).toMatchObject({ replaced: true, oldSha256: evalReportDigest(evalReport('fail', hash)) });
    const second = await promote({
      ...base(),
      model,
      version: v.version,
      alias: 'champion',
      actor: ciIdentity('erin'),
    });
    expect(second.refusedBy).toMatchObject({ rule: 'gates' });
    expect(second.refusedBy!.reason).toMatch(
      /recomputed from the report's metrics against test config: roc_auc threshold/,
    );

    // A report claiming pass while its metrics fail one gate's listed result is refused too.
    const lying = {
      ...evalReport('pass', hash),
      gates: [{ ...evalReport('pass', hash).gates[0]!, passed: false }],
    };
    await replaceEvalReport({
      ...base(),
      model,
      version: v.version,
      report: lying,
      actor: ciIdentity('alice'),
    });
    const third = await promote({
      ...base(),
      model,
      version: v.version,
      alias: 'champion',
      actor: ciIdentity('erin'),
    });
    expect(third.refusedBy!.reason).toMatch(/does not follow from its metrics/);

    // The report swapped in the store behind Slipway's back (artifact and hash tag rewritten together).
    await recordEvalReport(store, await store.getModelVersion(model, v.version), evalReport('pass', hash));
    const fourth = await promote({
      ...base(),
      model,
      version: v.version,
      alias: 'champion',
      actor: ciIdentity('erin'),
    });
    expect(fourth.refusedBy!.reason).toMatch(/not the one the audit log bound to this version/);
    expect(await store.getVersionByAlias(model, 'champion')).toBeNull();

    // The honest path: the passing report, replaced through the policy, promotes.
    await recordEvalReport(store, await store.getModelVersion(model, v.version), evalReport('fail', hash), {
      key: KEY,
    });
    await replaceEvalReport({
      ...base(),
      model,
      version: v.version,
      report: evalReport('pass', hash),
      actor: ciIdentity('alice'),
    });
    const ok = await promote({
      ...base(),
      model,
      version: v.version,
      alias: 'champion',
      actor: ciIdentity('erin'),
    });
    expect(ok.refusedBy).toBeNull();
  }, 120_000);

  it('3: the entry is written before the alias moves; a failed append moves nothing, for promote and register', async () => {
    await fresh();
    const model = uniq('flight-r3');
    const v = await seedVersion(store, { model, audit, auditKey: KEY });
    const broken = (event: string): AuditSink => ({
      ...audit,
      appendAt: async (segment, position, line) => {
        if (line.includes(`"event":"${event}"`)) throw new Error('the audit store is unavailable');
        return audit.appendAt(segment, position, line);
      },
    });
    await expect(
      promote({
        ...base(),
        audit: broken('promote'),
        model,
        version: v.version,
        alias: 'challenger',
        actor: ciIdentity('alice'),
      }),
    ).rejects.toThrow(/unavailable/);
    expect(await store.getVersionByAlias(model, 'challenger')).toBeNull();

    const pkg = join(dir, uniq('pkg'));
    const hash = await fakePackage(pkg, uniq('seed'));
    const before = (await store.searchModelVersions(model)).length;
    await expect(
      registerVersion({
        ...base(),
        audit: broken('register'),
        model,
        packageDir: pkg,
        evalReport: evalReport('pass', hash),
        actor: ciIdentity('alice'),
      }),
    ).rejects.toThrow(/unavailable/);
    expect(await store.searchModelVersions(model)).toHaveLength(before);

    // The same operations with a working log: intent, version, confirmation; entry, then the move.
    const reg = await registerVersion({
      ...base(),
      model,
      packageDir: pkg,
      evalReport: evalReport('pass', hash),
      actor: ciIdentity('alice'),
    });
    const moved = await promote({
      ...base(),
      model,
      version: v.version,
      alias: 'challenger',
      actor: ciIdentity('alice'),
    });
    expect(moved.promoted).toBe(true);
    const entries = await readVerifiedAudit(audit, KEY);
    const regEntries = entries.filter((e) => e.event === 'register' && e.data.packageHash === hash);
    expect(regEntries.map((e) => [e.outcome, e.version, e.data.phase])).toEqual([
      ['allowed', null, 'intent'],
      ['ok', reg.version, 'done'],
    ]);
    // A compare-and-set move refuses an alias that moved since it was read.
    await expect(store.setAlias(model, 'challenger', v.version, { expected: null })).rejects.toMatchObject({
      code: 'TRACKING_ALIAS_MOVED',
    });
    expect(await replayProblems(store, model, entries)).toEqual([]);
  }, 120_000);

  it('4/5: ten writers at once never fork the chain and record only possible histories', async () => {
    await fresh();
    const model = uniq('flight-r45');
    const versions: string[] = [];
    for (let i = 0; i < 3; i++)
      versions.push((await seedVersion(store, { model, audit, auditKey: KEY })).version);
    const writers = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const s = backend.name === 'local' ? new LocalStore(uri) : new MlflowStore(server.url);
        return { store: s, audit: backend.name === 'local' ? storeAuditSink(s) : storeAuditSink(s, logName) };
      }),
    );
    const results = await Promise.all(
      writers.map((w, i) =>
        promote({
          ...base(),
          ...w,
          model,
          version: versions[i % 3]!,
          alias: 'challenger',
          actor: ciIdentity(i % 2 ? 'alice' : 'erin'),
        }),
      ),
    );
    expect(results.every((r) => r.promoted)).toBe(true);
    expect(new Set(results.map((r) => r.audit.seq)).size).toBe(10);
    // Against MLflow a mover that lost the alias compare-and-set records `failed` and moves again.
    const verified = await verifyAudit(audit, { key: KEY });
    expect(verified.ok).toBe(true);
    const promotes = (await readVerifiedAudit(audit, KEY)).filter((e) => e.event === 'promote');
    expect(
      promotes.filter((e) => e.outcome === 'allowed').length -
        promotes.filter((e) => e.outcome === 'failed').length,
    ).toBe(10);
    if (backend.name === 'local') expect(verified.entries).toBe(13);
    expect(await replayProblems(store, model, await readVerifiedAudit(audit, KEY))).toEqual([]);
    await Promise.all(writers.map((w) => w.store.close()));
  }, 180_000);

  it('5: a junk entry is reported with its position, blocks appends, and a new segment anchoring the head gets the log going again', async () => {
    await fresh();
    const model = uniq('flight-r5');
    const v = await seedVersion(store, { model, audit, auditKey: KEY });
    const checkpoint = (await verifyAudit(audit, { key: KEY })).checkpoint;
    if (backend.name === 'mlflow') {
      // One param far ahead of the chain: MLflow cannot delete it.
      const { runId } = await mlflowLogRun();
      const res = await mlflowPost('runs/log-parameter', {
        run_id: runId,
        key: `${logName}/000000999`,
        value: 'x\tjunk',
      });
      expect(res.ok).toBe(true);
    } else {
      const { appendFile } = await import('node:fs/promises');
      await appendFile(join(uri, 'logs', 'audit.log'), 'junk\n');
    }
    const broken = await verifyAudit(audit, { key: KEY });
    expect(broken.ok).toBe(false);
    expect(broken.firstBad!.line).toBe(2);
    expect(broken.firstBad!.reason).toMatch(
      backend.name === 'mlflow' ? /position 2 is empty but position 1000 holds a line/ : /not valid JSON/,
    );
    const blocked = await promote({
      ...base(),
      model,
      version: v.version,
      alias: 'challenger',
      actor: ciIdentity('alice'),
    });
    expect(blocked.refusedBy).toMatchObject({ rule: 'audit-log' });
    await expect(
      appendAudit(audit, { event: 'train', outcome: 'ok', actor: 'ci' }, { key: KEY }),
    ).rejects.toThrow(backend.name === 'mlflow' ? /position 2 is empty but position 1000/ : /not JSON/);

    // Without the key no one can start a segment on a signed chain.
    await expect(startAuditSegment(audit, { actor: 'mallory', reason: 'cut' })).rejects.toMatchObject({
      code: 'AUDIT_KEY_REQUIRED',
    });
    const seg = await startAuditSegment(audit, {
      actor: 'ops',
      reason: 'junk at the end of the log',
      key: KEY,
    });
    expect(seg).toMatchObject({ segment: 2, anchored: { seq: 1 }, cut: { line: 2 } });
    const after = await verifyAudit(audit, { key: KEY, expectHead: checkpoint });
    expect(after).toMatchObject({ ok: true, entries: 2, segments: 2 });
    expect(after.cut![0]!.positions).toEqual(backend.name === 'mlflow' ? [1000] : [2]);
    const moved = await promote({
      ...base(),
      model,
      version: v.version,
      alias: 'challenger',
      actor: ciIdentity('alice'),
    });
    expect(moved).toMatchObject({ promoted: true, audit: { seq: 3 } });
    const entries = await readVerifiedAudit(audit, KEY);
    expect(entries.map((e) => e.event)).toEqual(['register', 'segment', 'promote']);
    expect(entries[1]!.data).toMatchObject({ anchor: { seq: 1 }, reason: 'junk at the end of the log' });
  }, 120_000);

  it('6: a checkpoint kept outside the log detects a truncated or replaced log', async () => {
    await fresh();
    const model = uniq('flight-r6');
    for (let i = 0; i < 3; i++) await seedVersion(store, { model, audit, auditKey: KEY });
    const checkpoint = (await verifyAudit(audit, { key: KEY })).checkpoint;
    expect(checkpoint).toMatch(/^3:[0-9a-f]{64}$/);
    await seedVersion(store, { model, audit, auditKey: KEY });
    // The log grew: the checkpoint is still in it.
    expect((await verifyAudit(audit, { key: KEY, expectHead: checkpoint })).ok).toBe(true);
    let truncated: AuditSink;
    if (backend.name === 'local') {
      const file = join(uri, 'logs', 'audit.log');
      const lines = (await readFile(file, 'utf8')).split('\n');
      await writeFile(file, `${lines.slice(0, 2).join('\n')}\n`);
      truncated = audit;
    } else {
      // An insider points the log's experiment tag at a fresh, empty run: the log reads as empty.
      const { experimentId } = await mlflowLogRun();
      const res = await mlflowPost('runs/create', { experiment_id: experimentId });
      const run = ((await res.json()) as { run: { info: { run_id: string } } }).run.info.run_id;
      await mlflowPost('experiments/set-experiment-tag', {
        experiment_id: experimentId,
        key: 'slipway.log',
        value: run,
      });
      truncated = storeAuditSink(new MlflowStore(server.url), logName);
    }
    // The chain that is left is valid on its own …
    const alone = await verifyAudit(truncated, { key: KEY });
    expect(alone.ok).toBe(true);
    expect(alone.entries).toBeLessThan(3);
    // … but not against the checkpoint.
    const anchored = await verifyAudit(truncated, { key: KEY, expectHead: checkpoint });
    expect(anchored.ok).toBe(false);
    expect(anchored.firstBad!.reason).toMatch(/removed from the end or rewritten/);
    if (backend.name === 'mlflow') {
      // Put the real run back for the other tests sharing this server.
      const { experimentId } = await mlflowLogRun();
      const real = (await (store as MlflowStore).readLogLines(logName)).length > 0;
      expect(real).toBe(true);
      await mlflowPost('experiments/set-experiment-tag', {
        experiment_id: experimentId,
        key: 'slipway.log',
        value: await (async () => {
          const runs = await mlflowPost('runs/search', {
            experiment_ids: [experimentId],
            order_by: ['attributes.start_time ASC'],
          });
          return ((await runs.json()) as { runs: { info: { run_id: string } }[] }).runs[0]!.info.run_id;
        })(),
      });
    }
  }, 120_000);

  it('7: a signed chain stays signed: an unsigned decision is refused naming the key, keyless events go elsewhere', async () => {
    await fresh();
    const model = uniq('flight-r7');
    const v = await seedVersion(store, { model, audit, auditKey: KEY });
    const err = await approve({
      ...base(),
      auditKey: null,
      model,
      version: v.version,
      alias: 'champion',
      actor: ciIdentity('bob'),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AUDIT_KEY_REQUIRED' });
    expect(String((err as Error).message)).toMatch(/\$SLIPWAY_AUDIT_KEY is not set/);
    // A developer's train / a keyless server's rollout step: recorded, but in the unkeyed log.
    await appendAudit(
      audit,
      { event: 'train', outcome: 'ok', actor: 'dev' },
      { key: null, keylessFallback: true },
    );
    await appendAudit(
      audit,
      { event: 'rollout', outcome: 'ok', actor: 'server', model },
      { key: null, keylessFallback: true },
    );
    const side = parseAuditLines(layoutSegments(await audit.unkeyed().readSegments()).lines);
    expect(side.slice(-2).map((e) => e.event)).toEqual(['train', 'rollout']);
    // The keyed chain is untouched and keyed promotions go on.
    await approve({ ...base(), model, version: v.version, alias: 'champion', actor: ciIdentity('bob') });
    const ok = await promote({
      ...base(),
      model,
      version: v.version,
      alias: 'champion',
      actor: ciIdentity('alice'),
    });
    expect(ok.promoted).toBe(true);
    expect(await verifyAudit(audit, { key: KEY })).toMatchObject({
      ok: true,
      entries: 3,
      hmacVerified: true,
    });
    // A keyless promoter is refused up front, naming the key.
    const keyless = await promote({
      ...base(),
      auditKey: null,
      model,
      version: v.version,
      alias: 'challenger',
      actor: ciIdentity('alice'),
    });
    expect(keyless.refusedBy).toMatchObject({ rule: 'audit-log' });
    expect(keyless.refusedBy!.reason).toMatch(/SLIPWAY_AUDIT_KEY is not set/);

    // The reverse: an unsigned chain does not take a signed entry silently; a signed segment starts signing.
    const plainName = uniq('plain');
    const plain =
      backend.name === 'local' ? storeAuditSink(store, plainName) : storeAuditSink(store, plainName);
    await appendAudit(plain, { event: 'train', outcome: 'ok', actor: 'dev' });
    await expect(
      appendAudit(plain, { event: 'train', outcome: 'ok', actor: 'ci' }, { key: KEY }),
    ).rejects.toMatchObject({
      code: 'AUDIT_UNKEYED_HEAD',
    });
    await startAuditSegment(plain, { actor: 'ops', reason: 'start signing', key: KEY });
    await appendAudit(plain, { event: 'train', outcome: 'ok', actor: 'ci' }, { key: KEY });
    expect(await verifyAudit(plain, { key: KEY })).toMatchObject({
      ok: true,
      entries: 3,
      hmacVerified: true,
    });
  }, 120_000);
});

// ---- many processes at once, and processes killed mid-way

const WORKER = join(REPO, 'tests', 'support', 'governance-worker.ts');

// The workers run the built packages (what `pnpm build` wrote, as a user's process would).
function spawnWorker(uri: string, setup: string, args: string[]): ChildProcess {
  return spawn(process.execPath, [WORKER, uri, setup, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function finished(child: ChildProcess): Promise<{ code: number | null; out: string; err: string }> {
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((ok) => child.once('exit', (code) => ok({ code, out, err })));
}

describe.each(backends)('20 processes at once ($name store)', (backend) => {
  async function scenario(crash: boolean) {
    const { store, uri } = await backend.open();
    const model = uniq(crash ? 'flight-crash' : 'flight-race');
    // Workers use the default log; on MLflow it is shared by every test on this server, so the replay
    // below only reads this model's entries of it.
    const audit = storeAuditSink(store);
    const policyFile = join(dir, uniq('setup.json'));
    await writeFile(policyFile, JSON.stringify({ policy: RACE_POLICY, gates: testGates(), key: KEY }));
    const seeded: string[] = [];
    for (let i = 0; i < 3; i++)
      seeded.push((await seedVersion(store, { model, audit, auditKey: KEY })).version);
    const ops: string[][] = [];
    for (let i = 0; i < 20; i++) {
      const version = seeded[i % 3]!;
      if (i % 10 < 4)
        ops.push([
          'promote',
          model,
          version,
          i % 2 ? 'challenger' : 'champion',
          i % 4 < 2 ? 'alice' : 'erin',
        ]);
      else if (i % 10 < 7) ops.push(['approve', model, version, 'champion', i % 2 ? 'bob' : 'carol']);
      else {
        const pkg = join(dir, uniq('pkg'));
        const hash = await fakePackage(pkg, uniq('race'));
        const report = join(dir, uniq('report.json'));
        await writeFile(report, JSON.stringify(evalReport('pass', hash)));
        ops.push(['register', model, pkg, report, 'alice']);
      }
    }
    const children = ops.map((args) => spawnWorker(uri, policyFile, args));
    const done = children.map(finished);
    if (crash) {
      // Kill half of them without warning at random points of their work.
      for (const [i, child] of children.entries())
        if (i % 2 === 0) setTimeout(() => child.kill('SIGKILL'), 1500 + Math.random() * 4000);
    }
    const results = await Promise.all(done);
    if (!crash) for (const r of results) expect(r.code, r.err).toBe(0);
    const verified = await verifyAudit(audit, { key: KEY });
    expect(verified.ok, JSON.stringify(verified.firstBad)).toBe(true);
    const entries = (await readVerifiedAudit(audit, KEY)).filter((e) => e.model === model);
    expect(await replayProblems(store, model, entries, { crashed: crash })).toEqual([]);
    if (!crash) {
      // Every process's decision is in the log, once.
      expect(entries.filter((e) => e.event === 'promote')).toHaveLength(8);
      expect(entries.filter((e) => e.event === 'approve')).toHaveLength(6);
    }
    // And the log keeps working after the crashes: one more promotion goes through.
    const after = await promote({
      store,
      policy,
      lookup: offlineLookup,
      audit,
      auditKey: KEY,
      gates: testGates(),
      model,
      version: seeded[0]!,
      alias: 'challenger',
      actor: ciIdentity('alice'),
    });
    expect(after.promoted).toBe(true);
    expect(
      await replayProblems(
        store,
        model,
        (await readVerifiedAudit(audit, KEY)).filter((e) => e.model === model),
        {
          crashed: crash,
        },
      ),
    ).toEqual([]);
    await store.close();
  }

  it('promote, register and approve concurrently: the replayed log equals the registry', async () => {
    await scenario(false);
  }, 300_000);

  it('processes killed at random points: the chain verifies and no alias moved without its entry', async () => {
    await scenario(true);
  }, 300_000);
});
