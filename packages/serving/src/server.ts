/**
 * `slipway serve`: a node:http server with Open Inference Protocol v2 REST endpoints, a simple
 * `POST /predict`, Prometheus `/metrics`, and a bearer-token admin API for rollouts and reloads.
 * This file wires the parts together; routing is in http/router.ts, the endpoints in handlers/,
 * limits in admission.ts, tokens in http/auth.ts and the model calls in pool/ (worker threads).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAbsolute, join, resolve } from 'node:path';
import { SlipwayError } from '@slipway/core';
import { Admission } from './admission.js';
import type { App, ServingConfig } from './app.js';
import { loadTokens, parseTokens, type TokenSet, tokenSet } from './http/auth.js';
import { HttpError } from './http/errors.js';
import { fail } from './http/respond.js';
import { context, route } from './http/router.js';
import { ServingMetrics } from './metrics.js';
import { defaultWorkers, inlineExecutor, type PredictExecutor, workerPool } from './pool/executor.js';
import { PredictionLog } from './prediction-log.js';
import {
  RolloutController as Controller,
  type RolloutController,
  type RolloutEvent,
} from './rollout/controller.js';
import { rolloutSteps } from './rollout/default-steps.js';
import type { RolloutGuard } from './rollout/guard.js';
import { Deployment } from './router/deployment.js';
import type { LoadedSource } from './slot.js';

export type { ServingConfig } from './app.js';

export interface ServeOptions {
  /** The resolved `serving` config section. */
  config: ServingConfig;
  /** Project root: relative stateDir / prediction log / token file paths resolve against it. */
  root: string;
  /** What to serve as stable; the name defaults to the package signature's name. */
  models: { source: string; name?: string }[];
  load(source: string): Promise<LoadedSource>;
  /** Admin bearer token(s): a bare token or `name:token` pairs; the admin API answers 403 without one. */
  adminToken?: string;
  /** Inference tokens in the same form (default: serving.auth.tokenEnv / tokenFile). */
  inferenceTokens?: string;
  /** Checks admin actions that move traffic against the policy; without one the embedding program trusts its admin callers. */
  rolloutGuard?: RolloutGuard;
  /** Rollout and reload events (the audit log). */
  onEvent?: (event: RolloutEvent) => void | Promise<void>;
  /** false: no router (every request to stable, no live stats): the benchmark baseline. */
  routing?: boolean;
  /** Problems that must not stop serving. */
  warn?: (message: string) => void;
  /** Process metrics (CPU, memory, event loop) in /metrics; default true. */
  defaultMetrics?: boolean;
  /** Module the prediction workers load packages with (tests inject slow models); default @slipway/training. */
  workerLoaderModule?: string;
}

export interface ServingServer {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  readonly metrics: ServingMetrics;
  readonly deployments: ReadonlyMap<string, Deployment>;
  readonly controllers: ReadonlyMap<string, RolloutController>;
  readonly predictionLog: PredictionLog | null;
  readonly admission: Admission;
  /** Prediction worker threads (0: predictions run on the event loop). */
  readonly workers: number;
  /** Stops accepting, lets in-flight requests finish (up to graceMs), then frees the models. */
  close(graceMs?: number): Promise<void>;
}

function tokensFrom(
  raw: string | undefined,
  file: string | undefined,
  env: string,
  root: string,
): TokenSet | null {
  const entries = raw ? parseTokens(raw, env) : [];
  const fromFile = file ? loadTokens({ file: isAbsolute(file) ? file : resolve(root, file) }) : null;
  if (!fromFile) return entries.length ? tokenSet(entries) : null;
  if (entries.length === 0) return fromFile;
  return {
    size: entries.length + fromFile.size,
    match(token) {
      const a = tokenSet(entries).match(token);
      const b = fromFile.match(token);
      return a !== undefined ? a : b;
    },
  };
}

export async function startServer(options: ServeOptions): Promise<ServingServer> {
  const cfg = options.config;
  const warn = options.warn ?? (() => {});
  const at = (p: string) => (isAbsolute(p) ? p : resolve(options.root, p));
  const inferenceTokens = tokensFrom(
    options.inferenceTokens ?? process.env[cfg.auth.tokenEnv],
    cfg.auth.tokenFile,
    `$${cfg.auth.tokenEnv}`,
    options.root,
  );
  if (cfg.auth.required && !inferenceTokens) {
    throw new SlipwayError(
      'AUTH_REQUIRED',
      'serving.auth.required is set but no inference token is configured',
      {
        hint: `export ${cfg.auth.tokenEnv}=<name>:<token> or set serving.auth.tokenFile`,
      },
    );
  }
  const adminTokens = tokensFrom(
    options.adminToken,
    cfg.adminTokensFile,
    `$${cfg.adminTokenEnv}`,
    options.root,
  );
  const metrics = new ServingMetrics({ defaultMetrics: options.defaultMetrics !== false });
  const threads = cfg.workers ?? defaultWorkers();
  const executor: PredictExecutor =
    threads > 0
      ? workerPool({
          threads,
          ...(options.workerLoaderModule ? { loaderModule: options.workerLoaderModule } : {}),
        })
      : inlineExecutor;
  const deployments = new Map<string, Deployment>();
  const controllers = new Map<string, RolloutController>();
  // Every version is loaded into the workers before it is served.
  const load = async (source: string): Promise<LoadedSource> => {
    const loaded = await options.load(source);
    await executor.warm(loaded.pkg);
    return loaded;
  };

  try {
    for (const m of options.models) {
      const loaded = await load(m.source);
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
        executor,
        analysisMaxRows: cfg.rollout.analysisMaxRows,
      });
      deployments.set(name, d);
      controllers.set(
        name,
        await Controller.open({
          deployment: d,
          stateFile: join(at(cfg.stateDir), `${name}.rollout.json`),
          load,
          steps: rolloutSteps(cfg.rollout.steps),
          minRequests: cfg.rollout.minRequests,
          ...(options.onEvent ? { onEvent: options.onEvent } : {}),
          metrics,
          warn,
        }),
      );
    }
  } catch (err) {
    await executor.close();
    throw err;
  }

  const predictionLog =
    cfg.predictionLog === false
      ? null
      : new PredictionLog(at(cfg.predictionLog.path), {
          sampleRate: cfg.predictionLog.sampleRate,
          maxBytes: cfg.predictionLog.maxBytes,
          keep: cfg.predictionLog.keep,
          maxRowsPerEntry: cfg.predictionLog.maxRowsPerEntry,
          warn,
          onOutcome: (o) => metrics.predictionLog.labels(o).inc(),
        });
  const admission = new Admission(
    { maxInflight: cfg.maxInflight, maxInflightRows: cfg.maxInflightRows, deadlineMs: cfg.deadlineMs },
    (_requests, rows) => metrics.inflightRows.set(rows),
  );
  let closing = false;
  let inflight = 0;
  let drained: (() => void) | null = null;
  const app: App = {
    cfg,
    deployments,
    controllers,
    metrics,
    predictionLog,
    admission,
    inferenceTokens,
    adminTokens,
    rolloutGuard: options.rolloutGuard ?? null,
    load,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    warn,
    isClosing: () => closing,
  };

  const server = createServer(
    {
      requestTimeout: cfg.requestTimeoutMs,
      headersTimeout: Math.min(cfg.requestTimeoutMs, cfg.headersTimeoutMs),
      connectionsCheckingInterval: Math.max(
        100,
        Math.min(1000, Math.floor(Math.min(cfg.requestTimeoutMs, cfg.headersTimeoutMs) / 4)),
      ),
      keepAliveTimeout: 5_000,
    },
    (req, res) => {
      inflight++;
      metrics.inflight.inc();
      const done = () => {
        inflight--;
        metrics.inflight.dec();
        if (closing && inflight === 0) drained?.();
      };
      // The last resort: whatever happens below is answered (or the socket closed) and logged, and
      // never reaches the process as an unhandled error.
      let ctx: ReturnType<typeof context>['ctx'] | null = null;
      try {
        const built = context(req, res);
        ctx = built.ctx;
        const c = built.ctx;
        if (closing) res.setHeader('connection', 'close');
        const run = built.problem ? Promise.reject(built.problem) : route(app, c);
        run.catch((err) => fail(app, c, err)).finally(done);
      } catch (err) {
        try {
          if (ctx) fail(app, ctx, err);
          else res.destroy();
        } catch {}
        done();
      }
    },
  );
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // Malformed requests and header timeouts: answer 400/408 when the socket can still take it.
    if (!socket.writable) return socket.destroy();
    const status =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_HEADERS_TIMEOUT' ? 408 : 400;
    socket.end(
      `HTTP/1.1 ${status} ${status === 408 ? 'Request Timeout' : 'Bad Request'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
    );
  });

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
  }).catch(async (err) => {
    for (const c of controllers.values()) await c.close();
    for (const d of deployments.values()) await d.close();
    await executor.close();
    await predictionLog?.close();
    throw err;
  });
  server.on('error', (err) => warn(`server error: ${err.message}`));
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
    admission,
    workers: executor.threads,
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
        await executor.close();
        await predictionLog?.close();
      })();
      return closed;
    },
  };
}
