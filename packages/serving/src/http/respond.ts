/** Writing answers, and the error path: it maps any failure to a status and can never throw itself. */
import type { ServerResponse } from 'node:http';
import { isSlipwayError } from '@slipway/core';
import type { App, Ctx } from '../app.js';
import { HttpError } from './errors.js';

export function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {},
): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': data.length, ...headers });
  res.end(data);
}

export function errorBody(err: {
  message: string;
  code?: string;
  hint?: string | undefined;
}): Record<string, string> {
  return {
    error: err.message,
    ...(err.code ? { code: err.code } : {}),
    ...(err.hint ? { hint: err.hint } : {}),
  };
}

/** Client went away: nothing to answer and nothing to report as an internal error. */
function isDisconnect(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return (
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'ECONNABORTED' ||
    code === 'ERR_STREAM_PREMATURE_CLOSE'
  );
}

export function fail(app: App, ctx: Ctx, err: unknown): void {
  try {
    failUnsafe(app, ctx, err);
  } catch (inner) {
    // The last resort: log, and make sure the client is not left hanging.
    try {
      app.warn(
        `error while answering an error on ${ctx.method}: ${(inner as Error)?.message ?? String(inner)}`,
      );
    } catch {}
    try {
      ctx.res.destroy();
    } catch {}
  }
}

function failUnsafe(app: App, ctx: Ctx, err: unknown): void {
  const { res } = ctx;
  let status = 500;
  let body: Record<string, string>;
  let headers: Record<string, string> = {};
  if (err instanceof HttpError) {
    status = err.status;
    body = errorBody(err);
    headers = err.headers;
  } else if (isSlipwayError(err)) {
    const s = (err.details as { status?: number } | undefined)?.status;
    status = typeof s === 'number' && s >= 400 && s < 600 ? s : 400;
    body = errorBody(err);
  } else if (isDisconnect(err) || ctx.req.socket?.destroyed) {
    res.destroy();
    return;
  } else {
    app.warn(`internal error on ${ctx.method} ${ctx.url.pathname}: ${(err as Error)?.stack ?? String(err)}`);
    body = { error: 'internal error; see the server log', code: 'INTERNAL' };
  }
  if (ctx.endpoint === 'predict' || ctx.endpoint === 'infer') {
    const model =
      ctx.model && app.deployments.has(ctx.model)
        ? ctx.model
        : app.deployments.size === 1
          ? ([...app.deployments.keys()][0] as string)
          : 'unknown';
    app.metrics.requests.labels(model, 'none', ctx.endpoint, String(status)).inc();
  }
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  // The rest of an oversized body is not read: close the connection after answering.
  send(res, status, body, { ...headers, ...(status === 413 ? { connection: 'close' } : {}) });
}
