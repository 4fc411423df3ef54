/**
 * A client for a running server's rollout admin API (`/admin/models/{name}/rollout…`), so that the
 * canary Action, scripts and other services drive rollouts through a library call, not the CLI.
 */
import { SlipwayError } from '@slipway/core';
import type { RolloutState } from './rollout/controller.js';

export { DEFAULT_ROLLOUT_STEPS, rolloutSteps } from './rollout/default-steps.js';

export interface RolloutClientOptions {
  /** Server base URL, e.g. http://127.0.0.1:8080. */
  url: string;
  /** The admin bearer token (SLIPWAY_ADMIN_TOKEN on the server). */
  token: string;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
}

export class RolloutClient {
  readonly url: string;
  readonly #token: string;
  readonly #timeoutMs: number;

  constructor(options: RolloutClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  async #call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.#token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      throw new SlipwayError('SERVER_UNREACHABLE', `cannot reach ${this.url} (${(err as Error).message})`, {
        hint: 'check the server URL and that `slipway serve` is running',
      });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!res.ok) {
      // The server answers { error: message, code, hint }; older servers nested them under `error`.
      const b = json as { error?: unknown; code?: string; hint?: string } | null;
      const e =
        typeof b?.error === 'string'
          ? { code: b.code, message: b.error, hint: b.hint }
          : (b?.error as { code?: string; message?: string; hint?: string } | undefined);
      throw new SlipwayError(
        `ADMIN_${res.status}`,
        `${method} ${path}: HTTP ${res.status}${e?.message ? `: ${e.message}` : ''}`,
        {
          hint:
            e?.hint ??
            (res.status === 401 || res.status === 403 ? 'check the admin token' : 'see the server log'),
        },
      );
    }
    return json as T;
  }

  /** The served model names. */
  models(): Promise<string[]> {
    return this.#call('GET', '/admin/models');
  }

  status(model: string): Promise<RolloutState> {
    return this.#call('GET', `/admin/models/${encodeURIComponent(model)}/rollout`);
  }

  /**
   * Starts a canary of `source`: a registered version (models:/name/version or models:/name@alias);
   * the server checks the policy's rollout grant for the identity of this client's admin token.
   */
  start(model: string, source: string, options: { steps?: unknown[] } = {}): Promise<RolloutState> {
    return this.#call('POST', `/admin/models/${encodeURIComponent(model)}/rollout`, {
      source,
      ...(options.steps ? { steps: options.steps } : {}),
    });
  }

  promote(model: string, options: { full?: boolean } = {}): Promise<RolloutState> {
    return this.#call('POST', `/admin/models/${encodeURIComponent(model)}/rollout/promote`, {
      full: options.full === true,
    });
  }

  abort(model: string, reason?: string): Promise<RolloutState> {
    return this.#call(
      'POST',
      `/admin/models/${encodeURIComponent(model)}/rollout/abort`,
      reason ? { reason } : {},
    );
  }

  /**
   * Polls until the rollout leaves Progressing (and Paused, unless `stopWhenPaused`): Healthy means the
   * canary was promoted, Degraded that it was rolled back.
   */
  async waitForCompletion(
    model: string,
    options: {
      timeoutMs?: number;
      pollMs?: number;
      stopWhenPaused?: boolean;
      onUpdate?: (s: RolloutState) => void;
    } = {},
  ): Promise<RolloutState> {
    const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
    let last = '';
    for (;;) {
      const state = await this.status(model);
      const key = `${state.phase}|${state.weight}|${state.message}`;
      if (key !== last) options.onUpdate?.(state);
      last = key;
      if (state.phase !== 'Progressing' && !(state.phase === 'Paused' && !options.stopWhenPaused))
        return state;
      if (Date.now() > deadline) {
        throw new SlipwayError(
          'ROLLOUT_TIMEOUT',
          `the rollout of ${model} is still ${state.phase} at weight ${state.weight}%`,
          {
            hint: 'raise the timeout, or promote/abort it by hand (slipway canary promote|abort)',
          },
        );
      }
      await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
    }
  }
}
