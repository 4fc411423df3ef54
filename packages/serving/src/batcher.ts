/**
 * Micro-batching: concurrent requests for one model are coalesced into one model call. A batch goes
 * out when `maxBatchSize` rows wait; when the model is idle, at the end of the current I/O turn (every
 * request read in that turn joins, no timer wait at low load); while a call is running, when it ends or
 * `maxDelayMs` after the first request queued, whichever is first. Off = one call per request.
 */
import type { LoadedModelPackage, Predictions, Row } from '@slipway/training';

export interface MicroBatchOptions {
  maxDelayMs: number;
  maxBatchSize: number;
}

interface Pending {
  rows: Row[];
  resolve(p: Predictions): void;
  reject(err: unknown): void;
}

/** Row `start..start+n` of a batch's predictions. */
export function slicePredictions(p: Predictions, start: number, n: number): Predictions {
  const out: Predictions = { task: p.task, n, values: p.values.slice(start, start + n) };
  if (p.probabilities) {
    const k = p.n === 0 ? 0 : p.probabilities.length / p.n;
    out.probabilities = p.probabilities.slice(start * k, (start + n) * k);
  }
  return out;
}

export class MicroBatcher {
  private queue: Pending[] = [];
  private queuedRows = 0;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private running = 0;

  private readonly call: (rows: Row[]) => Promise<Predictions>;

  constructor(
    pkg: LoadedModelPackage,
    private readonly options: MicroBatchOptions | false,
    private readonly onBatch?: (rows: number, requests: number) => void,
    /** Runs one model call (default: on this thread); the server passes its worker pool. */
    call?: (rows: Row[]) => Promise<Predictions>,
  ) {
    this.call = call ?? ((rows) => pkg.predictRows(rows));
  }

  predict(rows: Row[]): Promise<Predictions> {
    if (this.options === false) {
      this.onBatch?.(rows.length, 1);
      return this.call(rows);
    }
    const { maxBatchSize, maxDelayMs } = this.options;
    return new Promise<Predictions>((resolve, reject) => {
      this.queue.push({ rows, resolve, reject });
      this.queuedRows += rows.length;
      if (this.queuedRows >= maxBatchSize) this.flush();
      else this.schedule(maxDelayMs);
    });
  }

  private schedule(maxDelayMs: number): void {
    if (this.running === 0) {
      if (this.immediate === null) this.immediate = setImmediate(() => this.flush());
    } else if (this.timer === null) {
      this.timer = setTimeout(() => this.flush(), maxDelayMs);
    }
  }

  /** Sends what is queued now (also used on shutdown). */
  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.immediate !== null) {
      clearImmediate(this.immediate);
      this.immediate = null;
    }
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.queuedRows = 0;
    void this.run(batch);
  }

  private async run(batch: Pending[]): Promise<void> {
    const rows = batch.length === 1 ? (batch[0] as Pending).rows : batch.flatMap((b) => b.rows);
    this.onBatch?.(rows.length, batch.length);
    let result: Predictions;
    this.running++;
    try {
      result = await this.call(rows);
    } catch (err) {
      if (batch.length === 1) {
        (batch[0] as Pending).reject(err);
        return;
      }
      // One request's rows must not fail its neighbours: retry each on its own.
      for (const b of batch) this.call(b.rows).then(b.resolve, b.reject);
      return;
    } finally {
      this.running--;
      // What queued during the call goes out now rather than waiting for its timer.
      if (this.running === 0 && this.queue.length > 0) this.flush();
    }
    if (batch.length === 1) {
      (batch[0] as Pending).resolve(result);
      return;
    }
    let start = 0;
    for (const b of batch) {
      b.resolve(slicePredictions(result, start, b.rows.length));
      start += b.rows.length;
    }
  }
}
