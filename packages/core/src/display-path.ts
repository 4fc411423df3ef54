import { isAbsolute, relative, resolve, sep } from 'node:path';

/**
 * A path as Slipway shows it in reports, cards and registry descriptions: relative to the project root
 * (forward slashes) when inside it, so no output carries this machine's directory layout (on a runner,
 * /home/runner/work/…). A path outside the project is shown as given.
 */
export function displayPath(path: string, root: string = process.cwd()): string {
  const abs = resolve(root, path);
  const rel = relative(resolve(root), abs);
  if (rel === '') return '.';
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel.split(sep).join('/');
}
