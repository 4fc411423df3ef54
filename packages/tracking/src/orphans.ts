/**
 * Runs whose process was killed stay RUNNING forever unless someone notices. A run started by Slipway
 * records which process owns it (`slipway.owner`: host hash, pid, process start); the next command
 * that starts a run in the same experiment marks the runs of processes that are gone as KILLED, with
 * the reason in `slipway.end_reason`, in the local store and on an MLflow server alike.
 */
import { hostname } from 'node:os';
import { currentOwner, type Owner, ownerGone, ownerTag } from '@slipway/core';
import type { Store } from './types.js';

export const OWNER_TAGS = {
  /** `<host hash>-<pid>-<start>`: what ownerGone needs. */
  owner: 'slipway.owner',
  pid: 'slipway.pid',
  host: 'slipway.host',
  endReason: 'slipway.end_reason',
} as const;

/** Tags to put on a run this process starts, so that a later command can tell if it was killed. */
export function runOwnerTags(): Record<string, string> {
  const me = currentOwner();
  return {
    [OWNER_TAGS.owner]: ownerTag(me),
    [OWNER_TAGS.pid]: String(me.pid),
    [OWNER_TAGS.host]: hostname(),
  };
}

function parseOwner(tag: string | undefined): Owner | undefined {
  const m = /^([0-9a-f]{8})-(\d+)-(\d+)$/.exec(tag ?? '');
  return m ? { host: m[1] as string, pid: Number(m[2]), start: Number(m[3]) } : undefined;
}

export interface OrphanedRun {
  runId: string;
  reason: string;
}

/**
 * Marks RUNNING runs of `experimentId` whose owning process on this host is gone as KILLED. Runs of
 * other hosts, and runs that record no owner, are left as they are: nothing can tell whether they live.
 */
export async function markOrphanedRuns(store: Store, experimentId: string): Promise<OrphanedRun[]> {
  const running = await store.searchRuns([experimentId], { filter: "attributes.status = 'RUNNING'" });
  const marked: OrphanedRun[] = [];
  for (const run of running) {
    if (run.status !== 'RUNNING') continue;
    const owner = parseOwner(run.tags[OWNER_TAGS.owner]);
    if (!owner || !ownerGone(owner)) continue;
    const reason = `process ${owner.pid} on ${run.tags[OWNER_TAGS.host] ?? 'this host'} ended without finishing the run (killed or crashed); marked KILLED by process ${process.pid} at ${new Date().toISOString()}`;
    await store.setTags(run.id, { [OWNER_TAGS.endReason]: reason });
    await store.setRunStatus(run.id, 'KILLED', Date.now());
    marked.push({ runId: run.id, reason });
  }
  return marked;
}
