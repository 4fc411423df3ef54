/** `slipway audit show`: the chain as a table, filtered by model, version, actor and kind of event. */
import type { AuditEntry } from './log.js';

export interface AuditFilter {
  model?: string | null;
  version?: string | null;
  actor?: string | null;
  /** Event kind(s): `promote`, `approve`, … (comma-separated on the command line). */
  kind?: string[] | null;
}

export function filterAuditEntries(entries: AuditEntry[], filter: AuditFilter): AuditEntry[] {
  const kinds = filter.kind?.length ? new Set(filter.kind) : null;
  return entries.filter(
    (e) =>
      (!filter.model || e.model === filter.model) &&
      (!filter.version || e.version === filter.version) &&
      (!filter.actor || (e.actor ?? '').toLowerCase() === filter.actor.toLowerCase()) &&
      (!kinds || kinds.has(e.event)),
  );
}

/** The facts that differ per kind, in a few words (alias moves, rules, digests). */
function summary(e: AuditEntry): string {
  const d = e.data ?? {};
  const s = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  const parts: string[] = [];
  if (e.event === 'promote')
    parts.push(
      `${s(d.alias)}: ${d.previousVersion ? `v${s(d.previousVersion)}` : '(unset)'} → v${s(e.version)}`,
    );
  if (e.event === 'approve') parts.push(s(d.action));
  if (e.event === 'register')
    parts.push(
      d.phase === 'intent'
        ? `intent pkg ${s(d.packageHash).slice(0, 12)}`
        : `pkg ${s(d.packageHash).slice(0, 12)}`,
    );
  if (e.event === 'eval' && d.change)
    parts.push(`report ${s(d.oldSha256).slice(0, 12) || '(none)'} → ${s(d.newSha256).slice(0, 12)}`);
  if (e.event === 'segment')
    parts.push(`segment ${s(d.segment)} anchors ${s((d.anchor as { seq?: number })?.seq)}`);
  if (d.rule && e.outcome !== 'allowed' && e.outcome !== 'ok') parts.push(`by ${s(d.rule)}`);
  if (d.type) parts.push(s(d.type));
  return parts.filter(Boolean).join('; ');
}

export function renderAuditTable(entries: AuditEntry[]): string {
  const rows = entries.map((e) => [
    String(e.seq),
    e.ts.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    e.event,
    e.outcome,
    e.actor ?? '—',
    e.model ? `${e.model}${e.version ? ` v${e.version}` : ''}` : '—',
    summary(e),
    e.hmac ? 'yes' : 'no',
  ]);
  const head = ['seq', 'time', 'kind', 'outcome', 'actor', 'model', 'details', 'signed'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
