// Sets up registered versions with stored eval reports and cards on a real store (local or MLflow),
// for the promotion tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelVersion } from '@slipway/tracking';
import { appendAudit } from '../audit/log.js';
import { type AuditSink, type LogStore, storeAuditSink } from '../audit/sink.js';
import { buildModelCard } from '../card/build.js';
import { writeModelCard } from '../card/write.js';
import type { Identity } from '../policy/identity.js';
import type { GateConfig } from '../promote/gates.js';
import { type GovernanceStore, recordEvalReport, recordModelCard, VERSION_TAGS } from '../version/store.js';
import { cardConfig, evalReport, lineage, packageModel, profile, signature } from './card-fixtures.js';

export interface SeedOptions {
  model?: string;
  verdict?: 'pass' | 'fail';
  card?: boolean;
  evalReport?: boolean;
  author?: string;
  packageHash?: string;
  /** Where the register entry binding the report digest goes (default: the store's audit log). */
  audit?: AuditSink;
  auditKey?: string | null;
  /** Skip the register entry (a version whose report no audit entry binds). */
  bind?: boolean;
}

/** The thresholds the fixtures' reports are judged by (roc_auc ≥ 0.6). */
export function testGates(): GateConfig {
  return { eval: { ...cardConfig().eval, gates: { roc_auc: { threshold: 0.6 } } }, source: 'test config' };
}

export async function seedVersion(store: GovernanceStore, options: SeedOptions = {}): Promise<ModelVersion> {
  const model = options.model ?? 'flight-delay';
  const packageHash = options.packageHash ?? 'b'.repeat(64);
  const experiment = await store.getOrCreateExperiment(model);
  const run = await store.createRun(experiment.id, {
    name: 'train',
    tags: { 'mlflow.user': options.author ?? 'dave' },
  });
  await store.ensureRegisteredModel(model);
  let v = await store.createModelVersion(model, `runs:/${run.id}/model`, {
    runId: run.id,
    tags: { [VERSION_TAGS.packageHash]: packageHash, [VERSION_TAGS.author]: options.author ?? 'dave' },
  });
  if (options.evalReport !== false) {
    const report = evalReport(options.verdict ?? 'pass', packageHash);
    const { sha256 } = await recordEvalReport(store, v, report, { key: options.auditKey ?? null });
    if (options.bind !== false)
      await appendAudit(
        options.audit ?? storeAuditSink(store as GovernanceStore & LogStore),
        {
          event: 'register',
          outcome: 'allowed',
          actor: 'registrar',
          model,
          version: v.version,
          data: { packageHash, evalSha256: sha256 },
        },
        { key: options.auditKey ?? null },
      );
  }
  if (options.card !== false) {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-seed-'));
    try {
      const card = buildModelCard({
        config: cardConfig(),
        model: { name: model, version: v.version },
        packageHash,
        signature,
        lineage,
        profile,
        packageModel,
        evalReport: evalReport(options.verdict ?? 'pass', packageHash),
      });
      await recordModelCard(store, v, await writeModelCard(dir, card));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  v = await store.getModelVersion(model, v.version);
  return v;
}

export function ciIdentity(login: string, extra: Partial<Identity> = {}): Identity {
  return {
    login,
    source: 'github-event',
    ci: true,
    repository: 'acme/flights',
    eventName: 'workflow_dispatch',
    pullRequest: null,
    policyRef: 'origin/main',
    ...extra,
  };
}

export const PROMOTION_POLICY = `version: 1
roles:
  release:
    members: [alice, erin]
  reviewers:
    members: [bob, carol, alice, dave]
grants:
  - role: release
    models: "flight-*"
    actions: ["promote:champion", "promote:challenger"]
approvals:
  "promote:champion":
    required: 1
    from: reviewers
`;
