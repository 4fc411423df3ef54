import { resolve } from 'node:path';
import { type Progress, SlipwayError } from '@slipway/core/base';
import { findRepoRoot, openRepo } from './repo.js';
import { HashState } from './state.js';
import { hashOutput } from './tree.js';

export interface DataDigest {
  /** The path as given, resolved. */
  path: string;
  /** DVC md5: of the file, or `<md5 of the .dir manifest>.dir` for a directory (what `.dvc` files record). */
  md5: string;
  /** MLflow dataset digest: the 32 hex digits of `md5` without `.dir` (MLflow allows at most 36 characters). */
  digest: string;
  size: number;
  nfiles?: number;
}

/**
 * Content identity of a file or directory for lineage, equal to what `dvc add` would record. Inside a
 * DVC project the hash state is used, so unchanged data is not read again; nothing is written to the cache.
 */
export async function dataDigest(
  path: string,
  options: { cwd?: string; progress?: Progress; jobs?: number } = {},
): Promise<DataDigest> {
  const abs = resolve(options.cwd ?? process.cwd(), path);
  const root = findRepoRoot(abs);
  const repo = root
    ? openRepo(root)
    : { root: abs, dvcDir: '', cacheDir: '', config: { config: {}, origin: {} }, scm: false };
  const state = root ? await HashState.load(repo.dvcDir) : HashState.memory();
  const hashed = await hashOutput(repo, abs, path, {
    state,
    store: false,
    progress: options.progress,
    jobs: options.jobs,
  });
  if (root) await state.save().catch(() => {});
  const digest = hashed.md5.replace(/\.dir$/, '');
  if (digest.length > 36)
    throw new SlipwayError('DIGEST_TOO_LONG', `${path}: digest ${digest} is longer than 36 characters`);
  return {
    path: abs,
    md5: hashed.md5,
    digest,
    size: hashed.size,
    ...(hashed.isDir ? { nfiles: hashed.nfiles } : {}),
  };
}
