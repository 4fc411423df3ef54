/**
 * The lineage of a registered version as one chain: data digests → code commit → config → training run →
 * package hash → registry version → promotions → rollouts. Each link is read from where it is recorded
 * (lineage.json inside the verified package, the run, the registry, the audit log) and the links are
 * cross-checked, so a break (a package that is not the run's, a version tag that disagrees) is reported.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatasetRef, Lineage } from '@slipway/core';
import { type AuditEntry, readVerifiedAudit } from '../audit/log.js';
import type { AuditSink } from '../audit/sink.js';
import {
  fetchVersionPackage,
  type GovernanceStore,
  readPackageFacts,
  VERSION_TAGS,
} from '../version/store.js';

export interface LineageChain {
  model: string;
  version: string;
  data: DatasetRef[];
  code: Lineage['code'];
  config: { configHash: string; configFileHash: string; customCodeHash: string | null };
  run: {
    id: string | null;
    status: string | null;
    startTime: string | null;
    endTime: string | null;
    ciRunUrl: string | null;
    actor: string | null;
  };
  package: { hash: string; weightsSha256: string; backend: string; seed: number; createdAt: string };
  registry: { source: string; createdAt: string; aliases: string[]; tags: Record<string, string> };
  evaluation: { verdict: string | null; reportSha256: string | null };
  card: { sha256: string | null };
  approvals: { actor: string; at: string; action: string }[];
  promotions: {
    alias: string;
    actor: string;
    at: string;
    previousVersion: string | null;
    outcome: string;
    rule?: string;
  }[];
  rollouts: {
    event: string;
    outcome: string;
    at: string;
    actor: string | null;
    data: Record<string, unknown>;
  }[];
  /** Links that do not agree with each other. */
  breaks: string[];
  /** The parsed lineage.json, for reproduce. */
  lineage: Lineage;
  packageDir?: string;
}

export interface LineageOptions {
  store: GovernanceStore;
  model: string;
  version: string;
  audit?: AuditSink | null;
  auditKey?: string | null;
  /** Keep the downloaded package here (reproduce uses it) instead of a temp directory removed afterwards. */
  keepPackageIn?: string;
}

export async function lineageChain(options: LineageOptions): Promise<LineageChain> {
  const { store, model, version } = options;
  const v = await store.getModelVersion(model, version);
  const tmp = options.keepPackageIn ?? (await mkdtemp(join(tmpdir(), 'slipway-lineage-')));
  try {
    const dir = await fetchVersionPackage(store, v, tmp);
    const facts = await readPackageFacts(dir);
    const l = facts.lineage;
    const breaks: string[] = [];
    let run: LineageChain['run'] = {
      id: v.runId,
      status: null,
      startTime: null,
      endTime: null,
      ciRunUrl: l.ci?.runUrl ?? null,
      actor: l.actor,
    };
    if (v.runId) {
      const r = await store.getRun(v.runId);
      run = {
        ...run,
        status: r.status,
        startTime: new Date(r.startTime).toISOString(),
        endTime: r.endTime ? new Date(r.endTime).toISOString() : null,
      };
      const runHash = r.tags[VERSION_TAGS.packageHash];
      if (runHash && runHash !== facts.hash)
        breaks.push(
          `run ${r.id} produced package ${runHash.slice(0, 12)}…, but the version's package is ${facts.hash.slice(0, 12)}…`,
        );
      for (const d of l.datasets) {
        const input = r.inputs.find((i) => i.name === d.name);
        if (input && input.digest !== d.digest)
          breaks.push(
            `dataset ${d.name}: the run logged digest ${input.digest}, lineage.json says ${d.digest}`,
          );
      }
    }
    if (l.runId && v.runId && l.runId !== v.runId)
      breaks.push(`lineage.json names run ${l.runId}, the registry version names run ${v.runId}`);
    const tagHash = v.tags[VERSION_TAGS.packageHash];
    if (tagHash && tagHash !== facts.hash)
      breaks.push(
        `version tag ${VERSION_TAGS.packageHash} is ${tagHash.slice(0, 12)}…, the package hashes to ${facts.hash.slice(0, 12)}…`,
      );
    if (l.code.dirty)
      breaks.push(
        `trained from commit ${l.code.commit ?? '?'} with uncommitted changes: the commit alone does not reproduce the code`,
      );

    let entries: AuditEntry[] = [];
    let rolloutEntries: AuditEntry[] = [];
    if (options.audit) {
      const all = (await readVerifiedAudit(options.audit, options.auditKey ?? null)).filter(
        (e) => e.model === model,
      );
      entries = all.filter((e) => e.version === version);
      rolloutEntries = rolloutsOf(all, version, facts.hash);
    }
    return {
      model,
      version,
      data: l.datasets,
      code: l.code,
      config: {
        configHash: l.configHash,
        configFileHash: l.configFileHash,
        customCodeHash: l.customCodeHash ?? null,
      },
      run,
      package: {
        hash: facts.hash,
        weightsSha256: facts.weightsSha256,
        backend: l.backend,
        seed: l.seed,
        createdAt: facts.createdAt,
      },
      registry: {
        source: v.source,
        createdAt: new Date(v.createdAt).toISOString(),
        aliases: v.aliases,
        tags: v.tags,
      },
      evaluation: {
        verdict: v.tags[VERSION_TAGS.evalVerdict] ?? null,
        reportSha256: v.tags[VERSION_TAGS.evalSha256] ?? null,
      },
      card: { sha256: v.tags[VERSION_TAGS.cardSha256] ?? null },
      approvals: entries
        .filter((e) => e.event === 'approve' && e.outcome === 'allowed')
        .map((e) => ({ actor: e.actor ?? '?', at: e.ts, action: String(e.data.action ?? '') })),
      promotions: entries
        .filter((e) => e.event === 'promote')
        .map((e) => ({
          alias: String(e.data.alias ?? ''),
          actor: e.actor ?? '?',
          at: e.ts,
          previousVersion: (e.data.previousVersion as string | null | undefined) ?? null,
          outcome: e.outcome,
          ...(e.outcome === 'refused' ? { rule: String(e.data.rule ?? '') } : {}),
        })),
      rollouts: rolloutEntries.map((e) => ({
        event: e.event,
        outcome: e.outcome,
        at: e.ts,
        actor: e.actor,
        data: e.data,
      })),
      breaks,
      lineage: l,
      ...(options.keepPackageIn ? { packageDir: dir } : {}),
    };
  } finally {
    if (!options.keepPackageIn) await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * The rollout and rollback events of one version. The server names a version by its registry version
 * when it loaded an alias and by its package hash (12 hex digits) when it loaded a directory, and a
 * rollout's later steps name none: those belong to the rollout most recently started for this model.
 */
export function rolloutsOf(
  entries: readonly AuditEntry[],
  version: string,
  packageHash: string,
): AuditEntry[] {
  const isThis = (ref: unknown) =>
    typeof ref === 'string' &&
    (ref === version || (/^[0-9a-f]{12,64}$/.test(ref) && packageHash.startsWith(ref)));
  const side = (e: AuditEntry, k: 'canary' | 'stable') => {
    const v = e.data[k];
    return typeof v === 'object' && v !== null ? (v as { version?: unknown; hash?: unknown }) : {};
  };
  const names = (e: AuditEntry, k: 'canary' | 'stable') =>
    isThis(side(e, k).version) || isThis(side(e, k).hash);
  const out: AuditEntry[] = [];
  // Whether the rollout in progress brings this version in (it is the canary).
  let current = false;
  for (const e of entries) {
    if (e.event !== 'rollout' && e.event !== 'rollback') continue;
    const type = String(e.data.type ?? '');
    if (type === 'rollout.started' || type === 'rollout.restored' || type === 'rollout.start_failed')
      current = names(e, 'canary');
    const mine = isThis(e.version) || names(e, 'canary') || names(e, 'stable');
    if (mine || (e.version === null && current)) out.push(e);
  }
  return out;
}

export function renderLineage(c: LineageChain): string {
  const short = (s: string | null | undefined, n = 12) =>
    s ? `${s.slice(0, n)}${s.length > n ? '…' : ''}` : '—';
  const lines = [
    `${c.model} v${c.version}`,
    '',
    'data',
    ...c.data.map(
      (d) => `  ${d.name.padEnd(6)} ${d.path}  md5 ${d.md5}${d.rows !== undefined ? `  ${d.rows} rows` : ''}`,
    ),
    '  ↓',
    `commit   ${c.code.commit ?? '(none)'}${c.code.branch ? ` (${c.code.branch})` : ''}${c.code.dirty ? ' + uncommitted changes' : ''}${c.code.remoteUrl ? `  ${c.code.remoteUrl}` : ''}`,
    '  ↓',
    `config   ${short(c.config.configHash, 16)} (file ${short(c.config.configFileHash, 16)})${c.config.customCodeHash ? `  custom code ${short(c.config.customCodeHash)}` : ''}`,
    '  ↓',
    `run      ${c.run.id ?? '(none)'}  ${c.run.status ?? ''}  ${c.run.startTime ?? ''}${c.run.actor ? `  by ${c.run.actor}` : ''}${c.run.ciRunUrl ? `  ${c.run.ciRunUrl}` : ''}`,
    '  ↓',
    `package  ${c.package.hash}  (weights ${short(c.package.weightsSha256)}, ${c.package.backend}, seed ${c.package.seed})`,
    '  ↓',
    `registry ${c.model} v${c.version}  ${c.registry.createdAt}  aliases: ${c.registry.aliases.join(', ') || 'none'}  eval: ${c.evaluation.verdict ?? 'not recorded'}  card: ${c.card.sha256 ? short(c.card.sha256) : 'none'}`,
    '  ↓',
    'promotions',
    ...(c.approvals.length ? c.approvals.map((a) => `  approved ${a.action} by ${a.actor} at ${a.at}`) : []),
    ...(c.promotions.length
      ? c.promotions.map(
          (p) =>
            `  ${p.outcome === 'allowed' ? '→' : '✗'} ${p.alias} by ${p.actor} at ${p.at}${p.previousVersion ? ` (was v${p.previousVersion})` : ''}${p.rule ? ` refused by ${p.rule}` : ''}`,
        )
      : ['  none']),
    '  ↓',
    'rollouts',
    ...(c.rollouts.length
      ? c.rollouts.map((r) => `  ${r.event} ${r.outcome} at ${r.at} ${JSON.stringify(r.data)}`)
      : ['  none']),
  ];
  if (c.breaks.length) lines.push('', 'breaks in the chain:', ...c.breaks.map((b) => `  ! ${b}`));
  return lines.join('\n');
}
