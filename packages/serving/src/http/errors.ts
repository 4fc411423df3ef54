import { SlipwayError } from '@slipway/core';

/** A user error answered with an HTTP status (400, 404, 413, …) and a JSON body naming the cause. */
export class HttpError extends SlipwayError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    hint?: string,
    /** Extra response headers (Retry-After on 503). */
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message, hint === undefined ? {} : { hint });
  }
}

export const badRequest = (code: string, message: string, hint?: string): HttpError =>
  new HttpError(400, code, message, hint);

/** The server is full: the client should come back after `retryAfterS` seconds. */
export const busy = (code: string, message: string, retryAfterS = 1): HttpError =>
  new HttpError(503, code, message, `retry after ${retryAfterS} s, or send fewer rows per request`, {
    'retry-after': String(retryAfterS),
  });
