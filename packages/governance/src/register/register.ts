/**
 * Registration: a trained package becomes a numbered version of a registered model. Only an actor the
 * policy grants `register` may do it; the package is verified against its manifest first; registering the
 * same package twice returns the existing version; the attempt is appended to the audit log either way.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { displayPath, type Lineage, SlipwayError } from '@slipway/core';
import type { EvalReport } from '@slipway/eval';
import { verifyModelPackage } from '@slipway/training';
import { appendAudit } from '../audit/log.js';
import type { AuditSink } from '../audit/sink.js';
import { authorize } from '../policy/authorize.js';
import type { GitHubLookup } from '../policy/github.js';
import type { Identity } from '../policy/identity.js';
import type { LoadedPolicy } from '../policy/load.js';
import { evalReportDigest, type GovernanceStore, recordEvalReport, VERSION_TAGS } from '../version/store.js';

export interface RegisterInput {
  store: GovernanceStore;
  model: string;
  packageDir: string;
  actor: Identity;
  policy: LoadedPolicy;
  lookup: GitHubLookup;
  audit: AuditSink;
  auditKey?: string | null;
  auditKeyEnv?: string;
  /** The package's eval report, stored with the version (promotion requires a passing one). */
  evalReport?: EvalReport | null;
  /** Experiment for a run created when the package has none in this store. */
  experiment?: string;
}

export interface RegisterResult {
  registered: boolean;
  model: string;
  version: string | null;
  /** True when this package was already a version (no new version created). */
  existing: boolean;
  runId: string | null;
  packageHash: string;
  refusedBy: { rule: string; reason: string } | null;
  evalRecorded: boolean;
  audit: { seq: number; hash: string };
}

async function runOf(
  store: GovernanceStore,
  packageDir: string,
  lineage: Lineage,
  hash: string,
  experiment: string,
): Promise<string> {
  if (lineage.runId) {
    try {
      const run = await store.getRun(lineage.runId);
      const holdsPackage = await store
        .listArtifacts(run.id, 'model')
        .then((a) => a.some((f) => f.path.endsWith('manifest.json')))
        .catch(() => false);
      if (run.tags['slipway.package.hash'] === hash && holdsPackage) return run.id;
    } catch {}
  }
  // The package was trained against another store (or none): give it a run here, holding the package.
  const exp = await store.getOrCreateExperiment(experiment);
  const run = await store.createRun(exp.id, {
    name: `register-${hash.slice(0, 12)}`,
    tags: { 'slipway.package.hash': hash, 'mlflow.source.type': 'LOCAL' },
  });
  await store.logArtifact(run.id, packageDir, 'model');
  await store.setRunStatus(run.id, 'FINISHED', Date.now());
  return run.id;
}

export async function registerVersion(input: RegisterInput): Promise<RegisterResult> {
  const { store, model, actor } = input;
  const { manifest } = await verifyModelPackage(input.packageDir);
  const hash = manifest.hash;
  const record = async (
    outcome: 'allowed' | 'refused',
    version: string | null,
    data: Record<string, unknown>,
  ) =>
    appendAudit(
      input.audit,
      {
        event: 'register',
        outcome,
        actor: actor.login,
        model,
        version,
        data: { packageHash: hash, ...data },
      },
      { key: input.auditKey ?? null, ...(input.auditKeyEnv ? { keyEnv: input.auditKeyEnv } : {}) },
    );

  const decision = await authorize({
    policy: input.policy.policy,
    identity: actor,
    action: 'register',
    model,
    lookup: input.lookup,
  });
  if (!decision.allowed) {
    const entry = await record('refused', null, { rule: decision.rule, reason: decision.reason });
    return {
      registered: false,
      model,
      version: null,
      existing: false,
      runId: null,
      packageHash: hash,
      refusedBy: { rule: decision.rule, reason: decision.reason },
      evalRecorded: false,
      audit: { seq: entry.seq, hash: entry.hash },
    };
  }
  if (input.evalReport && input.evalReport.candidate.packageHash !== hash) {
    throw new SlipwayError(
      'EVAL_REPORT_MISMATCH',
      `the eval report is for package ${input.evalReport.candidate.packageHash.slice(0, 12)}…, not ${hash.slice(0, 12)}… (${input.packageDir})`,
      {
        hint: 'evaluate this package (slipway eval --candidate <package>) and pass that report',
      },
    );
  }

  const lineage = JSON.parse(await readFile(join(input.packageDir, 'lineage.json'), 'utf8')) as Lineage;
  await store.ensureRegisteredModel(model, {
    description: `registered by Slipway from ${displayPath(input.packageDir)}`,
  });
  const evalSha256 = input.evalReport ? evalReportDigest(input.evalReport) : null;
  const auditOptions = {
    key: input.auditKey ?? null,
    ...(input.auditKeyEnv ? { keyEnv: input.auditKeyEnv } : {}),
  };
  // Intent before effect, under the audit lock: the entry naming the package (and the report digest) is
  // written before the version exists; a confirmation names the version number once it does.
  const done = await input.audit.exclusive(async () => {
    const versions = await store.searchModelVersions(model);
    const found = versions.find((v) => v.tags[VERSION_TAGS.packageHash] === hash);
    if (found) {
      const old = found.tags[VERSION_TAGS.evalSha256] ?? null;
      const replacing = evalSha256 !== null && evalSha256 !== old;
      const entry = await appendAudit(
        input.audit,
        {
          event: 'register',
          outcome: 'allowed',
          actor: actor.login,
          model,
          version: found.version,
          data: {
            packageHash: hash,
            runId: found.runId,
            existing: true,
            rule: decision.rule,
            evalVerdict: input.evalReport?.verdict ?? null,
            ...(replacing ? { evalSha256, previousEvalSha256: old } : {}),
          },
        },
        { ...auditOptions, locked: true },
      );
      if (replacing) await recordEvalReport(store, found, input.evalReport!, auditOptions);
      return { version: found, runId: found.runId, existing: true, entry, evalRecorded: evalSha256 !== null };
    }
    const intent = await appendAudit(
      input.audit,
      {
        event: 'register',
        outcome: 'allowed',
        actor: actor.login,
        model,
        version: null,
        data: { phase: 'intent', packageHash: hash, rule: decision.rule, evalSha256 },
      },
      { ...auditOptions, locked: true },
    );
    const runId = await runOf(store, input.packageDir, lineage, hash, input.experiment ?? model);
    const version = await store.createModelVersion(model, `runs:/${runId}/model`, {
      runId,
      tags: {
        [VERSION_TAGS.packageHash]: hash,
        // Registrant, trainer and PR author: none of them may approve this version's promotion.
        [VERSION_TAGS.author]: [
          ...new Set([actor.login, lineage.actor, actor.pullRequest?.author].filter(Boolean)),
        ].join(','),
        [VERSION_TAGS.auditIntent]: String(intent.seq),
      },
      description: `package ${hash.slice(0, 12)}, trained ${lineage.endedAt} on ${lineage.backend}`,
    });
    if (input.evalReport) await recordEvalReport(store, version, input.evalReport, auditOptions);
    const entry = await appendAudit(
      input.audit,
      {
        event: 'register',
        outcome: 'ok',
        actor: actor.login,
        model,
        version: version.version,
        data: {
          phase: 'done',
          intent: intent.seq,
          packageHash: hash,
          runId,
          existing: false,
          rule: decision.rule,
          evalVerdict: input.evalReport?.verdict ?? null,
          evalSha256,
        },
      },
      { ...auditOptions, locked: true },
    );
    return { version, runId, existing: false, entry, evalRecorded: input.evalReport != null };
  });
  const { version, runId, existing, entry, evalRecorded } = done;
  return {
    registered: true,
    model,
    version: version.version,
    existing,
    runId,
    packageHash: hash,
    refusedBy: null,
    evalRecorded,
    audit: { seq: entry.seq, hash: entry.hash },
  };
}
