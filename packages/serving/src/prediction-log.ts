/**
 * Sampled prediction log (JSON lines) that monitoring reads for drift of live traffic. It must never
 * take the server down or grow without bound: write errors (a full disk) are counted and reported,
 * never thrown; the file is rotated at `maxBytes` (keeping `keep` old files); each entry holds at most
 * `maxRowsPerEntry` rows and says how many the request had; and while the disk is slower than the
 * traffic (backpressure) or a rotation runs, samples are dropped and counted instead of buffered.
 */
import { createWriteStream, mkdirSync, statSync, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
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
  /** Rows the request had when more than `rows` holds (the entry keeps the first ones). */
  rowCount?: number;
}

export interface PredictionLogOptions {
  sampleRate: number;
  maxBytes?: number;
  keep?: number;
  maxRowsPerEntry?: number;
  random?: () => number;
  /** Write errors and rotations (rate-limited by the caller's logger). */
  warn?: (message: string) => void;
  onOutcome?: (outcome: 'written' | 'dropped' | 'failed') => void;
}

export class PredictionLog {
  private stream: WriteStream | null = null;
  private bytes = 0;
  private rotating: Promise<void> | null = null;
  private lastWarn = 0;
  private openedAt = 0;
  private readonly o: Required<Omit<PredictionLogOptions, 'warn' | 'onOutcome'>> &
    Pick<PredictionLogOptions, 'warn' | 'onOutcome'>;
  /** Entries handed to the file, dropped under backpressure, and lost to write errors. */
  readonly counts = { written: 0, dropped: 0, failed: 0 };

  constructor(
    readonly path: string,
    options: PredictionLogOptions | number,
    random?: () => number,
  ) {
    const opts = typeof options === 'number' ? { sampleRate: options } : options;
    this.o = {
      maxBytes: 64 * 1024 * 1024,
      keep: 3,
      maxRowsPerEntry: 100,
      random: random ?? Math.random,
      ...opts,
    };
    mkdirSync(dirname(path), { recursive: true });
    try {
      this.bytes = statSync(path).size;
    } catch {
      this.bytes = 0;
    }
    this.open();
  }

  get count(): number {
    return this.counts.written;
  }

  private open(): void {
    this.openedAt = Date.now();
    const s = createWriteStream(this.path, { flags: 'a' });
    s.on('error', (err) => {
      this.counts.failed++;
      this.o.onOutcome?.('failed');
      this.report(
        `prediction log ${this.path}: ${(err as NodeJS.ErrnoException).code ?? err.message}; samples are dropped`,
      );
      // A broken stream is replaced on the next rotation attempt; until then samples are dropped.
      if (this.stream === s) this.stream = null;
    });
    this.stream = s;
  }

  private report(message: string): void {
    const now = Date.now();
    if (now - this.lastWarn < 10_000) return;
    this.lastWarn = now;
    this.o.warn?.(message);
  }

  private drop(): void {
    this.counts.dropped++;
    this.o.onOutcome?.('dropped');
  }

  /** Samples first, so unsampled requests cost one random number. */
  maybeLog(make: () => PredictionLogEntry): void {
    if (this.o.sampleRate <= 0 || this.o.random() >= this.o.sampleRate) return;
    const s = this.stream;
    if (!s || this.rotating || s.writableNeedDrain || s.destroyed) {
      this.drop();
      // After a write error the file is reopened, at most every 10 s.
      if (!s && !this.rotating && Date.now() - this.openedAt > 10_000) this.open();
      return;
    }
    const entry = make();
    const max = this.o.maxRowsPerEntry;
    const line = `${JSON.stringify(
      entry.rows.length > max
        ? {
            ...entry,
            rows: entry.rows.slice(0, max),
            predictions: entry.predictions.slice(0, max),
            rowCount: entry.rows.length,
          }
        : entry,
    )}\n`;
    const size = Buffer.byteLength(line);
    if (this.bytes + size > this.o.maxBytes && this.bytes > 0) {
      this.drop();
      this.rotate();
      return;
    }
    this.bytes += size;
    this.counts.written++;
    this.o.onOutcome?.('written');
    s.write(line);
  }

  /** Moves path → path.1 → … → path.<keep> (the oldest is deleted) and starts a new file. */
  private rotate(): void {
    if (this.rotating) return;
    const old = this.stream;
    this.stream = null;
    this.rotating = (async () => {
      if (old) await new Promise<void>((r) => old.end(r));
      try {
        if (this.o.keep === 0) await rm(this.path, { force: true });
        else {
          await rm(`${this.path}.${this.o.keep}`, { force: true });
          for (let i = this.o.keep - 1; i >= 1; i--)
            await rename(`${this.path}.${i}`, `${this.path}.${i + 1}`).catch(() => {});
          await rename(this.path, `${this.path}.1`).catch(() => {});
        }
      } catch (err) {
        this.report(`prediction log ${this.path}: rotation failed (${(err as Error).message})`);
      }
      this.bytes = 0;
      this.open();
    })().finally(() => {
      this.rotating = null;
    });
  }

  async close(): Promise<void> {
    await this.rotating;
    const s = this.stream;
    this.stream = null;
    if (s && !s.destroyed) await new Promise<void>((resolve) => s.end(resolve));
  }
}
