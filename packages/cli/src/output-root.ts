import { findRepositoryRoot } from '@slipway/core/base';

/**
 * `{ root }` for writing a command's outputs: the repository around `cwd`, below which no path may go
 * through a symbolic link (a cloned repository can commit links that point anywhere). A module of its
 * own so that light commands need not load project.ts.
 */
export function outputRoot(cwd: string): { root?: string } {
  const root = findRepositoryRoot(cwd);
  return root ? { root } : {};
}
