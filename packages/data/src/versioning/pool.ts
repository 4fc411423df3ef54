import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SlipwayError } from '@slipway/core/base';
import { forgetDirs, type Job, type JobResult, runJob } from './hash-worker.js';

export interface PoolOptions {
  /** Worker threads (default: one per core, at most 4). */
  jobs?: number;
  /** Called with bytes read, for a bytes/s progress bar. */
  onBytes?: (n: number) => void;
}

const SMALL_FILE = 4 << 20;
const BATCH_FILES = 256;
const BATCH_BYTES = 32 << 20;

function workerUrl(): URL {
  // Source (tests, type-stripped Node) loads the .ts file; the build loads the compiled .js next to this one.
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./hash-worker${ext}`, import.meta.url);
}

/**
 * Runs hash/copy jobs, returning results in job order. Few small jobs run in this thread (a worker
 * costs more than they do); otherwise batches of small files and single large files are spread over
 * worker threads so both cores hash at once.
 */
export async function runJobs(jobs: Job[], sizes: number[], options: PoolOptions = {}): Promise<JobResult[]> {
  const onBytes = options.onBytes ?? (() => {});
  const total = sizes.reduce((a, b) => a + b, 0);
  const results: JobResult[] = new Array(jobs.length);
  const cores = Math.max(1, Math.min(options.jobs ?? availableParallelism(), 4));
  if (jobs.length === 0) return results;
  if ((jobs.length < 64 && total < 16 << 20) || cores === 1) {
    forgetDirs();
    for (let i = 0; i < jobs.length; i++) results[i] = await runJob(jobs[i] as Job, onBytes);
    return results;
  }
  // Largest first, so that one big file does not start last and run alone.
  const order = jobs.map((_, i) => i).sort((a, b) => (sizes[b] as number) - (sizes[a] as number));
  const batches: number[][] = [];
  let current: number[] = [];
  let currentBytes = 0;
  for (const i of order) {
    const size = sizes[i] as number;
    if (size > SMALL_FILE) {
      batches.push([i]);
      continue;
    }
    current.push(i);
    currentBytes += size;
    if (current.length >= BATCH_FILES || currentBytes >= BATCH_BYTES) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
  }
  if (current.length) batches.push(current);
  const count = Math.min(cores, batches.length);
  const workers: Worker[] = [];
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: count }, async () => {
        const worker = new Worker(workerUrl(), {
          // Flags that only make sense for the main script (e.g. --input-type with -e) break a worker.
          execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type')),
        });
        workers.push(worker);
        let seq = 0;
        const pending = new Map<number, (r: JobResult[]) => void>();
        let failure: ((e: Error) => void) | undefined;
        worker.on('message', (msg: { id?: number; progress?: number; results?: JobResult[] }) => {
          if (msg.progress !== undefined) onBytes(msg.progress);
          else if (msg.id !== undefined) pending.get(msg.id)?.(msg.results ?? []);
        });
        worker.on('error', (err) => failure?.(err));
        while (next < batches.length) {
          const batch = batches[next++] as number[];
          const id = seq++;
          const out = await new Promise<JobResult[]>((resolve, reject) => {
            pending.set(id, resolve);
            failure = reject;
            worker.postMessage({ id, jobs: batch.map((i) => jobs[i]) });
          }).catch((err: Error) => {
            throw new SlipwayError('HASH_WORKER_FAILED', `hashing worker stopped: ${err.message}`, {
              hint: 'this is a bug in Slipway; run again with --debug and report it',
              exitCode: 3,
            });
          });
          pending.delete(id);
          batch.forEach((jobIndex, k) => {
            results[jobIndex] = out[k] as JobResult;
          });
        }
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
