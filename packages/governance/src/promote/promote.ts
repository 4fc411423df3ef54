/**
 * Promotion: move a registry alias to a version, only when every rule holds. The checks run in a fixed
 * order and the first that fails is the refusal's rule; every attempt, allowed or refused, is appended
 * to the audit log before the result is returned.
 */
import { SlipwayError } from '@slipway/core';
import type { ModelVersion } from '@slipway/tracking';
import { type AuditEntry, appendAudit, layoutSegments, parseAuditLines, verifyLayout } from '../audit/log.js';
import type { AuditSink } from '../audit/sink.js';
import { actionMatch, authorize, type Decision, roleMembership } from '../policy/authorize.js';
import type { GitHubLookup } from '../policy/github.js';
import type { Identity } from '../policy/identity.js';
import type { LoadedPolicy } from '../policy/load.js';
import { boundEvalDigest } from '../version/eval-binding.js';
import {
  evalReportMac,
  type GovernanceStore,
  readEvalReport,
  readModelCard,
  VERSION_TAGS,
} from '../version/store.js';
import { type GateConfig, recheckGates } from './gates.js';

export interface Check {
  /** `policy`, `eval-report`, `model-card`, `approvals`, `audit-log`. */
  name: string;
  passed: boolean;
  /** The exact rule: `grants[0]`, `deny-by-default`, `approvals["promote:champion"]`, `gates`, … */
  rule: string;
  reason: string;
}

export interface ApprovalRecord {
  actor: string;
  at: string;
  /** Where it came from: `audit-log` (slipway approve) or a trusted caller (e.g. `github-environment`). */
  source: string;
}

export interface PromoteInput {
  store: GovernanceStore;
  model: string;
  version: string;
  alias: string;
  /** Who is acting, from resolveIdentity(): never from an input. */
  actor: Identity;
  policy: LoadedPolicy;
  lookup: GitHubLookup;
  audit: AuditSink;
  auditKey?: string | null;
  /** The variable the key comes from, named in errors (governance.auditKeyEnv). */
  auditKeyEnv?: string;
  /** The protected config's gates (loadGateConfigFor): every gate is recomputed against them. */
  gates: GateConfig | null;
  /** Approvals from a trusted source outside the audit log (e.g. GitHub environment reviews read with a token). */
  approvals?: ApprovalRecord[];
  now?: () => Date;
}

export interface PromoteResult {
  promoted: boolean;
  model: string;
  version: string;
  alias: string;
  actor: string;
  /** The version the alias pointed at before (null when it was unset). */
  previousVersion: string | null;
  /** True when the alias already pointed at this version. */
  unchanged: boolean;
  checks: Check[];
  /** The failing rule of a refusal (the first failed check), null when promoted. */
  refusedBy: Check | null;
  approvals: ApprovalRecord[];
  audit: { seq: number; hash: string };
}

/** Authors of a version (trainer, PR author): they never count as its approvers. */
async function authorsOf(store: GovernanceStore, v: ModelVersion): Promise<Set<string>> {
  const out = new Set<string>();
  const tag = v.tags[VERSION_TAGS.author];
  if (tag) for (const a of tag.split(',')) out.add(a.trim().toLowerCase());
  if (v.runId) {
    try {
      const run = await store.getRun(v.runId);
      const user = run.tags['mlflow.user'];
      if (user) out.add(user.toLowerCase());
    } catch {}
  }
  return out;
}

function approvalRuleFor(
  policy: LoadedPolicy['policy'],
  action: string,
): [string, LoadedPolicy['policy']['approvals'][string]] | null {
  // An exact key wins over a wildcard one.
  const entries = Object.entries(policy.approvals);
  return entries.find(([k]) => k === action) ?? entries.find(([k]) => actionMatch(k, action)) ?? null;
}

async function approvalsCheck(
  input: PromoteInput,
  v: ModelVersion,
  auditEntries: AuditEntry[],
): Promise<{ check: Check; counted: ApprovalRecord[] }> {
  const action = `promote:${input.alias}`;
  const found = approvalRuleFor(input.policy.policy, action);
  if (!found) {
    return {
      check: {
        name: 'approvals',
        passed: true,
        rule: 'approvals',
        reason: `the policy asks no approvals for ${action}`,
      },
      counted: [],
    };
  }
  const [key, rule] = found;
  const ruleName = `approvals["${key}"]`;
  const candidates: ApprovalRecord[] = [
    ...auditEntries
      .filter(
        (e) =>
          e.event === 'approve' &&
          e.outcome === 'allowed' &&
          e.model === input.model &&
          e.version === input.version &&
          e.data.action === action &&
          typeof e.actor === 'string',
      )
      .map((e) => ({ actor: e.actor as string, at: e.ts, source: 'audit-log' })),
    ...(input.approvals ?? []),
  ];
  const authors = await authorsOf(input.store, v);
  const self = input.actor.login.toLowerCase();
  const counted: ApprovalRecord[] = [];
  const rejected: string[] = [];
  const seen = new Set<string>();
  for (const a of candidates) {
    const who = a.actor.toLowerCase();
    if (seen.has(who)) continue;
    seen.add(who);
    if (who === self) {
      rejected.push(`${a.actor} is the promoting actor (no self-approval)`);
      continue;
    }
    if (authors.has(who)) {
      rejected.push(`${a.actor} authored this version (no self-approval)`);
      continue;
    }
    const m = await roleMembership(
      input.policy.policy,
      rule.from,
      { login: a.actor, ci: input.actor.ci },
      input.lookup,
    );
    if (!m.member) {
      rejected.push(
        `${a.actor} is not a member of role "${rule.from}"${m.unproven.length ? ` (${m.unproven.join('; ')})` : ''}`,
      );
      continue;
    }
    counted.push(a);
  }
  const passed = counted.length >= rule.required;
  return {
    check: {
      name: 'approvals',
      passed,
      rule: ruleName,
      reason: passed
        ? `${counted.length} of ${rule.required} required approval(s) from role "${rule.from}": ${counted.map((c) => c.actor).join(', ')}`
        : `${counted.length} of ${rule.required} required approval(s) from role "${rule.from}"${rejected.length ? `; not counted: ${rejected.join('; ')}` : ''}`,
    },
    counted,
  };
}

export async function promote(input: PromoteInput): Promise<PromoteResult> {
  const { store, model, version, alias, actor } = input;
  const action = `promote:${alias}`;
  const checks: Check[] = [];

  // The audit log must be intact before anything in it (approvals, report digests) is trusted.
  const layout = layoutSegments(await input.audit.readSegments());
  const chain = verifyLayout(layout, { key: input.auditKey ?? null, location: input.audit.location });
  const auditEntries = chain.ok ? parseAuditLines(layout.lines) : [];
  const keyedHead = auditEntries.length > 0 && typeof auditEntries.at(-1)!.hmac === 'string';
  const keyEnv = input.auditKeyEnv ?? 'SLIPWAY_AUDIT_KEY';
  checks.push(
    !chain.ok
      ? {
          name: 'audit-log',
          passed: false,
          rule: 'audit-log',
          reason: `${input.audit.location}:${chain.firstBad!.line}: ${chain.firstBad!.reason}`,
        }
      : keyedHead && !input.auditKey
        ? {
            name: 'audit-log',
            passed: false,
            rule: 'audit-log',
            reason: `the audit chain is signed but $${keyEnv} is not set: without the key its HMACs cannot be checked and no entry can be added`,
          }
        : {
            name: 'audit-log',
            passed: true,
            rule: 'audit-log',
            reason: `audit log intact (${chain.entries} entries${chain.hmacVerified ? ', HMACs verified' : ''})`,
          },
  );

  const decision: Decision = await authorize({
    policy: input.policy.policy,
    identity: actor,
    action,
    model,
    lookup: input.lookup,
  });
  checks.push({ name: 'policy', passed: decision.allowed, rule: decision.rule, reason: decision.reason });

  const v = await store.getModelVersion(model, version);
  checks.push(await evalReportCheck(input, v, auditEntries));

  const card = await readModelCard(store, v);
  checks.push(
    card.ok
      ? {
          name: 'model-card',
          passed: true,
          rule: 'model-card',
          reason: `model card stored (sha256 ${card.sha256.slice(0, 12)}…)`,
        }
      : { name: 'model-card', passed: false, rule: 'model-card', reason: card.reason },
  );

  const { check: approvals, counted } = await approvalsCheck(input, v, auditEntries);
  checks.push(approvals);

  const refusedBy = checks.find((c) => !c.passed) ?? null;
  const auditOptions = {
    key: input.auditKey ?? null,
    keyEnv,
    ...(input.now ? { now: input.now } : {}),
  };
  const entryFor = (previousVersion: string | null) => ({
    event: 'promote' as const,
    outcome: refusedBy ? ('refused' as const) : ('allowed' as const),
    actor: actor.login,
    model,
    version,
    data: {
      alias,
      previousVersion,
      ...(refusedBy
        ? { rule: refusedBy.rule, reason: refusedBy.reason.slice(0, 1500) }
        : { grant: decision.rule }),
      approvals: counted.map((c) => c.actor),
      identitySource: actor.source,
      policy: { source: input.policy.source, sha256: input.policy.sha256 },
      ...(input.gates ? { gates: input.gates.source } : {}),
      ...(actor.ignoredRequestedActor ? { ignoredRequestedActor: actor.ignoredRequestedActor } : {}),
      ...(actor.pullRequest?.number ? { pr: actor.pullRequest.number } : {}),
    },
  });

  if (refusedBy) {
    // A refused promotion against a broken (or keyed, keyless) log is still refused; record it where possible.
    const before = await store.getVersionByAlias(model, alias);
    const entry = await appendAudit(input.audit, entryFor(before?.version ?? null), {
      ...auditOptions,
      keylessFallback: true,
    }).catch(() => null);
    return {
      promoted: false,
      model,
      version,
      alias,
      actor: actor.login,
      previousVersion: before?.version ?? null,
      unchanged: false,
      checks,
      refusedBy,
      approvals: counted,
      audit: entry ? { seq: entry.seq, hash: entry.hash } : { seq: 0, hash: '' },
    };
  }

  // Intent before effect: the entry is written first (compare-and-set on the log position), under the same
  // lock as the move; the move is a compare-and-set on the version the entry names as previous. A failed
  // append moves nothing.
  const moved = await input.audit.exclusive(async () => {
    for (let attempt = 1; ; attempt++) {
      let previousVersion: string | null = null;
      const entry = await appendAudit(
        input.audit,
        async () => {
          previousVersion = (await store.getVersionByAlias(model, alias))?.version ?? null;
          return entryFor(previousVersion);
        },
        { ...auditOptions, locked: true },
      );
      const prev = previousVersion as string | null;
      if (prev === version) return { entry, previousVersion: prev };
      try {
        await store.setAlias(model, alias, version, { expected: prev });
        await settleRace(input, entry.seq);
        return { entry, previousVersion: prev };
      } catch (err) {
        // The intent stays in the chain; this entry says it took no effect.
        await appendAudit(
          input.audit,
          {
            event: 'promote',
            outcome: 'failed',
            actor: actor.login,
            model,
            version,
            data: {
              alias,
              previousVersion: prev,
              intent: entry.seq,
              error: String((err as Error).message).slice(0, 1000),
            },
          },
          { ...auditOptions, locked: true },
        ).catch(() => null);
        // Another mover got there between our read and our write (MLflow): read again and retry.
        const moved = (err as { code?: string }).code === 'TRACKING_ALIAS_MOVED';
        if (!moved || attempt >= 5) throw err;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 200 * attempt));
      }
    }
  });

  return {
    promoted: true,
    model,
    version,
    alias,
    actor: actor.login,
    previousVersion: moved.previousVersion,
    unchanged: moved.previousVersion === version,
    checks,
    refusedBy: null,
    approvals: counted,
    audit: { seq: moved.entry.seq, hash: moved.entry.hash },
  };
}

/**
 * Against MLflow the alias compare-and-set is a read then a write, so two movers can both pass the read.
 * Then the one whose entry comes later in the log must be the one whose move lands last: after moving,
 * a mover whose alias was overwritten by an earlier entry's mover writes its version again.
 */
async function settleRace(input: PromoteInput, seq: number): Promise<void> {
  if ((input.store as { kind?: string }).kind !== 'mlflow') return;
  const { store, model, alias, version } = input;
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const now = (await store.getVersionByAlias(model, alias))?.version ?? null;
    if (now === version) return;
    const later = parseAuditLines(await input.audit.read()).some(
      (e) =>
        e.seq > seq &&
        e.event === 'promote' &&
        e.outcome === 'allowed' &&
        e.model === model &&
        e.data.alias === alias,
    );
    if (later) return;
    await store.setAlias(model, alias, version, { expected: now });
  }
}

async function evalReportCheck(input: PromoteInput, v: ModelVersion, entries: AuditEntry[]): Promise<Check> {
  const fail = (rule: string, reason: string): Check => ({
    name: 'eval-report',
    passed: false,
    rule,
    reason,
  });
  const report = await readEvalReport(input.store, v);
  if (!report.ok) return fail('eval-report', report.reason);
  const r = report.value;
  const expectedHash = v.tags[VERSION_TAGS.packageHash];
  if (expectedHash && r.candidate?.packageHash !== expectedHash)
    return fail(
      'eval-report',
      `the stored eval report is for package ${String(r.candidate?.packageHash).slice(0, 12)}…, not this version's ${expectedHash.slice(0, 12)}…`,
    );
  const bound = boundEvalDigest(entries, input.model, input.version);
  if (bound !== report.sha256)
    return fail(
      'eval-report',
      bound
        ? `the stored eval report (sha256 ${report.sha256.slice(0, 12)}…) is not the one the audit log bound to this version (${bound.slice(0, 12)}…): it was replaced outside Slipway`
        : `no audit entry records this version's eval report (sha256 ${report.sha256.slice(0, 12)}…): register it, or replace it with \`slipway card ${input.model}:${input.version} --eval <report>\``,
    );
  if (input.auditKey) {
    const mac = v.tags[VERSION_TAGS.evalMac];
    if (mac !== evalReportMac(input.auditKey, v, report.sha256))
      return fail(
        'eval-report',
        `the eval report's MAC (tag ${VERSION_TAGS.evalMac}) ${mac ? 'does not match the audit key' : 'is missing'}: it was not recorded by a holder of the audit key`,
      );
  }
  if (!input.gates) return fail('gates', 'no protected config was given to recompute the gates from');
  const again = recheckGates(r, input.gates);
  return { name: 'eval-report', passed: again.passed, rule: 'gates', reason: again.reason };
}

export interface ApproveInput {
  store: GovernanceStore;
  model: string;
  version: string;
  /** The alias whose promotion is approved (`promote:<alias>`) … */
  alias?: string;
  /** … or the serving environment whose rollout is approved (`rollout:<environment>`). */
  rollout?: string;
  actor: Identity;
  policy: LoadedPolicy;
  lookup: GitHubLookup;
  audit: AuditSink;
  auditKey?: string | null;
  auditKeyEnv?: string;
  now?: () => Date;
}

export interface ApproveResult {
  approved: boolean;
  rule: string;
  reason: string;
  audit: { seq: number; hash: string };
}

/** Records an approval of `promote:<alias>` for a version, if the actor may give one. */
export async function approve(input: ApproveInput): Promise<ApproveResult> {
  if (!input.alias === !input.rollout)
    throw new SlipwayError('USAGE', 'approve: name either the alias (promote) or the environment (rollout)', {
      hint: 'slipway approve <version> --for champion, or --rollout production',
    });
  // The rollout guard of `slipway serve` counts approvals recorded under the same action name.
  const action = input.rollout ? `rollout:${input.rollout}` : `promote:${input.alias}`;
  const v = await input.store.getModelVersion(input.model, input.version);
  let rule = 'approvals';
  let reason: string;
  let ok = false;
  const found = approvalRuleFor(input.policy.policy, action);
  if (input.actor.ci && input.actor.pullRequest?.fromFork) {
    rule = 'fork-pull-request';
    reason = 'approvals cannot come from a fork pull request run';
  } else if (!found) {
    rule = 'deny-by-default';
    reason = `the policy defines no approvals for ${action}`;
  } else {
    const [key, r] = found;
    rule = `approvals["${key}"]`;
    const authors = await authorsOf(input.store, v);
    const m = await roleMembership(input.policy.policy, r.from, input.actor, input.lookup);
    if (authors.has(input.actor.login.toLowerCase())) {
      reason = `${input.actor.login} authored ${input.model} v${input.version} and cannot approve it (no self-approval)`;
    } else if (!m.member) {
      reason = `${input.actor.login} is not a member of role "${r.from}"${m.unproven.length ? `: ${m.unproven.join('; ')}` : ''}`;
    } else {
      ok = true;
      reason = `${input.actor.login} approved ${action} for ${input.model} v${input.version} (role "${r.from}" via ${m.via})`;
    }
  }
  const entry = await appendAudit(
    input.audit,
    {
      event: 'approve',
      outcome: ok ? 'allowed' : 'refused',
      actor: input.actor.login,
      model: input.model,
      version: input.version,
      data: { action, rule, reason: reason.slice(0, 1500), identitySource: input.actor.source },
    },
    {
      key: input.auditKey ?? null,
      ...(input.auditKeyEnv ? { keyEnv: input.auditKeyEnv } : {}),
      ...(input.now ? { now: input.now } : {}),
    },
  );
  return { approved: ok, rule, reason, audit: { seq: entry.seq, hash: entry.hash } };
}
