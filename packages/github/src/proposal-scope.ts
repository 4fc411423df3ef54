/**
 * What a retraining proposal may change when the caller lists nothing: the project's versioned data paths
 * (`data.versioned`), their `.dvc` files and `slipway.lock`. Paths come back relative to `cwd`, the
 * directory commitToBranch resolves them against.
 */
import { relative, resolve } from 'node:path';

export const LOCK_FILE_NAME = 'slipway.lock';

export function defaultProposalPaths(o: { root: string; cwd: string; versioned: string[] }): string[] {
  const fromRoot = [
    ...o.versioned.flatMap((p) => {
      const clean = p.replace(/\/+$/, '');
      return [clean, `${clean}.dvc`];
    }),
    LOCK_FILE_NAME,
  ];
  return [...new Set(fromRoot.map((p) => relative(o.cwd, resolve(o.root, p)) || '.'))];
}
