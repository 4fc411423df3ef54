import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SlipwayError } from '@slipway/core/base';
import { type ManifestEntry, parseManifest } from './manifest.js';
import { cachePath, type DvcRepo } from './repo.js';

export function corruptObject(obj: string, oid: string, actual: string, untouched?: string): SlipwayError {
  return new SlipwayError(
    'CACHE_CORRUPT',
    `cache object ${obj} does not match its name: its content hashes to ${actual}, not ${oid.replace(/\.dir$/, '')}${untouched ? `; ${untouched} was left as it was` : ''}`,
    {
      hint: 'the cache is damaged: delete that object, then `slipway data pull` it again (or re-add the data from a good copy)',
    },
  );
}

/** Reads and verifies a `.dir` manifest from the cache; undefined when the cache lacks it. */
export async function readManifest(repo: DvcRepo, oid: string): Promise<ManifestEntry[] | undefined> {
  const obj = cachePath(repo, oid);
  let bytes: Buffer;
  try {
    bytes = await readFile(obj);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const actual = createHash('md5').update(bytes).digest('hex');
  if (`${actual}.dir` !== oid) throw corruptObject(obj, oid, actual);
  try {
    return parseManifest(bytes);
  } catch (err) {
    throw new SlipwayError('CACHE_CORRUPT', `cache object ${obj}: ${(err as Error).message}`, {
      hint: 'delete that object and pull it again',
    });
  }
}
