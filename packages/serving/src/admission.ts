/**
 * Admission control for prediction requests: a bound on requests and rows in flight (reading,
 * queued or predicting) so memory and queueing stay bounded under a flood; a full server answers
 * 503 with Retry-After at once instead of queueing without end. A ticket is held until the work it
 * started has finished, even when the client was already answered (deadline), so abandoned work
 * still counts against the bound.
 */
import { busy } from './http/errors.js';

export interface AdmissionLimits {
  maxInflight: number;
  maxInflightRows: number;
  deadlineMs: number;
}

export interface Ticket {
  /** Ms left before the request's deadline. */
  remainingMs(): number;
  /** Reserves rows; 503 when the server holds too many rows already. */
  addRows(n: number): void;
  release(): void;
}

export class Admission {
  private requests = 0;
  private rows = 0;
  rejected = 0;

  constructor(
    readonly limits: AdmissionLimits,
    private readonly onChange?: (requests: number, rows: number) => void,
  ) {}

  get inflight(): { requests: number; rows: number } {
    return { requests: this.requests, rows: this.rows };
  }

  enter(t0 = performance.now()): Ticket {
    if (this.requests >= this.limits.maxInflight) {
      this.rejected++;
      throw busy(
        'SERVER_BUSY',
        `the server is busy: ${this.requests} prediction requests in flight (limit ${this.limits.maxInflight})`,
      );
    }
    this.requests++;
    let rows = 0;
    let released = false;
    this.onChange?.(this.requests, this.rows);
    return {
      remainingMs: () => this.limits.deadlineMs - (performance.now() - t0),
      addRows: (n) => {
        // A single request larger than the whole budget is still admitted when nothing else runs.
        if (this.rows > 0 && this.rows + n > this.limits.maxInflightRows) {
          this.rejected++;
          throw busy(
            'SERVER_BUSY',
            `the server is busy: ${this.rows} rows in flight; ${n} more would pass the limit of ${this.limits.maxInflightRows}`,
          );
        }
        rows += n;
        this.rows += n;
        this.onChange?.(this.requests, this.rows);
      },
      release: () => {
        if (released) return;
        released = true;
        this.requests--;
        this.rows -= rows;
        this.onChange?.(this.requests, this.rows);
      },
    };
  }
}
