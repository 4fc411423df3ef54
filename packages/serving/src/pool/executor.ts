/**
 * Where predictions run: a pool of worker threads (piscina), so the event loop keeps answering health,
 * readiness, /metrics and admin whatever the inference load; or inline on the event loop (workers: 0,
 * for tests with in-memory packages and for debugging).
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { currentBackend, type LoadedModelPackage, type Predictions, type Row } from '@slipway/training';
import { Piscina } from 'piscina';

export interface PredictExecutor {
  readonly threads: number;
  predict(pkg: LoadedModelPackage, rows: Row[], signal?: AbortSignal): Promise<Predictions>;
  /** Loads `pkg` in every worker before it takes traffic, so no request pays for (or times out on) the load. */
  warm(pkg: LoadedModelPackage): Promise<void>;
  close(): Promise<void>;
}

export const inlineExecutor: PredictExecutor = {
  threads: 0,
  predict: (pkg, rows) => pkg.predictRows(rows),
  warm: async () => {},
  close: async () => {},
};

/** Default pool size: one thread per CPU but one (the event loop's). */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism() - 1);
}

// From src (vitest, typecheck) the worker is the .ts file; Node strips its types.
const workerFile = fileURLToPath(
  new URL(import.meta.url.endsWith('.ts') ? './predict-worker.ts' : './predict-worker.js', import.meta.url),
);

/**
 * Rows travel to the worker as columns: arrays of primitives clone several times faster than as many
 * small objects, and this copy happens on the event loop.
 */
export function toColumns(rows: Row[]): { n: number; names: string[]; columns: unknown[][] } {
  const names = rows.length > 0 ? Object.keys(rows[0] as Row) : [];
  const columns = names.map((name) => {
    const col = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) col[i] = (rows[i] as Row)[name];
    return col;
  });
  return { n: rows.length, names, columns };
}

export interface PoolOptions {
  threads: number;
  /** Module exporting `loadModelPackage(dir)` (default @slipway/training); tests inject slow models. */
  loaderModule?: string;
  /** tfjs backend the workers select (default: the one this thread selected, else auto). */
  backend?: string;
}

/**
 * The parent's Node flags minus export conditions: under vitest the parent resolves workspace
 * packages to their TypeScript sources, which a worker's plain Node import cannot load; the worker
 * always uses the built packages.
 */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--conditions' || a === '-C') {
      i++;
      continue;
    }
    if (a.startsWith('--conditions=') || a.startsWith('-C=')) continue;
    out.push(a);
  }
  return out;
}

export function workerPool(options: PoolOptions): PredictExecutor {
  const pool = new Piscina({
    filename: workerFile,
    execArgv: workerExecArgv(),
    minThreads: options.threads,
    maxThreads: options.threads,
    idleTimeout: Number.POSITIVE_INFINITY,
    // Workers run the same tfjs backend as this thread, so answers match in-process predictions bit for bit.
    workerData: {
      backend: options.backend ?? currentBackend() ?? 'auto',
      ...(options.loaderModule ? { loaderModule: options.loaderModule } : {}),
    },
  });
  return {
    threads: options.threads,
    predict(pkg, rows, signal) {
      return pool.run(
        { dir: pkg.dir, hash: pkg.hash, ...toColumns(rows) },
        signal ? { signal } : {},
      ) as Promise<Predictions>;
    },
    async warm(pkg) {
      // One task per thread; an idle pool hands each to a different worker.
      await Promise.all(
        Array.from({ length: options.threads }, () => pool.run({ dir: pkg.dir, hash: pkg.hash, warm: true })),
      );
    },
    close: () => pool.destroy(),
  };
}
