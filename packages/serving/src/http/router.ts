/**
 * Request target → handler. The path is parsed and decoded once, guarded: a malformed target or a
 * bad percent-escape is a 400, never an exception that escapes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App, Ctx } from '../app.js';
import { admin } from '../handlers/admin.js';
import { live, modelMetadata, modelReady, ready, serverMetadata } from '../handlers/health.js';
import { getDeployment, infer, predictEndpoint } from '../handlers/inference.js';
import { metricsText } from '../handlers/metrics.js';
import { HttpError } from './errors.js';
import { send } from './respond.js';

function endpointOf(parts: string[]): string {
  if (parts[0] === 'predict') return 'predict';
  if (parts[0] === 'admin') return 'admin';
  if (parts[0] === 'metrics') return 'metrics';
  if (parts[0] === 'v2' && parts.at(-1) === 'infer') return 'infer';
  if (parts[0] === 'v2') return 'health';
  return 'other';
}

/** Builds the request context; the target's problems are recorded to be answered as 400 by route(). */
export function context(req: IncomingMessage, res: ServerResponse): { ctx: Ctx; problem: HttpError | null } {
  const method = req.method ?? 'GET';
  let url: URL;
  let parts: string[] = [];
  let problem: HttpError | null = null;
  try {
    url = new URL(req.url ?? '/', 'http://localhost');
  } catch {
    url = new URL('http://localhost/');
    problem = new HttpError(400, 'BAD_PATH', 'the request target is not a valid URL path');
  }
  if (!problem) {
    const raw = url.pathname.split('/').filter(Boolean);
    try {
      parts = raw.map(decodeURIComponent);
    } catch {
      parts = raw;
      problem = new HttpError(
        400,
        'BAD_PATH',
        'the path has an invalid percent-escape',
        'encode path segments with encodeURIComponent',
      );
    }
  }
  const endpoint = endpointOf(parts);
  const model = parts[0] === 'v2' && parts[1] === 'models' && parts[2] ? parts[2] : null;
  return { ctx: { req, res, t0: performance.now(), method, url, parts, endpoint, model }, problem };
}

function only(ctx: Ctx, m: string): void {
  if (ctx.method !== m)
    throw new HttpError(
      405,
      'METHOD_NOT_ALLOWED',
      `${ctx.method} is not allowed on ${ctx.url.pathname}`,
      `use ${m}`,
      { allow: m },
    );
}

export async function route(app: App, ctx: Ctx): Promise<void> {
  const { parts } = ctx;
  if (parts[0] === 'v2') {
    if (parts.length === 1) {
      only(ctx, 'GET');
      return serverMetadata(ctx);
    }
    if (parts[1] === 'health' && parts.length === 3 && (parts[2] === 'live' || parts[2] === 'ready')) {
      only(ctx, 'GET');
      return parts[2] === 'live' ? live(ctx) : ready(app, ctx);
    }
    if (parts[1] === 'models' && parts[2]) {
      const d = getDeployment(app, parts[2]);
      let rest = parts.slice(3);
      let version: string | undefined;
      if (rest[0] === 'versions') {
        version = rest[1];
        if (!version || (version !== d.stable.version && version !== d.canary?.version)) {
          throw new HttpError(
            404,
            'VERSION_NOT_FOUND',
            `model "${d.name}" has no loaded version "${version ?? ''}"`,
            `loaded: ${[d.stable.version, d.canary?.version].filter(Boolean).join(', ')}`,
          );
        }
        rest = rest.slice(2);
      }
      if (rest.length === 0) {
        only(ctx, 'GET');
        return send(ctx.res, 200, modelMetadata(d));
      }
      if (rest[0] === 'ready' && rest.length === 1) {
        only(ctx, 'GET');
        return modelReady(app, ctx, d);
      }
      if (rest[0] === 'infer' && rest.length === 1) {
        only(ctx, 'POST');
        return infer(app, ctx, d, version);
      }
    }
  }
  if (parts[0] === 'predict' && parts.length === 1) {
    only(ctx, 'POST');
    return predictEndpoint(app, ctx);
  }
  if (parts[0] === 'metrics' && parts.length === 1) {
    only(ctx, 'GET');
    return metricsText(app, ctx);
  }
  if (parts[0] === 'admin') return admin(app, ctx);
  throw new HttpError(
    404,
    'NOT_FOUND',
    `no endpoint ${ctx.method} ${ctx.url.pathname}`,
    'see docs/serving.md for the endpoints',
  );
}
