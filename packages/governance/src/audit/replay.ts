/**
 * Replays the audit chain into the registry state it describes: which versions exist (register) and
 * where each alias points (promote). The concurrency and crash tests compare it with the real registry,
 * and a promotion whose intent entry has no effect (the process died between the entry and the move)
 * shows up here as an unapplied intent.
 */
import type { AuditEntry } from './log.js';

export interface ReplayedState {
  /** `model` → alias → version. */
  aliases: Map<string, Map<string, string>>;
  /** `model` → versions confirmed by a register entry. */
  versions: Map<string, Set<string>>;
  /** Package hashes with a register intent (a version created from it is accounted for). */
  intents: Set<string>;
  /** Allowed promote entries whose recorded previous version disagrees with the replay before them. */
  inconsistent: { seq: number; alias: string; recorded: string | null; replayed: string | null }[];
}

export function replayAudit(entries: AuditEntry[]): ReplayedState {
  const aliases = new Map<string, Map<string, string>>();
  const versions = new Map<string, Set<string>>();
  const intents = new Set<string>();
  const inconsistent: ReplayedState['inconsistent'] = [];
  const failed = new Set(
    entries
      .filter((e) => e.event === 'promote' && e.outcome === 'failed' && typeof e.data.intent === 'number')
      .map((e) => e.data.intent as number),
  );
  for (const e of entries) {
    if (!e.model) continue;
    if (e.event === 'register') {
      if (e.data.phase === 'intent' && typeof e.data.packageHash === 'string')
        intents.add(e.data.packageHash);
      if ((e.outcome === 'ok' || e.outcome === 'allowed') && e.version) {
        if (!versions.has(e.model)) versions.set(e.model, new Set());
        versions.get(e.model)!.add(e.version);
      }
    }
    if (e.event === 'promote' && e.outcome === 'allowed' && e.version && !failed.has(e.seq)) {
      const alias = String(e.data.alias);
      if (!aliases.has(e.model)) aliases.set(e.model, new Map());
      const m = aliases.get(e.model)!;
      const before = m.get(alias) ?? null;
      const recorded = (e.data.previousVersion as string | null | undefined) ?? null;
      if (recorded !== before) inconsistent.push({ seq: e.seq, alias, recorded, replayed: before });
      m.set(alias, e.version);
    }
  }
  return { aliases, versions, intents, inconsistent };
}
