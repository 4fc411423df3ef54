// Registrable model packages without training (a manifest over placeholder files: registration only
// verifies hashes), a policy for the concurrency tests, and the replay check shared by them.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashBytes, MODEL_PACKAGE_SCHEMA, modelPackageFiles } from '@slipway/core';
import { type AuditEntry, replayAudit } from '@slipway/governance';
import type { Store } from '@slipway/tracking';
import { packageHash } from '@slipway/training';

export async function fakePackage(dir: string, seed: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const bodies: Record<string, string> = {
    'model.json': JSON.stringify({ seed }),
    'weights.bin': `weights ${seed}`,
    'features.json': '{}',
    'signature.json': '{}',
    'lineage.json': JSON.stringify({
      actor: `trainer-${seed}`,
      endedAt: '2026-12-01T00:00:00.000Z',
      backend: 'cpu',
    }),
    'profile.json': '{}',
  };
  const files = modelPackageFiles('tfjs').map((path) => {
    const bytes = Buffer.from(bodies[path]!);
    return { path, sha256: hashBytes(bytes), size: bytes.byteLength };
  });
  for (const path of modelPackageFiles('tfjs')) await writeFile(join(dir, path), bodies[path]!);
  const hash = packageHash(files);
  await writeFile(
    join(dir, 'manifest.json'),
    JSON.stringify({
      schema: MODEL_PACKAGE_SCHEMA,
      name: 'flight-delay',
      task: 'binary',
      hash,
      files,
      createdAt: new Date().toISOString(),
    }),
  );
  return hash;
}

/** alice/erin promote and register, bob/carol approve champion moves; challenger needs no approval. */
export const RACE_POLICY = `version: 1
roles:
  release:
    members: [alice, erin]
  reviewers:
    members: [bob, carol]
grants:
  - role: release
    models: "flight-*"
    actions: [register, "promote:champion", "promote:challenger"]
approvals:
  "promote:champion":
    required: 1
    from: reviewers
`;

/**
 * The registry the audit chain describes must be the registry there is: every alias where its last
 * allowed entry put it (or, after a crash, still at that entry's recorded previous version: an intent
 * whose move never happened), never a version no entry moved it to; every version accounted for by a
 * register entry; no entry recording a previous version the chain before it contradicts.
 */
export async function replayProblems(
  store: Store,
  model: string,
  entries: AuditEntry[],
  options: { crashed?: boolean } = {},
): Promise<string[]> {
  const problems: string[] = [];
  const state = replayAudit(entries);
  const registered = await store.getRegisteredModel(model);
  const replayed = state.aliases.get(model) ?? new Map<string, string>();
  for (const alias of new Set([...Object.keys(registered.aliases), ...replayed.keys()])) {
    const actual = registered.aliases[alias] ?? null;
    const want = replayed.get(alias) ?? null;
    if (actual === want) continue;
    const moves = entries.filter(
      (e) => e.event === 'promote' && e.outcome === 'allowed' && e.model === model && e.data.alias === alias,
    );
    const last = moves.at(-1);
    const unapplied =
      options.crashed && last && ((last.data.previousVersion as string | null) ?? null) === actual;
    if (!unapplied) problems.push(`${alias}: registry says ${actual}, the audit log ${want}`);
  }
  for (const [alias, version] of Object.entries(registered.aliases)) {
    const entered = entries.some(
      (e) =>
        e.event === 'promote' &&
        e.outcome === 'allowed' &&
        e.model === model &&
        e.version === version &&
        e.data.alias === alias,
    );
    if (!entered) problems.push(`${alias} → v${version} has no audit entry`);
  }
  const confirmed = state.versions.get(model) ?? new Set<string>();
  for (const v of await store.searchModelVersions(model)) {
    if (confirmed.has(v.version)) continue;
    const hash = v.tags['slipway.package.hash'];
    if (!options.crashed || !hash || !state.intents.has(hash))
      problems.push(`v${v.version} has no register entry`);
  }
  if (!options.crashed)
    for (const i of state.inconsistent)
      problems.push(
        `entry ${i.seq} moved ${i.alias} from ${i.recorded}, but the chain had it at ${i.replayed}`,
      );
  return problems;
}
