/**
 * Small pieces every Slipway Action shares, so each src/main.ts stays a thin adapter: the message a
 * failure shows on the run page, and the once-per-job sync of the embedded store from its branch.
 */
import { isSlipwayError } from '@slipway/core';
import { syncStoreFromBranch } from './store-branch.js';

/** One line (plus the hint) for `core.setFailed`: a user error never shows a stack trace. */
export function formatActionError(err: unknown): string {
  if (isSlipwayError(err)) return err.hint ? `${err.message}\nhint: ${err.hint}` : err.message;
  const e = err as Error;
  return `internal error: ${e?.message ?? String(err)} (please report it with the log above)`;
}

export const STORE_SYNCED_ENV = 'SLIPWAY_STORE_SYNCED';

/**
 * Fills the store directory from `branch` unless an earlier step of this job already did (it exported
 * SLIPWAY_STORE_SYNCED): syncing twice would overwrite what the earlier steps wrote.
 */
export async function syncStoreOnce(
  o: { cwd: string; storeDir: string; branch: string; token?: string },
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ synced: boolean; commit: string | null; files: number }> {
  if (env[STORE_SYNCED_ENV] === o.branch) return { synced: false, commit: null, files: 0 };
  const res = await syncStoreFromBranch(o);
  return { synced: true, ...res };
}
