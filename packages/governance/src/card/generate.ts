/** Gathers a card's sources: a package directory (plus an eval report file), or a registry version. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SlipwayConfig } from '@slipway/core';
import type { EvalReport } from '@slipway/eval';
import type { ModelVersion } from '@slipway/tracking';
import { readVerifiedAudit } from '../audit/log.js';
import type { AuditSink } from '../audit/sink.js';
import {
  fetchVersionPackage,
  type GovernanceStore,
  readEvalReport,
  readPackageFacts,
  recordModelCard,
} from '../version/store.js';
import { buildModelCard, type ModelCard } from './build.js';
import { type WrittenCard, writeModelCard } from './write.js';

export async function cardForPackage(options: {
  config: SlipwayConfig;
  packageDir: string;
  evalReport?: EvalReport | null;
  projectRoot?: string | null;
  now?: Date;
}): Promise<ModelCard> {
  const facts = await readPackageFacts(options.packageDir);
  return buildModelCard({
    config: options.config,
    model: { name: facts.signature.name, version: null },
    packageHash: facts.hash,
    packageCreatedAt: facts.createdAt,
    signature: facts.signature,
    lineage: facts.lineage,
    profile: facts.profile,
    packageModel: facts.model,
    evalReport: options.evalReport ?? null,
    projectRoot: options.projectRoot ?? null,
    ...(options.now ? { now: options.now } : {}),
  });
}

export async function cardForVersion(options: {
  config: SlipwayConfig;
  store: GovernanceStore;
  model: string;
  version: string;
  audit?: AuditSink | null;
  auditKey?: string | null;
  /** Use this report instead of the stored one. */
  evalReport?: EvalReport | null;
  projectRoot?: string | null;
  now?: Date;
}): Promise<{
  card: ModelCard;
  version: ModelVersion;
  evalSource: 'given' | 'store' | 'none';
  evalProblem: string | null;
}> {
  const v = await options.store.getModelVersion(options.model, options.version);
  const tmp = await mkdtemp(join(tmpdir(), 'slipway-card-'));
  try {
    const facts = await readPackageFacts(await fetchVersionPackage(options.store, v, tmp));
    let evalReport: EvalReport | null = options.evalReport ?? null;
    let evalSource: 'given' | 'store' | 'none' = evalReport ? 'given' : 'none';
    let evalProblem: string | null = null;
    if (!evalReport) {
      const stored = await readEvalReport(options.store, v);
      if (stored.ok) {
        evalReport = stored.value;
        evalSource = 'store';
      } else evalProblem = stored.reason;
    }
    const entries = options.audit
      ? (await readVerifiedAudit(options.audit, options.auditKey ?? null)).filter(
          (e) => e.model === options.model && e.version === options.version && e.outcome === 'allowed',
        )
      : [];
    const card = buildModelCard({
      config: options.config,
      model: { name: options.model, version: v.version, aliases: v.aliases },
      packageHash: facts.hash,
      packageCreatedAt: facts.createdAt,
      signature: facts.signature,
      lineage: facts.lineage,
      profile: facts.profile,
      packageModel: facts.model,
      evalReport,
      approvals: entries
        .filter((e) => e.event === 'approve')
        .map((e) => ({ actor: e.actor ?? '?', at: e.ts, action: String(e.data.action ?? '') })),
      promotions: entries
        .filter((e) => e.event === 'promote')
        .map((e) => ({
          alias: String(e.data.alias ?? ''),
          actor: e.actor ?? '?',
          at: e.ts,
          previousVersion: (e.data.previousVersion as string | null | undefined) ?? null,
        })),
      projectRoot: options.projectRoot ?? null,
      ...(options.now ? { now: options.now } : {}),
    });
    return { card, version: v, evalSource, evalProblem };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * After a promotion: the version's card written again from the registry (current aliases) and the audit
 * log (the promotion just recorded), and stored on the version in place of the one written before it.
 */
export async function refreshModelCard(options: {
  config: SlipwayConfig;
  store: GovernanceStore;
  model: string;
  version: string;
  audit: AuditSink;
  auditKey?: string | null;
  projectRoot?: string | null;
  /** Where MODEL_CARD.md and model_card.json are written before they are stored. */
  outDir: string;
}): Promise<{ card: ModelCard; written: WrittenCard }> {
  const { card, version } = await cardForVersion(options);
  const written = await writeModelCard(options.outDir, card);
  await recordModelCard(options.store, version, written);
  return { card, written };
}
