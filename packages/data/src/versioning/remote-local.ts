import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { SlipwayError } from '@slipway/core/base';
import type { RemoteConfig } from './config.js';
import { objectPath } from './hash-worker.js';

/** A directory remote: the same `files/md5/xx/…` layout as the cache. */
export function localRemoteDir(remote: RemoteConfig, create: boolean): string {
  const dir = remote.path as string;
  try {
    if (create) mkdirSync(dir, { recursive: true });
    else if (!existsSync(dir)) {
      throw Object.assign(new Error('the directory does not exist'), { code: 'ENOENT' });
    }
    accessSync(dir, create ? constants.W_OK | constants.R_OK : constants.R_OK);
  } catch (err) {
    throw new SlipwayError(
      'REMOTE_UNREACHABLE',
      `remote "${remote.name}" (${remote.url}): cannot use ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      {
        hint: 'check the url of the remote in .dvc/config and that the directory exists and is writable',
      },
    );
  }
  return dir;
}

export const localRemoteObject = (dir: string, oid: string) => objectPath(dir, oid);
