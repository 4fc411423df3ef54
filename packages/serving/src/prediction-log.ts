/** Sampled prediction log (JSON lines) that monitoring reads for drift of live traffic. */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { Row } from '@slipway/training';

export interface PredictionLogEntry {
  ts: string;
  model: string;
  version: string;
  variant: string;
  rows: Row[];
  predictions: number[];
  latencyMs: number;
}

export class PredictionLog {
  private stream: WriteStream;
  private written = 0;

  constructor(
    readonly path: string,
    private readonly sampleRate: number,
    private readonly random: () => number = Math.random,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.stream = createWriteStream(path, { flags: 'a' });
  }

  get count(): number {
    return this.written;
  }

  /** Samples first, so unsampled requests cost one random number. */
  maybeLog(make: () => PredictionLogEntry): void {
    if (this.sampleRate <= 0 || this.random() >= this.sampleRate) return;
    this.written++;
    this.stream.write(`${JSON.stringify(make())}\n`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(resolve));
  }
}
