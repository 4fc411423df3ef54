/**
 * Who may move traffic through the admin API, and with what. The actor is the authenticated admin
 * credential (a named token, or a bare token: the server's own local user), never a header the
 * caller writes. Starting a rollout (or replacing stable, or mirroring traffic) needs the policy's
 * `rollout:<environment>` grant and its approvals, and a source that is a registered version holding
 * an alias allowed for the environment; every decision, allowed or refused, goes to the audit log.
 * Aborting (all traffic back to stable) only needs an admin credential, so on-call can always stop a
 * bad canary.
 */
import { resolve } from 'node:path';
import type { SlipwayError } from '@slipway/core';
import {
  actionMatch,
  authorize,
  type GitHubLookup,
  type Identity,
  loadPolicy,
  offlineLookup,
  parseAuditLines,
  resolveIdentity,
  roleMembership,
  VERSION_TAGS,
  verifyAuditLines,
} from '@slipway/governance';
import { openStore } from '@slipway/tracking';
import { HttpError } from '../http/errors.js';

export type AdminAction =
  | 'rollout.start'
  | 'rollout.promote'
  | 'rollout.abort'
  | 'reload'
  | 'shadow.set'
  | 'shadow.clear';

export interface GuardRequest {
  action: AdminAction;
  /** Served model name. */
  model: string;
  /** What would be loaded (start, reload, shadow.set). */
  source?: string;
  /** The running canary's source (promote). */
  canarySource?: string;
  /** The matched admin token's name; null for a bare token. */
  tokenName: string | null;
}

export interface GuardDecision {
  actor: string;
  /** The source to load: a registry alias is pinned to the version it named when checked. */
  source?: string;
}

export interface RolloutGuard {
  /** Resolves when allowed (the decision is audited); throws a 403 HttpError when refused. */
  check(request: GuardRequest): Promise<GuardDecision>;
}

/** The record appended to the audit log for each decision (governance's AuditRecord shape). */
export interface GuardAuditRecord {
  event: 'rollout' | 'rollback';
  outcome: 'allowed' | 'refused';
  actor: string;
  model: string;
  version: string | null;
  data: Record<string, unknown>;
}

export interface PolicyGuardOptions {
  /** Project root: the policy path and a local store resolve against it. */
  root: string;
  /** governance.policy, relative to the root. */
  policyPath: string;
  trackingUri?: string;
  /** serving.rollout.environment: the action checked is `rollout:<environment>`. */
  environment: string;
  /** serving.rollout.aliases: a source must hold one of them. */
  aliases: string[];
  /** Reads the audit log (approvals) and appends each decision. */
  audit: { read(): Promise<string[]>; append(record: GuardAuditRecord): Promise<void>; key?: string | null };
  lookup?: GitHubLookup;
  /** Identity of a bare token (default: resolveIdentity() of the server process). */
  localIdentity?: () => Promise<Identity>;
  /** An abort whose audit entry could not be written still happens; this is told why. */
  warn?: (message: string) => void;
}

const REGISTRY = /^models:\/([^@/]+)(?:@([^/]+)|\/(\d+))$/;

/** A named admin token acts as that login, as a remote caller: it never matches `@local`. */
function tokenIdentity(name: string): Identity {
  return {
    login: name,
    source: 'user-env',
    ci: true,
    repository: null,
    eventName: null,
    pullRequest: null,
    policyRef: null,
  };
}

class Refusal extends Error {
  constructor(
    readonly rule: string,
    message: string,
    readonly hint: string,
    readonly version: string | null = null,
    readonly registryModel: string | null = null,
  ) {
    super(message);
  }
}

export function policyGuard(options: PolicyGuardOptions): RolloutGuard {
  const action = `rollout:${options.environment}`;
  const lookup = options.lookup ?? offlineLookup;
  const identityOf = async (tokenName: string | null): Promise<Identity> =>
    tokenName !== null
      ? tokenIdentity(tokenName)
      : options.localIdentity
        ? options.localIdentity()
        : resolveIdentity({ cwd: options.root });

  async function resolveSource(
    source: string,
  ): Promise<{ model: string; version: string; aliases: string[]; authors: Set<string> }> {
    const m = REGISTRY.exec(source);
    if (!m) {
      throw new Refusal(
        'registered-source',
        `${source} is not a registered model version; rollouts only take models:/<name>/<version> or models:/<name>@<alias>`,
        `register and promote it first (slipway register, slipway promote), then roll out models:/<name>@${options.aliases[0]}`,
      );
    }
    const [, name, alias, number] = m as unknown as [string, string, string | undefined, string | undefined];
    const store = await openStore(options.trackingUri, { cwd: options.root });
    try {
      const mv = alias
        ? await store.getVersionByAlias(name, alias)
        : await store.getModelVersion(name, number as string);
      if (!mv)
        throw new Refusal(
          'registered-source',
          `registry model "${name}" has no alias "${alias}"`,
          'promote a version to it first',
          null,
          name,
        );
      const authors = new Set(
        (mv.tags[VERSION_TAGS.author] ?? '')
          .split(',')
          .map((a) => a.trim().toLowerCase())
          .filter(Boolean),
      );
      return { model: name, version: mv.version, aliases: mv.aliases, authors };
    } catch (err) {
      if (err instanceof Refusal) throw err;
      throw new Refusal(
        'registered-source',
        `${source} cannot be resolved in the registry: ${(err as SlipwayError).message}`,
        'check the model name and version (slipway models list)',
      );
    } finally {
      await store.close();
    }
  }

  async function approvals(
    identity: Identity,
    model: string,
    version: string,
    authors: Set<string>,
  ): Promise<string | null> {
    const policy = (await loadPolicy(resolve(options.root, options.policyPath))).policy;
    const entries = Object.entries(policy.approvals);
    const found = entries.find(([k]) => k === action) ?? entries.find(([k]) => actionMatch(k, action));
    if (!found) return null;
    const [key, rule] = found;
    const lines = await options.audit.read();
    const chain = verifyAuditLines(lines, { key: options.audit.key ?? null });
    if (!chain.ok)
      throw new Refusal(
        'audit-log',
        'the audit log does not verify, so no approval in it can be trusted',
        'run slipway audit verify',
      );
    const self = identity.login.toLowerCase();
    const counted = new Set<string>();
    for (const e of parseAuditLines(lines)) {
      if (e.event !== 'approve' || e.outcome !== 'allowed' || e.model !== model || e.version !== version)
        continue;
      if (e.data.action !== action || typeof e.actor !== 'string') continue;
      const who = e.actor.toLowerCase();
      if (who === self || authors.has(who) || counted.has(who)) continue;
      const m = await roleMembership(policy, rule.from, { login: e.actor, ci: identity.ci }, lookup);
      if (m.member) counted.add(who);
    }
    if (counted.size < rule.required) {
      throw new Refusal(
        `approvals["${key}"]`,
        `${counted.size} of ${rule.required} required approval(s) from role "${rule.from}" for ${action} of ${model} v${version}`,
        `a member of "${rule.from}" (not the actor or the version's author) approves it first`,
        version,
        model,
      );
    }
    return `${counted.size} approval(s): ${[...counted].join(', ')}`;
  }

  return {
    async check(req) {
      const identity = await identityOf(req.tokenName);
      const event = req.action === 'rollout.abort' ? 'rollback' : 'rollout';
      let registryModel = req.model;
      let version: string | null = null;
      const data: Record<string, unknown> = {
        action,
        request: req.action,
        environment: options.environment,
        servedModel: req.model,
        identitySource: req.tokenName !== null ? 'admin-token' : identity.source,
        ...(req.source ? { source: req.source } : {}),
      };
      const record = async (outcome: 'allowed' | 'refused', rule: string, reason: string) =>
        options.audit.append({
          event,
          outcome,
          actor: identity.login,
          model: registryModel,
          version,
          data: { ...data, rule, reason: reason.slice(0, 1500) },
        });
      try {
        // Safe directions: traffic back to stable, or mirroring stopped.
        if (req.action === 'rollout.abort' || req.action === 'shadow.clear') {
          await record(
            'allowed',
            'admin-token',
            `${identity.login} holds an admin token; stopping needs no grant`,
          );
          return { actor: identity.login };
        }
        const source = req.action === 'rollout.promote' ? req.canarySource : req.source;
        if (!source) throw new Refusal('registered-source', 'no source to check', 'start a rollout first');
        const v = await resolveSource(source);
        registryModel = v.model;
        version = v.version;
        const policy = (await loadPolicy(resolve(options.root, options.policyPath))).policy;
        const decision = await authorize({ policy, identity, action, model: v.model, lookup });
        if (!decision.allowed)
          throw new Refusal(
            decision.rule,
            decision.reason,
            `the policy must grant ${action} to ${identity.login}`,
            v.version,
            v.model,
          );
        // promote resumes a rollout whose source was checked at start; its alias may have moved since.
        if (req.action !== 'rollout.promote' && !v.aliases.some((a) => options.aliases.includes(a))) {
          throw new Refusal(
            'alias',
            `${v.model} v${v.version} holds ${v.aliases.length ? `aliases ${v.aliases.join(', ')}` : 'no alias'}; the ${options.environment} environment takes only ${options.aliases.join(', ')}`,
            `promote it first (slipway promote ${v.model}:${v.version} --alias ${options.aliases[0]})`,
            v.version,
            v.model,
          );
        }
        let reason = decision.reason;
        if (req.action !== 'rollout.promote') {
          const ok = await approvals(identity, v.model, v.version, v.authors);
          if (ok) reason += `; ${ok}`;
        }
        await record('allowed', decision.rule, reason);
        return { actor: identity.login, source: `models:/${v.model}/${v.version}` };
      } catch (err) {
        const refusal =
          err instanceof Refusal
            ? err
            : new Refusal(
                'policy',
                `cannot check the policy: ${(err as Error).message}`,
                'fix the policy or the store; until then rollouts are refused',
              );
        if (refusal.version) version = refusal.version;
        if (refusal.registryModel) registryModel = refusal.registryModel;
        try {
          await record('refused', refusal.rule, refusal.message);
        } catch (auditErr) {
          throw new HttpError(
            503,
            'AUDIT_UNAVAILABLE',
            `refused (${refusal.message}), and the refusal could not be audited: ${(auditErr as Error).message}`,
            refusal.hint,
          );
        }
        throw new HttpError(
          403,
          'ROLLOUT_REFUSED',
          `${req.action} refused by ${refusal.rule}: ${refusal.message}`,
          refusal.hint,
        );
      }
    },
  };
}
