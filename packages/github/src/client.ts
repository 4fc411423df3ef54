/**
 * A small GitHub REST client on the runtime's fetch: JSON in and out, Link-header pagination, and
 * retries on 5xx, 429 and secondary rate limits that honour `Retry-After` (or `x-ratelimit-reset`).
 * Small on purpose: every Action bundles it, and Octokit would triple the bundle.
 */
import { SlipwayError } from '@slipway/core';

export interface GitHubClientOptions {
  token: string;
  /** `GITHUB_API_URL` on a runner; https://api.github.com by default. */
  baseUrl?: string;
  userAgent?: string;
  /** Attempts after the first one (default 4). */
  maxRetries?: number;
  /** Longest single wait in ms (default 60 s): a longer `Retry-After` fails instead of stalling the job. */
  maxWaitMs?: number;
  /** Injected for tests of the back-off; defaults to setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Called before each retry (the Actions log it). */
  onRetry?: (info: { method: string; path: string; status: number; attempt: number; waitMs: number }) => void;
}

export interface GitHubResponse<T> {
  status: number;
  data: T;
  headers: Headers;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
}

/** A non-2xx answer from GitHub, with the status, GitHub's own message and a hint for the user. */
export class GitHubApiError extends SlipwayError {
  readonly status: number;
  readonly method: string;
  readonly path: string;
  readonly githubMessage: string;

  constructor(method: string, path: string, status: number, githubMessage: string, hint: string) {
    super(codeFor(status), `GitHub API ${method} ${path} answered ${status}: ${githubMessage}`, {
      hint,
      details: { status, method, path },
    });
    this.status = status;
    this.method = method;
    this.path = path;
    this.githubMessage = githubMessage;
  }
}

function codeFor(status: number): string {
  if (status === 401) return 'GITHUB_UNAUTHORIZED';
  if (status === 403) return 'GITHUB_FORBIDDEN';
  if (status === 404) return 'GITHUB_NOT_FOUND';
  if (status === 409) return 'GITHUB_CONFLICT';
  if (status === 422) return 'GITHUB_UNPROCESSABLE';
  if (status === 429) return 'GITHUB_RATE_LIMITED';
  return 'GITHUB_API_ERROR';
}

function hintFor(status: number, message: string): string {
  if (/resource not accessible by integration/i.test(message)) {
    return "the token lacks a permission for this call: add it to the job's `permissions:` (see docs/security.md); on a pull request from a fork GITHUB_TOKEN is read-only";
  }
  if (status === 401)
    return 'the token is missing, expired or revoked: pass the `github-token` input (it defaults to the job token)';
  if (status === 403)
    return 'the token may not do this; check the job `permissions:` and the repository settings';
  if (status === 404) {
    return 'the resource does not exist or the token cannot see it (private repositories answer 404 to tokens without access)';
  }
  if (status === 422) return 'GitHub rejected the request body; the message above names the field';
  if (status >= 500) return 'GitHub had a server error several times in a row; re-run the job later';
  return 'see the GitHub message above';
}

const RETRYABLE = new Set([500, 502, 503, 504]);

export class GitHubClient {
  readonly baseUrl: string;
  private readonly token: string;
  private readonly userAgent: string;
  private readonly maxRetries: number;
  private readonly maxWaitMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly onRetry: GitHubClientOptions['onRetry'];

  constructor(options: GitHubClientOptions) {
    this.token = options.token;
    this.baseUrl = (options.baseUrl ?? 'https://api.github.com').replace(/\/+$/, '');
    this.userAgent = options.userAgent ?? 'slipway';
    this.maxRetries = options.maxRetries ?? 4;
    this.maxWaitMs = options.maxWaitMs ?? 60_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.onRetry = options.onRetry;
  }

  /** `GITHUB_TOKEN`-style client for the current runner environment. */
  static fromEnv(
    token: string,
    env: NodeJS.ProcessEnv = process.env,
    extra: Partial<GitHubClientOptions> = {},
  ) {
    if (!token) {
      throw new SlipwayError('GITHUB_TOKEN_MISSING', 'no GitHub token was given', {
        hint: 'pass the `github-token` input (it defaults to the job token) or a token with the permissions in docs/security.md',
      });
    }
    return new GitHubClient({ token, baseUrl: env.GITHUB_API_URL, ...extra });
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<GitHubResponse<T>> {
    const url = this.url(path, options.query);
    return this.send<T>(method, url, path, options.body);
  }

  /** Every item of a list endpoint, following `Link: <…>; rel="next"` with 100 per page. */
  async paginate<T>(path: string, query: RequestOptions['query'] = {}): Promise<T[]> {
    const items: T[] = [];
    let url: string | null = this.url(path, { per_page: 100, ...query });
    while (url) {
      const res: GitHubResponse<T[] | Record<string, unknown>> = await this.send('GET', url, path, undefined);
      const page = Array.isArray(res.data) ? res.data : listIn(res.data);
      items.push(...(page as T[]));
      url = nextLink(res.headers.get('link'));
    }
    return items;
  }

  private url(path: string, query: RequestOptions['query']): string {
    const url = new URL(this.baseUrl + (path.startsWith('/') ? path : `/${path}`));
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url.toString();
  }

  private async send<T>(
    method: string,
    url: string,
    path: string,
    body: unknown,
  ): Promise<GitHubResponse<T>> {
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers: {
            accept: 'application/vnd.github+json',
            authorization: `Bearer ${this.token}`,
            'user-agent': this.userAgent,
            'x-github-api-version': '2022-11-28',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (err) {
        if (attempt < this.maxRetries) {
          const waitMs = backoff(attempt);
          this.onRetry?.({ method, path, status: 0, attempt: attempt + 1, waitMs });
          await this.sleep(waitMs);
          continue;
        }
        throw new SlipwayError(
          'GITHUB_UNREACHABLE',
          `cannot reach ${this.baseUrl} (${(err as Error).message})`,
          {
            hint: 'check GITHUB_API_URL and the network of the runner',
            cause: err,
          },
        );
      }
      const text = await res.text();
      const data = text ? safeJson(text) : null;
      if (res.ok) return { status: res.status, data: data as T, headers: res.headers };
      const message = githubMessage(data, text, res.status);
      const waitMs = this.retryWait(res, message, attempt);
      if (waitMs !== null) {
        this.onRetry?.({ method, path, status: res.status, attempt: attempt + 1, waitMs });
        await this.sleep(waitMs);
        continue;
      }
      throw new GitHubApiError(method, path, res.status, message, hintFor(res.status, message));
    }
  }

  /** ms to wait before retrying, or null when this answer is final. */
  private retryWait(res: Response, message: string, attempt: number): number | null {
    if (attempt >= this.maxRetries) return null;
    const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
    const rateLimited =
      res.status === 429 ||
      (res.status === 403 &&
        (/secondary rate limit|rate limit exceeded|abuse/i.test(message) ||
          retryAfter !== null ||
          res.headers.get('x-ratelimit-remaining') === '0'));
    if (!rateLimited && !RETRYABLE.has(res.status)) return null;
    let wait = retryAfter;
    if (wait === null && res.headers.get('x-ratelimit-remaining') === '0') {
      const reset = Number(res.headers.get('x-ratelimit-reset'));
      if (Number.isFinite(reset) && reset > 0) wait = Math.max(0, reset * 1000 - Date.now());
    }
    // Secondary limits without a header: GitHub asks for at least a minute.
    if (wait === null) wait = rateLimited ? 60_000 : backoff(attempt);
    if (wait > this.maxWaitMs) return null;
    return wait;
  }
}

function backoff(attempt: number): number {
  return Math.min(1000 * 2 ** attempt, 16_000);
}

function parseRetryAfter(value: string | null): number | null {
  if (value === null || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

function nextLink(link: string | null): string | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="([^"]+)"/.exec(part);
    if (m && m[2]!.split(/\s+/).includes('next')) return m[1]!;
  }
  return null;
}

/** Some list endpoints wrap the array (`{ total_count, check_runs: [...] }`). */
function listIn(data: Record<string, unknown> | null): unknown[] {
  if (!data) return [];
  for (const v of Object.values(data)) if (Array.isArray(v)) return v;
  return [];
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function githubMessage(data: unknown, text: string, status: number): string {
  if (data && typeof data === 'object' && 'message' in data) {
    const d = data as { message: unknown; errors?: unknown };
    const extra = Array.isArray(d.errors)
      ? d.errors
          .map((e) =>
            typeof e === 'string' ? e : ((e as { message?: string }).message ?? JSON.stringify(e)),
          )
          .join('; ')
      : '';
    return extra ? `${String(d.message)} (${extra})` : String(d.message);
  }
  return text.slice(0, 200) || `HTTP ${status}`;
}
