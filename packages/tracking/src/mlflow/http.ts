import type { Readable } from 'node:stream';
import { SlipwayError } from '@slipway/core';
import { Agent, type Dispatcher } from 'undici';
import { parseJson, stringifyJson } from '../json.js';

export { parseJson, stringifyJson };

/** HTTP behaviour of the MLflow client; every field has an MLFLOW_* environment default like the Python client. */
export interface HttpOptions {
  /** Inactivity limit per request: connect, headers, and each body chunk (default 120 s, `MLFLOW_HTTP_REQUEST_TIMEOUT` s). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 5, `MLFLOW_HTTP_REQUEST_MAX_RETRIES`). */
  maxRetries?: number;
  /** Total time for one call, retries and waits included (default 300 s). */
  budgetMs?: number;
  /** First backoff; doubled each retry, with jitter (default 1 s, `MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR` s). */
  backoffMs?: number;
  /** Longest single wait (default 30 s). */
  maxBackoffMs?: number;
  username?: string;
  password?: string;
  token?: string;
  /** Where MLFLOW_* variables are read from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/** MLflow `error_code`s that are retried (same set as the Python client's transient statuses). */
const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
const RETRY_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** A failed MLflow call: `errorCode` is MLflow's `error_code` (or the one its HTTP status stands for). */
export class MlflowError extends SlipwayError {
  readonly errorCode: string;
  readonly status: number;
  constructor(errorCode: string, status: number, message: string, hint: string) {
    super(`MLFLOW_${errorCode}`, message, { hint, details: { errorCode, status } });
    this.errorCode = errorCode;
    this.status = status;
  }
}

export function isMlflowError(err: unknown, errorCode?: string): err is MlflowError {
  return err instanceof MlflowError && (errorCode === undefined || err.errorCode === errorCode);
}

const STATUS_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'RESOURCE_CONFLICT',
  429: 'REQUEST_LIMIT_EXCEEDED',
  500: 'INTERNAL_ERROR',
  501: 'NOT_IMPLEMENTED',
  503: 'TEMPORARILY_UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

function hintFor(errorCode: string, status: number): string {
  if (status === 401)
    return 'set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN) for this server';
  if (status === 403)
    return 'this user lacks the permission: ask an MLflow admin for EDIT (write) or MANAGE (delete) on the experiment or registered model';
  if (errorCode === 'RESOURCE_DOES_NOT_EXIST' || status === 404)
    return 'check the id or name; it may have been deleted or live on another tracking server';
  if (errorCode === 'RESOURCE_ALREADY_EXISTS') return 'use the existing one, or pick another name';
  if (status === 503)
    return 'the server refuses this endpoint or is overloaded; check that it runs with --serve-artifacts';
  if (errorCode === 'INVALID_PARAMETER_VALUE') return 'see the message for the field MLflow rejected';
  return 'see the MLflow server log for details';
}

function envNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0)
    throw new SlipwayError('CONFIG_INVALID', `${name}=${raw} is not a non-negative number`, {
      hint: `unset ${name} or give it a number`,
    });
  return n;
}

export interface CallOptions {
  query?: Record<string, string | number | boolean | string[] | undefined>;
  body?: unknown;
  /** Raw upload body, re-created for each attempt so a retry re-reads the file. */
  stream?: () => Readable;
  /** Return the response stream instead of parsing JSON (downloads). */
  raw?: boolean;
  /**
   * Asked before each retry of a non-idempotent call: if the lost attempt did take effect, return its
   * result (e.g. the run that a create whose answer was lost made) and nothing is sent again.
   */
  recover?: () => Promise<unknown>;
  /** One attempt only (used by `recover` itself). */
  once?: boolean;
}

interface Resolved {
  timeoutMs: number;
  maxRetries: number;
  budgetMs: number;
  backoffMs: number;
  maxBackoffMs: number;
  auth: string | undefined;
}

export class MlflowHttp {
  readonly base: string;
  private readonly o: Resolved;
  private readonly agent: Agent;

  constructor(base: string, options: HttpOptions = {}) {
    this.base = base.replace(/\/+$/, '');
    const env = options.env ?? process.env;
    const timeoutS = envNumber(env, 'MLFLOW_HTTP_REQUEST_TIMEOUT');
    const backoffS = envNumber(env, 'MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR');
    const username = options.username ?? env.MLFLOW_TRACKING_USERNAME;
    const password = options.password ?? env.MLFLOW_TRACKING_PASSWORD;
    const token = options.token ?? env.MLFLOW_TRACKING_TOKEN;
    // Basic auth wins over a token, as in the Python client.
    const auth =
      username !== undefined && password !== undefined && username !== ''
        ? `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`
        : token
          ? `Bearer ${token}`
          : undefined;
    this.o = {
      timeoutMs: options.timeoutMs ?? (timeoutS === undefined ? 120_000 : timeoutS * 1000),
      maxRetries: options.maxRetries ?? envNumber(env, 'MLFLOW_HTTP_REQUEST_MAX_RETRIES') ?? 5,
      budgetMs: options.budgetMs ?? 300_000,
      backoffMs: options.backoffMs ?? (backoffS === undefined ? 1000 : backoffS * 1000),
      maxBackoffMs: options.maxBackoffMs ?? 30_000,
      auth,
    };
    this.agent = new Agent({
      connections: 16,
      connect: { timeout: this.o.timeoutMs },
      keepAliveTimeout: 4000,
    });
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  /** `/api/2.0/mlflow` + path, JSON in and out, retried; throws MlflowError or MLFLOW_UNREACHABLE. */
  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: CallOptions = {},
  ): Promise<T> {
    return this.send<T>(method, `/api/2.0/mlflow${path}`, options);
  }

  async send<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
    const url = new URL(this.base + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value === undefined) continue;
      // Lists go as repeated keys (?order_by=a&order_by=b), which is what MLflow's GET handlers parse.
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item));
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.o.auth) headers.authorization = this.o.auth;
    let payload: string | undefined;
    if (options.stream) headers['content-type'] = 'application/octet-stream';
    else if (method !== 'GET') {
      payload = stringifyJson(options.body ?? {});
      headers['content-type'] = 'application/json';
    }
    const started = Date.now();
    const deadline = started + this.o.budgetMs;
    let lastProblem = '';
    let attempt = 0;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0 || attempt > (options.once ? 0 : this.o.maxRetries)) break;
      const timeout = Math.max(1, Math.min(this.o.timeoutMs, remaining));
      if (attempt > 0 && options.recover) {
        try {
          const recovered = await options.recover();
          if (recovered !== undefined) return recovered as T;
        } catch {
          // The server is still unreachable: the retry below finds out and waits again.
        }
      }
      let res: Dispatcher.ResponseData;
      try {
        res = await this.agent.request({
          origin: url.origin,
          path: url.pathname + url.search,
          method: method as Dispatcher.HttpMethod,
          headers,
          body: options.stream ? options.stream() : payload,
          headersTimeout: timeout,
          bodyTimeout: timeout,
        });
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        if (!RETRY_ERRORS.has(code)) throw err;
        lastProblem = code.includes('TIMEOUT')
          ? `no answer within ${timeout} ms (${code})`
          : `${(err as Error).message || code} (${code})`;
        attempt++;
        await this.wait(attempt, deadline, undefined);
        continue;
      }
      if (res.statusCode < 400) {
        if (options.raw) return res.body as T;
        let text: string;
        try {
          text = await res.body.text();
        } catch (err) {
          const code = (err as { code?: string }).code ?? '';
          if (!RETRY_ERRORS.has(code)) throw err;
          lastProblem = `response cut off (${code})`;
          attempt++;
          await this.wait(attempt, deadline, undefined);
          continue;
        }
        return (text.trim() === '' ? {} : parseJson(text)) as T;
      }
      const text = await res.body.text().catch(() => '');
      const error = this.toError(method, url, res.statusCode, text);
      if (!RETRY_STATUSES.has(res.statusCode)) throw error;
      lastProblem = `HTTP ${res.statusCode}: ${error.message.split(': ').slice(2).join(': ') || text.slice(0, 200)}`;
      attempt++;
      const retryAfter = Number(res.headers['retry-after']);
      await this.wait(attempt, deadline, Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined);
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    throw new SlipwayError(
      'MLFLOW_UNREACHABLE',
      `MLflow at ${this.base}: ${method} ${url.pathname} failed after ${attempt} attempt(s) in ${seconds} s: ${lastProblem}`,
      {
        hint: `check that the tracking server at ${this.base} is running and reachable (MLFLOW_TRACKING_URI / SLIPWAY_TRACKING_URI); timeouts and retries: MLFLOW_HTTP_REQUEST_TIMEOUT, MLFLOW_HTTP_REQUEST_MAX_RETRIES`,
        details: { attempts: attempt, lastProblem },
      },
    );
  }

  private async wait(attempt: number, deadline: number, retryAfterMs: number | undefined): Promise<void> {
    const exp = Math.min(this.o.maxBackoffMs, this.o.backoffMs * 2 ** (attempt - 1));
    // Full jitter spreads retries of many clients that failed together.
    let delay = retryAfterMs ?? exp / 2 + (Math.random() * exp) / 2;
    delay = Math.min(delay, Math.max(0, deadline - Date.now()));
    if (attempt > this.o.maxRetries) return;
    await new Promise((r) => setTimeout(r, delay));
  }

  private toError(method: string, url: URL, status: number, text: string): MlflowError {
    let errorCode = STATUS_CODES[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST');
    let message = text.trim();
    try {
      const body = parseJson(text) as { error_code?: unknown; message?: unknown };
      if (body && typeof body === 'object') {
        if (typeof body.error_code === 'string' && body.error_code !== '') errorCode = body.error_code;
        if (typeof body.message === 'string') message = body.message;
      }
    } catch {
      // Plain text: basic-auth 401/403, 503 from a disabled endpoint, a proxy's HTML page.
      message = message
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim();
    }
    // MLflow appends SQL to some messages; the first line says what went wrong.
    const first = (message.split('\n')[0] ?? '').slice(0, 500);
    const what =
      status === 401
        ? 'not authenticated'
        : status === 403
          ? 'permission denied'
          : first || `HTTP ${status} with an empty body`;
    return new MlflowError(
      errorCode,
      status,
      `MLflow at ${this.base}: ${method} ${url.pathname}: ${errorCode} (HTTP ${status}): ${what}`,
      hintFor(errorCode, status),
    );
  }
}
