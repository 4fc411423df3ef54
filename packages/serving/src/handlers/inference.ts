/**
 * POST /v2/models/{m}[/versions/{v}]/infer and POST /predict. Each request passes, in order: the
 * inference tokens (when configured), admission (503 + Retry-After when full), the body limit, the
 * row limit (checked before data is decoded), the row budget, then the model call against the
 * request's deadline. Only callers allowed to steer may pin a version or pick a sticky key.
 */
import type { Predictions, Row } from '@slipway/training';
import type { Ticket } from '../admission.js';
import type { App, Ctx } from '../app.js';
import { authenticate } from '../http/auth.js';
import { parseJson, readBody } from '../http/body.js';
import { busy, HttpError } from '../http/errors.js';
import {
  encodeInferResponse,
  parseInferRequest,
  predictionsJson,
  rowsFromPredictBody,
} from '../http/inputs.js';
import { send } from '../http/respond.js';
import type { Deployment, PredictOutcome } from '../router/deployment.js';

interface Caller {
  authenticated: boolean;
  /** May pin a version or choose a sticky key. */
  steer: boolean;
}

function caller(app: App, ctx: Ctx): Caller {
  let authenticated = false;
  if (app.inferenceTokens) {
    authenticate(
      ctx.req,
      app.inferenceTokens,
      'inference',
      'use a token from serving.auth (tokenEnv or tokenFile)',
    );
    authenticated = true;
  }
  const mode = app.cfg.clientSteering;
  return { authenticated, steer: mode === 'anyone' || (mode === 'authenticated' && authenticated) };
}

export function getDeployment(app: App, name: string): Deployment {
  const d = app.deployments.get(name);
  if (!d) {
    throw new HttpError(
      404,
      'MODEL_NOT_FOUND',
      `model "${name}" is not served here`,
      `served models: ${[...app.deployments.keys()].join(', ')}`,
    );
  }
  return d;
}

/** A pin to the canary steers traffic into the rollout: refused unless the caller may steer. */
function checkPin(d: Deployment, version: string | undefined, who: Caller): void {
  if (version === undefined || who.steer || version === d.stable.version) return;
  throw new HttpError(
    403,
    'STEERING_REFUSED',
    `this caller may not pin version "${version}" of model "${d.name}"`,
    'only authenticated callers may pin a canary version (serving.clientSteering); call /v2/models/<name>/infer',
  );
}

function variantHeaders(name: string, out: PredictOutcome): Record<string, string> {
  return {
    'x-slipway-model': name,
    'x-slipway-model-version': out.version,
    'x-slipway-variant': out.variant,
    ...(out.fallback ? { 'x-slipway-fallback': `canary-${out.fallback}` } : {}),
  };
}

function withDeadline<T>(app: App, work: Promise<T>, ms: number): Promise<T> {
  if (ms <= 0) {
    app.metrics.admissionRejected.labels('deadline').inc();
    return Promise.reject(
      busy('DEADLINE_EXCEEDED', `no answer within serving.deadlineMs (${app.cfg.deadlineMs} ms)`),
    );
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      app.metrics.admissionRejected.labels('deadline').inc();
      reject(busy('DEADLINE_EXCEEDED', `no answer within serving.deadlineMs (${app.cfg.deadlineMs} ms)`));
    }, ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** Runs `fn` holding an admission ticket, released once the work it started has ended. */
async function admitted<T>(
  app: App,
  ctx: Ctx,
  fn: (ticket: Ticket, track: (p: Promise<unknown>) => void) => Promise<T>,
): Promise<T> {
  let ticket: Ticket;
  try {
    ticket = app.admission.enter(ctx.t0);
  } catch (err) {
    app.metrics.admissionRejected.labels('inflight').inc();
    throw err;
  }
  let work: Promise<unknown> | null = null;
  try {
    return await fn(ticket, (p) => {
      work = p;
    });
  } finally {
    const w = work as Promise<unknown> | null;
    if (w) w.then(ticket.release, ticket.release);
    else ticket.release();
  }
}

async function predict(
  app: App,
  ctx: Ctx,
  d: Deployment,
  rows: Row[],
  version: string | undefined,
  who: Caller,
  endpoint: 'infer' | 'predict',
  ticket: Ticket,
  track: (p: Promise<unknown>) => void,
): Promise<PredictOutcome> {
  try {
    ticket.addRows(rows.length);
  } catch (err) {
    app.metrics.admissionRejected.labels('rows').inc();
    throw err;
  }
  const key = ctx.req.headers[app.cfg.stickyHeader];
  const work = d.predict(rows, {
    ...(who.steer && typeof key === 'string' && key !== '' ? { key } : {}),
    ...(version !== undefined ? { version } : {}),
  });
  track(work);
  const out = await withDeadline(app, work, ticket.remainingMs());
  app.metrics.requestDuration
    .labels(d.name, out.variant, endpoint)
    .observe((performance.now() - ctx.t0) / 1000);
  app.metrics.requests.labels(d.name, out.variant, endpoint, '200').inc();
  logPrediction(app, d.name, out, rows, out.predictions, ctx.t0);
  return out;
}

function logPrediction(
  app: App,
  model: string,
  out: PredictOutcome,
  rows: Row[],
  p: Predictions,
  t0: number,
): void {
  app.predictionLog?.maybeLog(() => ({
    ts: new Date().toISOString(),
    model,
    version: out.version,
    variant: out.variant,
    rows,
    predictions: Array.from(p.values),
    latencyMs: Math.round((performance.now() - t0) * 1000) / 1000,
  }));
}

export async function infer(app: App, ctx: Ctx, d: Deployment, version: string | undefined): Promise<void> {
  const who = caller(app, ctx);
  checkPin(d, version, who);
  await admitted(app, ctx, async (ticket, track) => {
    const body = await readBody(ctx.req, app.cfg.maxBodyBytes);
    const hl = ctx.req.headers['inference-header-content-length'];
    const headerLength = typeof hl === 'string' ? Number(hl) : null;
    const parsed = parseInferRequest(body, headerLength, d.signature, app.cfg.maxRows);
    const out = await predict(app, ctx, d, parsed.rows, version, who, 'infer', ticket, track);
    const enc = encodeInferResponse(
      out.predictions,
      parsed,
      {
        model_name: d.name,
        model_version: out.version,
        parameters: { variant: out.variant, ...(out.fallback ? { fallback: `canary-${out.fallback}` } : {}) },
      },
      d.signature.classes,
    );
    ctx.res.writeHead(200, {
      'content-type': enc.contentType,
      'content-length': enc.body.length,
      ...(enc.headerLength !== undefined ? { 'inference-header-content-length': enc.headerLength } : {}),
      ...variantHeaders(d.name, out),
    });
    ctx.res.end(enc.body);
  });
}

export async function predictEndpoint(app: App, ctx: Ctx): Promise<void> {
  const who = caller(app, ctx);
  await admitted(app, ctx, async (ticket, track) => {
    const body = await readBody(ctx.req, app.cfg.maxBodyBytes);
    const json = parseJson(body) as Record<string, unknown> | null;
    let name =
      ctx.url.searchParams.get('model') ??
      (json && typeof json === 'object' && typeof json.model === 'string' ? json.model : null);
    if (name === null) {
      if (app.deployments.size !== 1) {
        throw new HttpError(
          400,
          'MODEL_REQUIRED',
          'this server serves several models; say which',
          `add ?model=<name> (one of ${[...app.deployments.keys()].join(', ')})`,
        );
      }
      name = [...app.deployments.keys()][0] as string;
    }
    ctx.model = name;
    const d = getDeployment(app, name);
    const version = ctx.url.searchParams.get('version') ?? undefined;
    checkPin(d, version, who);
    const rows = rowsFromPredictBody(json, d.signature, app.cfg.maxRows);
    const out = await predict(app, ctx, d, rows, version, who, 'predict', ticket, track);
    send(
      ctx.res,
      200,
      {
        model: name,
        version: out.version,
        variant: out.variant,
        ...(out.fallback ? { fallback: `canary-${out.fallback}` } : {}),
        ...predictionsJson(out.predictions, d.signature),
      },
      variantHeaders(name, out),
    );
  });
}
