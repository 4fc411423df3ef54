/**
 * A loaded model version in service. Requests hold a reference while they run, so a hot reload swaps
 * the slot and the old one is disposed only after its last in-flight request finishes.
 */
import type { LoadedModelPackage, Predictions, Row } from '@slipway/training';
import { MicroBatcher, type MicroBatchOptions } from './batcher.js';
import type { PredictExecutor } from './pool/executor.js';

export interface LoadedSource {
  pkg: LoadedModelPackage;
  /** Registry version when loaded through an alias, else the first 12 hex digits of the package hash. */
  version: string;
  /** What was asked for: a path or `models:/name@alias`. */
  source: string;
}

export class ModelSlot {
  readonly batcher: MicroBatcher;
  private inflight = 0;
  private retired = false;
  private disposed = false;
  private drained: (() => void) | null = null;

  constructor(
    readonly loaded: LoadedSource,
    batching: MicroBatchOptions | false,
    onBatch?: (rows: number, requests: number) => void,
    executor?: PredictExecutor,
  ) {
    this.batcher = new MicroBatcher(
      loaded.pkg,
      batching,
      onBatch,
      executor ? (rows) => executor.predict(loaded.pkg, rows) : undefined,
    );
  }

  get version(): string {
    return this.loaded.version;
  }
  get pkg(): LoadedModelPackage {
    return this.loaded.pkg;
  }
  get inFlight(): number {
    return this.inflight;
  }

  async predict(rows: Row[]): Promise<Predictions> {
    this.inflight++;
    try {
      return await this.batcher.predict(rows);
    } finally {
      this.inflight--;
      if (this.retired && this.inflight === 0) this.dispose();
    }
  }

  /** No new requests reach a retired slot; it is disposed once idle. Resolves when disposed. */
  retire(): Promise<void> {
    this.retired = true;
    this.batcher.flush();
    if (this.inflight === 0) {
      this.dispose();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.drained = resolve;
    });
  }

  private dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.loaded.pkg.dispose();
    this.drained?.();
  }
}
