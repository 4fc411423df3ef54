// Governance against a real MLflow server (pinned in .venv-interop): eval report and card as run
// artifacts, version tags, approvals and promotions moving a real registry alias, the audit log kept in
// MLflow and verified (with an HMAC key), and the lineage chain of a version trained into MLflow.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@slipway/core';
import {
  approve,
  lineageChain,
  offlineLookup,
  parsePolicy,
  promote,
  readModelCard,
  reproduce,
  storeAuditSink,
  VERSION_TAGS,
  verifyAudit,
} from '@slipway/governance';
import { MlflowStore } from '@slipway/tracking';
import { train } from '@slipway/training';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ciIdentity,
  PROMOTION_POLICY,
  seedVersion,
  testGates,
} from '../packages/governance/src/testing/scenario.js';
import { type MlflowServer, startMlflow } from './support/mlflow.js';

let server: MlflowServer;
let store: MlflowStore;
const KEY = 'mlflow-audit-key';
const policy = parsePolicy(PROMOTION_POLICY, 'slipway.policy.yaml');

beforeAll(async () => {
  server = await startMlflow();
  store = new MlflowStore(server.url);
}, 300_000);

afterAll(async () => {
  await store?.close();
  await server?.stop();
});

async function aliasFromServer(name: string, alias: string): Promise<string | null> {
  const res = await fetch(
    `${server.url}/api/2.0/mlflow/registered-models/alias?name=${encodeURIComponent(name)}&alias=${alias}`,
  );
  if (res.status === 404) return null;
  const body = (await res.json()) as { model_version?: { version: string } };
  return body.model_version?.version ?? null;
}

describe('governance on MLflow', () => {
  it('promotes through the policy, gates, card and approvals, moving the MLflow alias', async () => {
    const audit = storeAuditSink(store);
    const base = {
      store,
      model: 'flight-delay',
      alias: 'champion',
      policy,
      lookup: offlineLookup,
      audit,
      auditKey: KEY,
      gates: testGates(),
    };
    const v1 = await seedVersion(store, { audit, auditKey: KEY });
    expect((await readModelCard(store, v1)).ok).toBe(true);

    const refused = await promote({ ...base, version: v1.version, actor: ciIdentity('alice') });
    expect(refused.refusedBy?.rule).toBe('approvals["promote:champion"]');
    expect(await aliasFromServer('flight-delay', 'champion')).toBeNull();

    expect((await approve({ ...base, version: v1.version, actor: ciIdentity('dave') })).approved).toBe(false);
    expect((await approve({ ...base, version: v1.version, actor: ciIdentity('bob') })).approved).toBe(true);
    const ok = await promote({ ...base, version: v1.version, actor: ciIdentity('alice') });
    expect(ok).toMatchObject({ promoted: true, previousVersion: null });
    expect(await aliasFromServer('flight-delay', 'champion')).toBe(v1.version);

    const failing = await seedVersion(store, { verdict: 'fail', audit, auditKey: KEY });
    await approve({ ...base, version: failing.version, actor: ciIdentity('carol') });
    const gate = await promote({ ...base, version: failing.version, actor: ciIdentity('alice') });
    expect(gate.refusedBy?.rule).toBe('gates');
    expect(await aliasFromServer('flight-delay', 'champion')).toBe(v1.version);

    const v3 = await seedVersion(store, { audit, auditKey: KEY });
    await approve({ ...base, version: v3.version, actor: ciIdentity('carol') });
    const moved = await promote({ ...base, version: v3.version, actor: ciIdentity('erin') });
    expect(moved).toMatchObject({ promoted: true, previousVersion: v1.version });
    expect(await aliasFromServer('flight-delay', 'champion')).toBe(v3.version);

    const verified = await verifyAudit(audit, { key: KEY });
    // 3 register entries (one per seeded version) + 5 approvals and promotions … + 3 more.
    expect(verified).toMatchObject({ ok: true, entries: 11, hmacVerified: true });
    expect((await verifyAudit(audit, { key: 'another key' })).firstBad?.line).toBe(1);
  });

  it('shows the lineage chain and reproduces a version trained into MLflow', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-mlflow-lineage-'));
    try {
      const csv = (n: number, seed: number) => {
        let s = seed;
        const rnd = () => {
          s = (s * 16807) % 2147483647;
          return s / 2147483647;
        };
        const lines = ['x,g,y'];
        for (let i = 0; i < n; i++) {
          const x = Math.round((rnd() * 2 - 1) * 1000) / 1000;
          const g = rnd() > 0.5 ? 'p' : 'q';
          lines.push(`${x},${g},${x + (g === 'p' ? 0.4 : 0) > 0 ? 1 : 0}`);
        }
        return `${lines.join('\n')}\n`;
      };
      await writeFile(join(dir, 'train.csv'), csv(300, 3));
      await writeFile(join(dir, 'eval.csv'), csv(80, 4));
      await writeFile(
        join(dir, 'slipway.config.mjs'),
        `export default ${JSON.stringify({
          project: { name: 'mlflow-lineage' },
          data: { train: 'train.csv', eval: 'eval.csv', label: 'y' },
          features: [
            { column: 'x', transform: 'standardize' },
            { column: 'g', transform: 'oneHot' },
          ],
          model: { task: 'binary', type: 'mlp', hidden: [4] },
          training: { backend: 'cpu', epochs: 2, batchSize: 32, seed: 5, validationSplit: 0.2 },
        })};\n`,
      );
      await writeFile(join(dir, '.gitignore'), '.slipway/\n*.csv\nslipway.lock\n');
      const git = (...a: string[]) =>
        execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@e', ...a], {
          cwd: dir,
          encoding: 'utf8',
        }).trim();
      git('init', '-q', '-b', 'main');
      git('add', '.');
      git('commit', '-qm', 'project');
      const trained = await train({ loaded: await loadConfig({ cwd: dir }), store, force: true });
      await store.ensureRegisteredModel('mlflow-lineage');
      const v = await store.createModelVersion('mlflow-lineage', `runs:/${trained.runId}/model`, {
        runId: trained.runId!,
        tags: { [VERSION_TAGS.packageHash]: trained.hash },
      });
      const chain = await lineageChain({ store, model: 'mlflow-lineage', version: v.version });
      expect(chain.package.hash).toBe(trained.hash);
      expect(chain.code.commit).toBe(git('rev-parse', 'HEAD'));
      expect(chain.run).toMatchObject({ id: trained.runId, status: 'FINISHED' });
      expect(chain.breaks).toEqual([]);
      const r = await reproduce({ store, model: 'mlflow-lineage', version: v.version, projectDir: dir });
      expect(r.blockedBy).toBeNull();
      expect(r.weightsMatch).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
