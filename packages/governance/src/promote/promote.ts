/**
 * Promotion: move a registry alias to a version, only when every rule holds. The checks run in a fixed
 * order and the first that fails is the refusal's rule; every attempt, allowed or refused, is appended
 * to the audit log before the result is returned.
 */
import type { ModelVersion } from '@slipway/tracking';
import { type AuditEntry, appendAudit, parseAuditLines, verifyAuditLines } from '../audit/log.js';
import type { AuditSink } from '../audit/sink.js';
import { actionMatch, authorize, type Decision, roleMembership } from '../policy/authorize.js';
import type { GitHubLookup } from '../policy/github.js';
import type { Identity } from '../policy/identity.js';
import type { LoadedPolicy } from '../policy/load.js';
import { type GovernanceStore, readEvalReport, readModelCard, VERSION_TAGS } from '../version/store.js';

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

  // The audit log must be intact before anything in it (approvals) is trusted.
  const lines = await input.audit.read();
  const chain = verifyAuditLines(lines, { key: input.auditKey ?? null, location: input.audit.location });
  const auditEntries = chain.ok ? parseAuditLines(lines) : [];
  checks.push({
    name: 'audit-log',
    passed: chain.ok,
    rule: 'audit-log',
    reason: chain.ok
      ? `audit log intact (${chain.entries} entries)`
      : `${input.audit.location}:${chain.firstBad!.line}: ${chain.firstBad!.reason}`,
  });

  const decision: Decision = await authorize({
    policy: input.policy.policy,
    identity: actor,
    action,
    model,
    lookup: input.lookup,
  });
  checks.push({ name: 'policy', passed: decision.allowed, rule: decision.rule, reason: decision.reason });

  const v = await store.getModelVersion(model, version);
  const report = await readEvalReport(store, v);
  if (!report.ok)
    checks.push({ name: 'eval-report', passed: false, rule: 'eval-report', reason: report.reason });
  else {
    const r = report.value;
    const failed = r.gates.filter((g) => !g.passed);
    const expectedHash = v.tags[VERSION_TAGS.packageHash];
    if (expectedHash && r.candidate.packageHash !== expectedHash) {
      checks.push({
        name: 'eval-report',
        passed: false,
        rule: 'eval-report',
        reason: `the stored eval report is for package ${r.candidate.packageHash.slice(0, 12)}…, not this version's ${expectedHash.slice(0, 12)}…`,
      });
    } else if (r.verdict !== 'pass' || failed.length > 0) {
      checks.push({
        name: 'eval-report',
        passed: false,
        rule: 'gates',
        reason: `the eval report's verdict is ${r.verdict}; failed gates: ${failed.map((g) => `${g.metric} ${g.rule} (${g.reason})`).join('; ') || 'none listed'}`,
      });
    } else {
      checks.push({
        name: 'eval-report',
        passed: true,
        rule: 'gates',
        reason: `eval verdict pass, ${r.gates.length} gate(s) passed`,
      });
    }
  }

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
  const before = await store.getVersionByAlias(model, alias);
  const previousVersion = before?.version ?? null;
  const unchanged = previousVersion === version;
  if (!refusedBy && !unchanged) await store.setAlias(model, alias, version);

  const entry = await appendAudit(
    input.audit,
    {
      event: 'promote',
      outcome: refusedBy ? 'refused' : 'allowed',
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
        ...(actor.ignoredRequestedActor ? { ignoredRequestedActor: actor.ignoredRequestedActor } : {}),
        ...(actor.pullRequest?.number ? { pr: actor.pullRequest.number } : {}),
      },
    },
    { key: input.auditKey ?? null, ...(input.now ? { now: input.now } : {}) },
  ).catch((err: unknown) => {
    // A refused promotion against a broken log is still refused; an allowed one must not proceed silently.
    if (refusedBy) return null;
    throw err;
  });

  return {
    promoted: !refusedBy,
    model,
    version,
    alias,
    actor: actor.login,
    previousVersion,
    unchanged: !refusedBy && unchanged,
    checks,
    refusedBy,
    approvals: counted,
    audit: entry ? { seq: entry.seq, hash: entry.hash } : { seq: 0, hash: '' },
  };
}

export interface ApproveInput {
  store: GovernanceStore;
  model: string;
  version: string;
  alias: string;
  actor: Identity;
  policy: LoadedPolicy;
  lookup: GitHubLookup;
  audit: AuditSink;
  auditKey?: string | null;
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
  const action = `promote:${input.alias}`;
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
    { key: input.auditKey ?? null, ...(input.now ? { now: input.now } : {}) },
  );
  return { approved: ok, rule, reason, audit: { seq: entry.seq, hash: entry.hash } };
}
