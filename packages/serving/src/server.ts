/**
 * `slipway serve`: a node:http server with Open Inference Protocol v2 REST endpoints, a simple
 * `POST /predict`, Prometheus `/metrics`, and a bearer-token admin API for rollouts and reloads.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAbsolute, join, resolve } from 'node:path';
import {
  configSchema,
  isSlipwayError,
  modelFamilyOf,
  SLIPWAY_VERSION,
  type SlipwayConfig,
} from '@slipway/core';
import type { Predictions, Row } from '@slipway/training';
import { checkAdminToken } from './http/auth.js';
import { parseJson, readBody } from './http/body.js';
import { HttpError } from './http/errors.js';
import {
  encodeInferResponse,
  oipDatatype,
  parseInferRequest,
  predictionsJson,
  rowsFromPredictBody,
} from './http/inputs.js';
import { ServingMetrics } from './metrics.js';
import { PredictionLog } from './prediction-log.js';
import {
  RolloutController as Controller,
  type RolloutController,
  type RolloutEvent,
} from './rollout/controller.js';
import { Deployment, type PredictOutcome } from './router/deployment.js';
import type { LoadedSource } from './slot.js';

export type ServingConfig = SlipwayConfig['serving'];

export interface ServeOptions {
  /** The resolved `serving` config section. */
  config: ServingConfig;
  /** Project root: relative stateDir / prediction log paths resolve against it. */
  root: string;
  /** What to serve as stable; the name defaults to the package signature's name. */
  models: { source: string; name?: string }[];
  load(source: string): Promise<LoadedSource>;
  /** Admin bearer token; the admin API answers 403 without one. */
  adminToken?: string;
  /** Rollout and reload events (the audit log). */
  onEvent?: (event: RolloutEvent) => void | Promise<void>;
  /** false: no router (every request to stable, no live stats): the benchmark baseline. */
  routing?: boolean;
  /** Problems that must not stop serving. */
  warn?: (message: string) => void;
  /** Process metrics (CPU, memory, event loop) in /metrics; default true. */
  defaultMetrics?: boolean;
}

export interface ServingServer {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  readonly metrics: ServingMetrics;
  readonly deployments: ReadonlyMap<string, Deployment>;
  readonly controllers: ReadonlyMap<string, RolloutController>;
  readonly predictionLog: PredictionLog | null;
  /** Stops accepting, lets in-flight requests finish (up to graceMs), then frees the models. */
  close(graceMs?: number): Promise<void>;
}

const stepsSchema = configSchema.shape.serving.unwrap().shape.rollout.unwrap().shape.steps;

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  t0: number;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {},
): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': data.length, ...headers });
  res.end(data);
}

function errorBody(err: {
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

export async function startServer(options: ServeOptions): Promise<ServingServer> {
  const cfg = options.config;
  const warn = options.warn ?? (() => {});
  const metrics = new ServingMetrics({ defaultMetrics: options.defaultMetrics !== false });
  const deployments = new Map<string, Deployment>();
  const controllers = new Map<string, RolloutController>();
  const at = (p: string) => (isAbsolute(p) ? p : resolve(options.root, p));

  for (const m of options.models) {
    const loaded = await options.load(m.source);
    const name = m.name ?? loaded.pkg.signature.name;
    if (deployments.has(name)) {
      throw new HttpError(
        400,
        'DUPLICATE_MODEL',
        `two models are named "${name}"`,
        'give each a distinct name (name=path)',
      );
    }
    const d = new Deployment(loaded, {
      name,
      batching: cfg.microBatch,
      canaryTimeoutMs: cfg.canaryTimeoutMs,
      routing: options.routing !== false,
      metrics,
    });
    deployments.set(name, d);
    controllers.set(
      name,
      await Controller.open({
        deployment: d,
        stateFile: join(at(cfg.stateDir), `${name}.rollout.json`),
        load: options.load,
        steps: cfg.rollout.steps,
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
        metrics,
        warn,
      }),
    );
  }

  const predictionLog =
    cfg.predictionLog === false
      ? null
      : new PredictionLog(at(cfg.predictionLog.path), cfg.predictionLog.sampleRate);
  let closing = false;
  let inflight = 0;
  let drained: (() => void) | null = null;

  const reqCounter = (model: string, variant: string, endpoint: string, code: number) =>
    metrics.requests.labels(model, variant, endpoint, String(code)).inc();

  const getDeployment = (name: string): Deployment => {
    const d = deployments.get(name);
    if (!d) {
      throw new HttpError(
        404,
        'MODEL_NOT_FOUND',
        `model "${name}" is not served here`,
        `served models: ${[...deployments.keys()].join(', ')}`,
      );
    }
    return d;
  };

  const variantHeaders = (name: string, out: PredictOutcome): Record<string, string> => ({
    'x-slipway-model': name,
    'x-slipway-model-version': out.version,
    'x-slipway-variant': out.variant,
    ...(out.fallback ? { 'x-slipway-fallback': `canary-${out.fallback}` } : {}),
  });

  const logPrediction = (model: string, out: PredictOutcome, rows: Row[], p: Predictions, t0: number) => {
    predictionLog?.maybeLog(() => ({
      ts: new Date().toISOString(),
      model,
      version: out.version,
      variant: out.variant,
      rows,
      predictions: Array.from(p.values),
      latencyMs: Math.round((performance.now() - t0) * 1000) / 1000,
    }));
  };

  async function predict(
    ctx: Ctx,
    d: Deployment,
    rows: Row[],
    version: string | undefined,
    endpoint: string,
  ): Promise<PredictOutcome> {
    const key = ctx.req.headers[cfg.stickyHeader];
    const out = await d.predict(rows, {
      ...(typeof key === 'string' && key !== '' ? { key } : {}),
      ...(version !== undefined ? { version } : {}),
    });
    metrics.requestDuration
      .labels(d.name, out.variant, endpoint)
      .observe((performance.now() - ctx.t0) / 1000);
    reqCounter(d.name, out.variant, endpoint, 200);
    logPrediction(d.name, out, rows, out.predictions, ctx.t0);
    return out;
  }

  async function handleInfer(ctx: Ctx, name: string, version: string | undefined): Promise<void> {
    const d = getDeployment(name);
    const body = await readBody(ctx.req, cfg.maxBodyBytes);
    const hl = ctx.req.headers['inference-header-content-length'];
    const parsed = parseInferRequest(body, typeof hl === 'string' ? Number(hl) : null, d.signature);
    const out = await predict(ctx, d, parsed.rows, version, 'infer');
    const enc = encodeInferResponse(
      out.predictions,
      parsed,
      {
        model_name: name,
        model_version: out.version,
        parameters: { variant: out.variant, ...(out.fallback ? { fallback: `canary-${out.fallback}` } : {}) },
      },
      d.signature.classes,
    );
    ctx.res.writeHead(200, {
      'content-type': enc.contentType,
      'content-length': enc.body.length,
      ...(enc.headerLength !== undefined ? { 'inference-header-content-length': enc.headerLength } : {}),
      ...variantHeaders(name, out),
    });
    ctx.res.end(enc.body);
  }

  async function handlePredict(ctx: Ctx, url: URL): Promise<void> {
    const body = await readBody(ctx.req, cfg.maxBodyBytes);
    const json = parseJson(body) as Record<string, unknown> | null;
    let name = url.searchParams.get('model') ?? (json && typeof json.model === 'string' ? json.model : null);
    if (name === null) {
      if (deployments.size !== 1) {
        throw new HttpError(
          400,
          'MODEL_REQUIRED',
          'this server serves several models; say which',
          `add ?model=<name> (one of ${[...deployments.keys()].join(', ')})`,
        );
      }
      name = [...deployments.keys()][0] as string;
    }
    const d = getDeployment(name);
    const rows = rowsFromPredictBody(json, d.signature);
    const version = url.searchParams.get('version') ?? undefined;
    const out = await predict(ctx, d, rows, version, 'predict');
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
  }

  function modelMetadata(d: Deployment): Record<string, unknown> {
    const sig = d.signature;
    const k = sig.task === 'multiclass' ? (sig.classes?.length ?? -1) : 0;
    return {
      name: d.name,
      versions: [d.stable.version, ...(d.canary ? [d.canary.version] : [])],
      // The family that answers (stable's): tfjs layers or gradient-boosted trees.
      platform: modelFamilyOf(d.stable.pkg.manifest) === 'gbdt' ? 'slipway_gbdt' : 'slipway_tfjs',
      inputs: sig.inputs.map((i) => ({ name: i.name, datatype: oipDatatype(i.kind), shape: [-1] })),
      outputs: [
        { name: 'predictions', datatype: 'FP64', shape: [-1] },
        ...(k > 0 ? [{ name: 'probabilities', datatype: 'FP64', shape: [-1, k] }] : []),
      ],
      parameters: {
        task: sig.task,
        classes: sig.classes,
        threshold: sig.threshold,
        stable: d.stable.version,
        canary: d.canary?.version ?? null,
        canary_weight: d.weight,
        shadow: d.shadow ? { version: d.shadow.slot.version, percent: d.shadow.percent } : null,
      },
    };
  }

  async function handleAdmin(ctx: Ctx, parts: string[]): Promise<void> {
    checkAdminToken(ctx.req, options.adminToken);
    if (parts.length === 2 && parts[1] === 'models' && ctx.req.method === 'GET')
      return send(ctx.res, 200, [...deployments.keys()]);
    // /admin/models/{name}/{action...}
    if (parts[1] !== 'models' || !parts[2])
      throw new HttpError(404, 'NOT_FOUND', `no admin endpoint ${ctx.req.url}`);
    const name = parts[2];
    const d = getDeployment(name);
    const c = controllers.get(name) as RolloutController;
    const action = parts.slice(3).join('/');
    const method = ctx.req.method ?? 'GET';
    const actorHeader = ctx.req.headers['x-slipway-actor'];
    const actor = typeof actorHeader === 'string' && actorHeader ? actorHeader : 'admin-api';
    const body = async (): Promise<Record<string, unknown>> => {
      const raw = await readBody(ctx.req, cfg.maxBodyBytes);
      if (raw.length === 0) return {};
      const j = parseJson(raw);
      if (j === null || typeof j !== 'object' || Array.isArray(j))
        throw new HttpError(400, 'BAD_REQUEST_BODY', 'the body must be a JSON object');
      return j as Record<string, unknown>;
    };
    const str = (b: Record<string, unknown>, key: string): string => {
      const v = b[key];
      if (typeof v !== 'string' || v === '')
        throw new HttpError(400, 'BAD_REQUEST_BODY', `"${key}" must be a non-empty string`);
      return v;
    };
    if (action === 'rollout' && method === 'GET') return send(ctx.res, 200, c.status());
    if (action === 'rollout' && method === 'POST') {
      const b = await body();
      let steps: ServingConfig['rollout']['steps'] | undefined;
      if (b.steps !== undefined) {
        const parsed = stepsSchema.safeParse(b.steps);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new HttpError(
            400,
            'BAD_STEPS',
            `steps${issue?.path.length ? `.${issue.path.join('.')}` : ''}: ${issue?.message}`,
            'use setWeight, pause and analysis steps as in serving.rollout.steps',
          );
        }
        steps = parsed.data;
      }
      return send(ctx.res, 200, await c.start(str(b, 'source'), { ...(steps ? { steps } : {}), actor }));
    }
    if (action === 'rollout/promote' && method === 'POST') {
      const b = await body();
      return send(ctx.res, 200, await c.promote({ full: b.full === true, actor }));
    }
    if (action === 'rollout/abort' && method === 'POST') {
      const b = await body();
      return send(
        ctx.res,
        200,
        await c.abort({ ...(typeof b.reason === 'string' ? { reason: b.reason } : {}), actor }),
      );
    }
    if (action === 'reload' && method === 'POST') {
      const b = await body();
      return send(ctx.res, 200, await c.reloadStable(str(b, 'source'), actor));
    }
    if (action === 'shadow' && method === 'PUT') {
      const b = await body();
      const percent = b.percent ?? 100;
      if (typeof percent !== 'number' || !(percent > 0 && percent <= 100)) {
        throw new HttpError(400, 'BAD_REQUEST_BODY', '"percent" must be a number in (0, 100]');
      }
      const loaded = await options.load(str(b, 'source'));
      await d.setShadow(loaded, percent);
      await options.onEvent?.({
        type: 'model.reloaded',
        model: name,
        at: new Date().toISOString(),
        actor,
        details: { shadow: loaded.source, version: loaded.version, percent },
      });
      return send(ctx.res, 200, modelMetadata(d));
    }
    if (action === 'shadow' && method === 'DELETE') {
      await d.setShadow(null);
      return send(ctx.res, 200, modelMetadata(d));
    }
    throw new HttpError(404, 'NOT_FOUND', `no admin endpoint ${method} ${ctx.req.url}`);
  }

  async function route(ctx: Ctx): Promise<void> {
    const { req, res } = ctx;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? 'GET';
    const only = (m: string) => {
      if (method !== m)
        throw new HttpError(
          405,
          'METHOD_NOT_ALLOWED',
          `${method} is not allowed on ${url.pathname}`,
          `use ${m}`,
        );
    };
    if (parts[0] === 'v2') {
      if (parts.length === 1) {
        only('GET');
        return send(res, 200, {
          name: 'slipway',
          version: SLIPWAY_VERSION,
          extensions: ['binary_tensor_data'],
        });
      }
      if (parts[1] === 'health' && (parts[2] === 'live' || parts[2] === 'ready') && parts.length === 3) {
        only('GET');
        if (parts[2] === 'live') return send(res, 200, { live: true });
        return send(res, closing ? 503 : 200, { ready: !closing });
      }
      if (parts[1] === 'models' && parts[2]) {
        const d = getDeployment(parts[2]);
        let rest = parts.slice(3);
        let version: string | undefined;
        if (rest[0] === 'versions') {
          version = rest[1];
          if (!version || (version !== d.stable.version && version !== d.canary?.version)) {
            throw new HttpError(
              404,
              'VERSION_NOT_FOUND',
              `model "${d.name}" has no loaded version "${version}"`,
              `loaded: ${modelMetadata(d).versions}`,
            );
          }
          rest = rest.slice(2);
        }
        if (rest.length === 0) {
          only('GET');
          return send(res, 200, modelMetadata(d));
        }
        if (rest[0] === 'ready' && rest.length === 1) {
          only('GET');
          return send(res, closing ? 503 : 200, { name: d.name, ready: !closing });
        }
        if (rest[0] === 'infer' && rest.length === 1) {
          only('POST');
          return handleInfer(ctx, d.name, version);
        }
      }
    }
    if (parts[0] === 'predict' && parts.length === 1) {
      only('POST');
      return handlePredict(ctx, url);
    }
    if (parts[0] === 'metrics' && parts.length === 1) {
      only('GET');
      const text = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(text);
      return;
    }
    if (parts[0] === 'admin') return handleAdmin(ctx, parts);
    throw new HttpError(
      404,
      'NOT_FOUND',
      `no endpoint ${method} ${url.pathname}`,
      'see docs/serving.md for the endpoints',
    );
  }

  function fail(ctx: Ctx, err: unknown): void {
    const { res } = ctx;
    let status = 500;
    let body: Record<string, string>;
    if (err instanceof HttpError) {
      status = err.status;
      body = errorBody(err);
    } else if (isSlipwayError(err)) {
      const s = (err.details as { status?: number } | undefined)?.status;
      status = typeof s === 'number' ? s : 400;
      body = errorBody(err);
    } else {
      warn(`internal error on ${ctx.req.method} ${ctx.req.url}: ${(err as Error)?.stack ?? String(err)}`);
      body = { error: 'internal error; see the server log', code: 'INTERNAL' };
    }
    const url = ctx.req.url ?? '';
    const endpoint = url.startsWith('/predict')
      ? 'predict'
      : url.includes('/infer')
        ? 'infer'
        : url.startsWith('/admin')
          ? 'admin'
          : 'other';
    if (endpoint === 'predict' || endpoint === 'infer') {
      const name = /\/v2\/models\/([^/]+)/.exec(url)?.[1];
      reqCounter(
        name && deployments.has(decodeURIComponent(name))
          ? decodeURIComponent(name)
          : deployments.size === 1
            ? ([...deployments.keys()][0] as string)
            : 'unknown',
        'none',
        endpoint,
        status,
      );
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // The rest of an oversized body is not read: close the connection after answering.
    send(res, status, body, status === 413 ? { connection: 'close' } : {});
  }

  const server = createServer(
    {
      requestTimeout: cfg.requestTimeoutMs,
      headersTimeout: Math.min(cfg.requestTimeoutMs, 60_000),
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(cfg.requestTimeoutMs / 4))),
      keepAliveTimeout: 5_000,
    },
    (req, res) => {
      const ctx: Ctx = { req, res, t0: performance.now() };
      inflight++;
      metrics.inflight.inc();
      if (closing) res.setHeader('connection', 'close');
      route(ctx)
        .catch((err) => fail(ctx, err))
        .finally(() => {
          inflight--;
          metrics.inflight.dec();
          if (closing && inflight === 0) drained?.();
        });
    },
  );

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new HttpError(
          500,
          'LISTEN_FAILED',
          `cannot listen on ${cfg.host}:${cfg.port} (${err.code ?? err.message})`,
          err.code === 'EADDRINUSE'
            ? 'another process uses the port; pick another with --port'
            : 'check serving.host and serving.port',
        ),
      ),
    );
    server.listen(cfg.port, cfg.host, () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  const host = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;

  let closed: Promise<void> | null = null;
  return {
    url: `http://${host}:${port}`,
    port,
    server,
    metrics,
    deployments,
    controllers,
    predictionLog,
    close(graceMs = 30_000) {
      if (closed) return closed;
      closing = true;
      closed = (async () => {
        const stopped = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        if (inflight > 0) {
          await Promise.race([
            new Promise<void>((r) => (drained = r)),
            new Promise((r) => setTimeout(r, graceMs).unref()),
          ]);
        }
        server.closeAllConnections();
        await stopped;
        for (const c of controllers.values()) await c.close();
        for (const d of deployments.values()) await d.close();
        await predictionLog?.close();
      })();
      return closed;
    },
  };
}
