/**
 * Micro-batching: concurrent requests for one model are coalesced into one model call, flushed when
 * `maxBatchSize` rows are waiting or `maxDelayMs` after the first one arrived. Off = one call per request.
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

  constructor(
    private readonly pkg: LoadedModelPackage,
    private readonly options: MicroBatchOptions | false,
    private readonly onBatch?: (rows: number, requests: number) => void,
  ) {}

  predict(rows: Row[]): Promise<Predictions> {
    if (this.options === false) {
      this.onBatch?.(rows.length, 1);
      return this.pkg.predictRows(rows);
    }
    const { maxBatchSize, maxDelayMs } = this.options;
    return new Promise<Predictions>((resolve, reject) => {
      this.queue.push({ rows, resolve, reject });
      this.queuedRows += rows.length;
      if (this.queuedRows >= maxBatchSize) this.flush();
      else if (this.timer === null) this.timer = setTimeout(() => this.flush(), maxDelayMs);
    });
  }

  /** Sends what is queued now (also used on shutdown). */
  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
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
    try {
      result = await this.pkg.predictRows(rows);
    } catch (err) {
      if (batch.length === 1) {
        (batch[0] as Pending).reject(err);
        return;
      }
      // One request's rows must not fail its neighbours: retry each on its own.
      for (const b of batch) this.pkg.predictRows(b.rows).then(b.resolve, b.reject);
      return;
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
