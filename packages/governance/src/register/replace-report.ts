/**
 * Replacing a registered version's eval report (`slipway card <version> --eval report.json`) is a
 * decision like registering: the actor needs the policy's `register` grant for the model, the report must
 * be for the version's package, and the attempt is audited with the old and the new digest. The entry is
 * written before the report is stored (intent before effect), so promotion, which only accepts the digest
 * the audit log names last, never sees a report nobody recorded.
 */
import { SlipwayError } from '@slipway/core';
import type { EvalReport } from '@slipway/eval';
import { appendAudit } from '../audit/log.js';
import type { AuditSink } from '../audit/sink.js';
import { authorize } from '../policy/authorize.js';
import type { GitHubLookup } from '../policy/github.js';
import type { Identity } from '../policy/identity.js';
import type { LoadedPolicy } from '../policy/load.js';
import { REPLACE_REPORT } from '../version/eval-binding.js';
import { evalReportDigest, type GovernanceStore, recordEvalReport, VERSION_TAGS } from '../version/store.js';

export interface ReplaceReportInput {
  store: GovernanceStore;
  model: string;
  version: string;
  report: EvalReport;
  actor: Identity;
  policy: LoadedPolicy;
  lookup: GitHubLookup;
  audit: AuditSink;
  auditKey?: string | null;
  auditKeyEnv?: string;
}

export interface ReplaceReportResult {
  replaced: boolean;
  /** True when the stored report already was this one (nothing changed, nothing audited). */
  unchanged: boolean;
  oldSha256: string | null;
  newSha256: string;
  refusedBy: { rule: string; reason: string } | null;
  audit: { seq: number; hash: string } | null;
}

export async function replaceEvalReport(input: ReplaceReportInput): Promise<ReplaceReportResult> {
  const { store, model, version, report, actor } = input;
  const v = await store.getModelVersion(model, version);
  const expected = v.tags[VERSION_TAGS.packageHash];
  if (expected && report.candidate?.packageHash !== expected) {
    throw new SlipwayError(
      'EVAL_REPORT_MISMATCH',
      `the eval report is for package ${String(report.candidate?.packageHash).slice(0, 12)}…, not ${model} v${version}'s ${expected.slice(0, 12)}…`,
      { hint: 'evaluate this version (slipway eval --candidate <model>:<version>) and pass that report' },
    );
  }
  const oldSha256 = v.tags[VERSION_TAGS.evalSha256] ?? null;
  const newSha256 = evalReportDigest(report);
  if (oldSha256 === newSha256)
    return { replaced: false, unchanged: true, oldSha256, newSha256, refusedBy: null, audit: null };
  const decision = await authorize({
    policy: input.policy.policy,
    identity: actor,
    action: 'register',
    model,
    lookup: input.lookup,
  });
  const options = {
    key: input.auditKey ?? null,
    ...(input.auditKeyEnv ? { keyEnv: input.auditKeyEnv } : {}),
  };
  return input.audit.exclusive(async () => {
    const entry = await appendAudit(
      input.audit,
      {
        event: 'eval',
        outcome: decision.allowed ? 'allowed' : 'refused',
        actor: actor.login,
        model,
        version,
        data: {
          change: REPLACE_REPORT,
          oldSha256,
          newSha256,
          verdict: report.verdict,
          rule: decision.rule,
          ...(decision.allowed ? {} : { reason: decision.reason.slice(0, 1500) }),
          identitySource: actor.source,
        },
      },
      { ...options, locked: true },
    );
    if (!decision.allowed)
      return {
        replaced: false,
        unchanged: false,
        oldSha256,
        newSha256,
        refusedBy: { rule: decision.rule, reason: decision.reason },
        audit: { seq: entry.seq, hash: entry.hash },
      };
    await recordEvalReport(store, v, report, options);
    return {
      replaced: true,
      unchanged: false,
      oldSha256,
      newSha256,
      refusedBy: null,
      audit: { seq: entry.seq, hash: entry.hash },
    };
  });
}
