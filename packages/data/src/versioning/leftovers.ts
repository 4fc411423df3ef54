import { join } from 'node:path';
import { sweepTemps } from '@slipway/core/base';
import type { DvcRepo } from './repo.js';

/** Where checkout stages the files it writes: in the project, so a rename moves them into place. */
export function stagingDir(repo: DvcRepo): string {
  return join(repo.dvcDir, 'tmp', 'slipway-staging');
}

/**
 * Removes what a killed command left behind, run under the repository lock: temp objects in the
 * cache (`files/md5/incoming.*.tmp`), staged checkout files and temp state files whose writer is gone.
 * Temps of live processes (another host's, on a shared cache) are left alone.
 */
export async function sweepCrashLeftovers(repo: DvcRepo): Promise<string[]> {
  return [
    ...(await sweepTemps(join(repo.cacheDir, 'files', 'md5'))),
    ...(await sweepTemps(stagingDir(repo))),
    ...(await sweepTemps(join(repo.dvcDir, 'tmp'))),
  ];
}
