/**
 * Worker-thread side of the prediction pool: loads each model package once (verifying its content hash)
 * and predicts rows. Self-contained on purpose: it runs as plain ESM (TypeScript stripped by Node when
 * loaded from src), so it imports nothing relative.
 */
import { workerData } from 'node:worker_threads';

interface Pkg {
  hash: string;
  predictRows(rows: unknown[]): Promise<unknown>;
  dispose(): void;
}

interface Task {
  dir: string;
  hash: string;
  /** Only load the package (before it takes traffic). */
  warm?: boolean;
  n: number;
  names: string[];
  columns: unknown[][];
}

function rowsOf(task: Task): Record<string, unknown>[] {
  const rows = new Array<Record<string, unknown>>(task.n);
  for (let i = 0; i < task.n; i++) {
    const row: Record<string, unknown> = {};
    for (let c = 0; c < task.names.length; c++)
      row[task.names[c] as string] = (task.columns[c] as unknown[])[i];
    rows[i] = row;
  }
  return rows;
}

const CACHE = 8;
const cache = new Map<string, Promise<Pkg>>();
const data = (workerData ?? {}) as { loaderModule?: string; backend?: string };

interface Loader {
  loadModelPackage(dir: string): Promise<Pkg>;
  selectBackend?(name: string): Promise<unknown>;
  allowPackageCode?(handler: (use: { packageHash: string; dir: string }) => void): void;
}

/**
 * Content hashes of the packages the main thread sent here. The main thread loaded each of them through
 * its package-code gate (a registered transform with the same source, or the operator's audited opt-in)
 * before it took traffic; this thread has no registry of its own, so it admits bundled code for exactly
 * those packages and nothing else.
 */
const admitted = new Set<string>();

let loader: Promise<Loader> | null = null;

function loaderModule(): Promise<Loader> {
  loader ??= (async () => {
    const mod = (await import(data.loaderModule ?? '@slipway/training')) as Loader;
    if (data.backend && data.backend !== 'auto') await mod.selectBackend?.(data.backend);
    mod.allowPackageCode?.((use) => {
      if (!admitted.has(use.packageHash))
        throw new Error(
          `${use.dir}: package ${use.packageHash} was not admitted by the server; not running its code`,
        );
    });
    return mod;
  })();
  return loader;
}

async function load(dir: string, hash: string): Promise<Pkg> {
  const mod = await loaderModule();
  admitted.add(hash);
  const pkg = await mod.loadModelPackage(dir);
  if (pkg.hash !== hash) {
    pkg.dispose();
    throw new Error(`${dir} changed on disk since it was loaded (hash ${pkg.hash}, expected ${hash})`);
  }
  return pkg;
}

export default async function predict(task: Task): Promise<unknown> {
  const key = `${task.hash}\u0000${task.dir}`;
  let p = cache.get(key);
  if (!p) {
    p = load(task.dir, task.hash);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
    // Least recently loaded goes first; versions in service are re-loaded on their next request.
    while (cache.size > CACHE) {
      const [oldest, old] = cache.entries().next().value as [string, Promise<Pkg>];
      cache.delete(oldest);
      old.then((o) => o.dispose()).catch(() => {});
    }
  }
  const pkg = await p;
  if (task.warm) return null;
  return pkg.predictRows(rowsOf(task));
}
