import { describe, expect, it } from 'vitest';
import { Admission } from './admission.js';
import type { HttpError } from './http/errors.js';

describe('admission control', () => {
  it('refuses requests over the in-flight bound with 503 + Retry-After, and admits again after release', () => {
    const a = new Admission({ maxInflight: 2, maxInflightRows: 100, deadlineMs: 1000 });
    const t1 = a.enter();
    const t2 = a.enter();
    let err: HttpError | null = null;
    try {
      a.enter();
    } catch (e) {
      err = e as HttpError;
    }
    expect(err?.status).toBe(503);
    expect(err?.headers['retry-after']).toBe('1');
    t1.release();
    t1.release(); // twice is harmless
    expect(a.inflight.requests).toBe(1);
    a.enter().release();
    t2.release();
    expect(a.inflight).toEqual({ requests: 0, rows: 0 });
  });

  it('bounds rows in flight, but lets one large request through when nothing else runs', () => {
    const a = new Admission({ maxInflight: 10, maxInflightRows: 100, deadlineMs: 1000 });
    const big = a.enter();
    big.addRows(500);
    const small = a.enter();
    expect(() => small.addRows(1)).toThrow(/rows in flight/);
    big.release();
    small.addRows(60);
    const third = a.enter();
    expect(() => third.addRows(41)).toThrow(/limit of 100/);
    third.addRows(40);
    expect(a.inflight.rows).toBe(100);
  });

  it('counts down the deadline from when the request arrived', () => {
    const a = new Admission({ maxInflight: 1, maxInflightRows: 1, deadlineMs: 50 });
    const t = a.enter(performance.now() - 80);
    expect(t.remainingMs()).toBeLessThan(0);
  });
});
