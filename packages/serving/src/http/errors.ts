import { SlipwayError } from '@slipway/core';

/** A user error answered with an HTTP status (400, 404, 413, …) and a JSON body naming the cause. */
export class HttpError extends SlipwayError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    hint?: string,
  ) {
    super(code, message, hint === undefined ? {} : { hint });
  }
}

export const badRequest = (code: string, message: string, hint?: string): HttpError =>
  new HttpError(400, code, message, hint);
