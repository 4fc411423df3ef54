/**
 * A GitHub REST API double on 127.0.0.1 for the Actions' contract tests. Every request is matched to an
 * operation of GitHub's OpenAPI description (@octokit/openapi, api.github.com.json only) and its path
 * parameters, query and JSON body are validated against it; every response the double sends is
 * validated against the operation's response schema too. Anything that does not conform is recorded in
 * `violations` (tests assert it stays empty) and a malformed request gets GitHub's 422.
 *
 * State is in memory: issue comments, check runs, deployments + statuses, collaborator permissions.
 * Tokens map to identities: an installation token writes as `github-actions[bot]` and gets 403 from
 * GET /user; a read-only token (fork pull requests) gets "Resource not accessible by integration" on writes.
 * Faults (5xx, secondary rate limits with Retry-After, 403, 404) can be queued per operation.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const require = createRequire(import.meta.url);

// biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is untyped JSON
type Json = any;

interface Operation {
  method: string;
  template: string;
  regex: RegExp;
  names: string[];
  op: Json;
}

interface Spec {
  doc: Json;
  ajv: Ajv;
  ops: Operation[];
  cache: Map<string, ValidateFunction>;
}

let spec: Spec | null = null;

function loadSpec(): Spec {
  if (spec) return spec;
  const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true, discriminator: true });
  const addFormats =
    (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  ajv.addSchema(doc, 'gh');
  const ops: Operation[] = [];
  for (const [template, item] of Object.entries<Json>(doc.paths)) {
    const names: string[] = [];
    const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_m, name) => {
      names.push(name);
      return '([^/]+)';
    });
    for (const method of ['get', 'post', 'patch', 'put', 'delete']) {
      if (item[method])
        ops.push({ method, template, regex: new RegExp(`^${source}$`), names, op: item[method] });
    }
  }
  // Literal paths before templated ones (e.g. /repos/{o}/{r}/issues/comments before …/issues/{n}).
  ops.sort((a, b) => a.names.length - b.names.length);
  spec = { doc, ajv, ops, cache: new Map() };
  return spec;
}

function pointer(...parts: string[]): string {
  return parts.map((p) => encodeURIComponent(p.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/');
}

function validator(s: Spec, ref: string): ValidateFunction {
  let v = s.cache.get(ref);
  if (!v) {
    v = s.ajv.compile({ $ref: `gh#/${ref}` });
    s.cache.set(ref, v);
  }
  return v;
}

function deref(s: Spec, node: Json): Json {
  let n = node;
  while (n?.$ref) {
    n = n.$ref
      .slice(2)
      .split('/')
      .reduce((acc: Json, k: string) => acc[k.replaceAll('~1', '/').replaceAll('~0', '~')], s.doc);
  }
  return n;
}

export interface TokenIdentity {
  login: string;
  /** `app`: an installation token (GITHUB_TOKEN); `user`: a PAT. */
  kind: 'app' | 'user';
  /** Fork pull requests: every write is refused. */
  readOnly?: boolean;
}

export interface Fault {
  status: number;
  message?: string;
  headers?: Record<string, string>;
  /** How many consecutive requests get it (default 1). */
  times?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  operation: string;
  query: Record<string, string>;
  body: Json;
  status: number;
  at: number;
}

export interface StoredComment {
  id: number;
  issue: number;
  body: string;
  login: string;
  createdAt: string;
  updatedAt: string;
}

export class GitHubDouble {
  readonly violations: string[] = [];
  readonly requests: RecordedRequest[] = [];
  readonly comments: StoredComment[] = [];
  readonly checkRuns: { id: number; name: string; headSha: string; conclusion: string; output: Json }[] = [];
  readonly annotations = new Map<number, Json[]>();
  readonly deployments: { id: number; ref: string; environment: string; statuses: Json[] }[] = [];
  readonly permissions = new Map<string, string>();
  readonly tokens = new Map<string, TokenIdentity>();
  private readonly faults = new Map<string, Fault[]>();
  private nextId = 1000;
  private server: Server | null = null;
  url = '';

  constructor(
    readonly owner = 'slipway-ml',
    readonly repo = 'flight-delay',
  ) {}

  async start(): Promise<string> {
    const s = loadSpec();
    this.server = createServer((req, res) => {
      this.handle(s, req, res).catch((err) => {
        this.violations.push(`double crashed: ${(err as Error).stack}`);
        res.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Queue faults for an operation, e.g. `fault('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', …)`. */
  fault(operation: string, fault: Fault): void {
    const list = this.faults.get(operation) ?? [];
    for (let i = 0; i < (fault.times ?? 1); i++) list.push(fault);
    this.faults.set(operation, list);
  }

  addComment(issue: number, login: string, body: string): StoredComment {
    const now = new Date(Date.UTC(2026, 0, 1, 0, 0, this.comments.length)).toISOString();
    const c = { id: this.nextId++, issue, body, login, createdAt: now, updatedAt: now };
    this.comments.push(c);
    return c;
  }

  commentsOn(issue: number): StoredComment[] {
    return this.comments.filter((c) => c.issue === issue);
  }

  count(operation: string): number {
    return this.requests.filter((r) => r.operation === operation).length;
  }

  private async handle(s: Spec, req: IncomingMessage, res: ServerResponse): Promise<unknown> {
    const url = new URL(req.url ?? '/', this.url);
    const method = (req.method ?? 'GET').toLowerCase();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const query = Object.fromEntries(url.searchParams);
    const match = s.ops.find((o) => o.method === method && o.regex.test(url.pathname));
    const record: RecordedRequest = {
      method: method.toUpperCase(),
      path: url.pathname,
      operation: match
        ? `${method.toUpperCase()} ${match.template}`
        : `${method.toUpperCase()} ${url.pathname}`,
      query,
      body: null,
      status: 0,
      at: Date.now(),
    };
    this.requests.push(record);
    const send = (status: number, body: Json, headers: Record<string, string> = {}) => {
      record.status = status;
      if (match) this.checkResponse(s, match, status, body);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    if (!match) {
      this.violations.push(`${record.operation}: no such operation in api.github.com.json`);
      return send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    }
    // Request contract: headers, path parameters, query, body.
    const problems: string[] = [];
    if (!/^Bearer \S+$|^token \S+$/.test(req.headers.authorization ?? ''))
      problems.push('no Authorization header');
    if (!req.headers['user-agent']) problems.push('no User-Agent header (GitHub rejects those)');
    const values = match.regex.exec(url.pathname)!.slice(1).map(decodeURIComponent);
    const params = Object.fromEntries(match.names.map((n, i) => [n, values[i]]));
    for (const p of (match.op.parameters ?? []).map((x: Json) => deref(s, x))) {
      const value = p.in === 'path' ? params[p.name] : p.in === 'query' ? query[p.name] : undefined;
      if (p.in !== 'path' && p.in !== 'query') continue;
      if (value === undefined) {
        if (p.required) problems.push(`missing ${p.in} parameter ${p.name}`);
        continue;
      }
      const schema = deref(s, p.schema);
      const typed = schema?.type === 'integer' || schema?.type === 'number' ? Number(value) : value;
      const v = s.ajv.compile({ ...p.schema, ...(p.schema.$ref ? { $ref: `gh${p.schema.$ref}` } : {}) });
      if (!v(typed)) problems.push(`${p.in} parameter ${p.name}=${value}: ${s.ajv.errorsText(v.errors)}`);
      if (p.name === 'per_page' && Number(value) > 100) problems.push('per_page over 100');
    }
    let body: Json = null;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        problems.push('body is not JSON');
      }
    }
    record.body = body;
    const rb = deref(s, match.op.requestBody);
    if (rb?.content?.['application/json']) {
      if (rb.required && body === null) problems.push('missing JSON body');
      if (body !== null) {
        if (!/application\/json/.test(req.headers['content-type'] ?? ''))
          problems.push('body without JSON content-type');
        const v = validator(
          s,
          pointer(
            'paths',
            match.template,
            method,
            'requestBody',
            'content',
            'application/json',
            'schema',
          ).replace(/^/, ''),
        );
        if (!v(body)) problems.push(`body: ${s.ajv.errorsText(v.errors)}`);
      }
    }
    if (problems.length > 0) {
      this.violations.push(`${record.operation}: ${problems.join('; ')}`);
      return send(422, {
        message: 'Invalid request.',
        documentation_url: 'https://docs.github.com/rest',
        status: '422',
      });
    }
    const queued = this.faults.get(record.operation);
    const fault = queued?.shift();
    if (fault) {
      return send(
        fault.status,
        fault.status >= 500 && fault.status !== 503
          ? undefined
          : {
              message: fault.message ?? 'Error',
              documentation_url: 'https://docs.github.com/rest',
              status: String(fault.status),
            },
        fault.headers,
      );
    }
    const token = (req.headers.authorization ?? '').replace(/^(Bearer|token) /, '');
    const who = this.tokens.get(token);
    if (!who) {
      return send(401, {
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
        status: '401',
      });
    }
    if (who.readOnly && method !== 'get') {
      return send(403, {
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest',
        status: '403',
      });
    }
    if (params.owner !== undefined && (params.owner !== this.owner || params.repo !== this.repo)) {
      return send(404, {
        message: 'Not Found',
        documentation_url: 'https://docs.github.com/rest',
        status: '404',
      });
    }
    return this.route(s, record.operation, params, query, body, who, send);
  }

  private route(
    s: Spec,
    operation: string,
    params: Record<string, string | undefined>,
    query: Record<string, string>,
    body: Json,
    who: TokenIdentity,
    send: (status: number, body: Json, headers?: Record<string, string>) => void,
  ): unknown {
    const ex = (name: string) => structuredClone(s.doc.components.examples[name].value);
    const repoUrl = `${this.url}/repos/${this.owner}/${this.repo}`;
    const html = `https://github.com/${this.owner}/${this.repo}`;
    const notFound = () =>
      send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
    switch (operation) {
      case 'GET /user': {
        if (who.kind === 'app') {
          return send(403, {
            message: 'Resource not accessible by integration',
            documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user',
            status: '403',
          });
        }
        const u = ex('private-user');
        return send(200, { ...u, ...this.user(who.login), user_view_type: 'private' });
      }
      case 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments': {
        const all = this.commentsOn(Number(params.issue_number)).sort((a, b) => a.id - b.id);
        const perPage = Number(query.per_page ?? 30);
        const page = Number(query.page ?? 1);
        const slice = all.slice((page - 1) * perPage, page * perPage);
        const last = Math.max(1, Math.ceil(all.length / perPage));
        const link = (p: number, rel: string) => {
          const u = new URL(
            `${this.url}/repos/${this.owner}/${this.repo}/issues/${params.issue_number}/comments`,
          );
          u.searchParams.set('per_page', String(perPage));
          u.searchParams.set('page', String(p));
          return `<${u}>; rel="${rel}"`;
        };
        const links = [];
        if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
        if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
        return send(
          200,
          slice.map((c) => this.commentJson(ex, c)),
          links.length ? { link: links.join(', ') } : {},
        );
      }
      case 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments': {
        if (body.body.length > 65_536) return this.tooLong(send);
        const c = this.addComment(Number(params.issue_number), who.login, body.body);
        return send(201, this.commentJson(ex, c), { location: `${repoUrl}/issues/comments/${c.id}` });
      }
      case 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}': {
        const c = this.comments.find((x) => x.id === Number(params.comment_id));
        if (!c) return notFound();
        if (c.login !== who.login) {
          // GitHub lets collaborators edit others' comments; the double flags it as a contract breach.
          this.violations.push(`edited comment ${c.id} of ${c.login} as ${who.login}`);
        }
        if (body.body.length > 65_536) return this.tooLong(send);
        c.body = body.body;
        c.updatedAt = new Date().toISOString();
        return send(200, this.commentJson(ex, c));
      }
      case 'POST /repos/{owner}/{repo}/check-runs': {
        const id = this.nextId++;
        this.checkRuns.push({
          id,
          name: body.name,
          headSha: body.head_sha,
          conclusion: body.conclusion ?? null,
          output: body.output ?? null,
        });
        this.annotations.set(id, [...(body.output?.annotations ?? [])]);
        return send(201, this.checkRunJson(ex, id, html));
      }
      case 'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}': {
        const id = Number(params.check_run_id);
        const run = this.checkRuns.find((r) => r.id === id);
        if (!run) return notFound();
        if (body.output) {
          run.output = { ...run.output, ...body.output };
          this.annotations.get(id)!.push(...(body.output.annotations ?? []));
        }
        if (body.conclusion) run.conclusion = body.conclusion;
        return send(200, this.checkRunJson(ex, id, html));
      }
      case 'POST /repos/{owner}/{repo}/deployments': {
        const id = this.nextId++;
        this.deployments.push({
          id,
          ref: body.ref,
          environment: body.environment ?? 'production',
          statuses: [],
        });
        const d = ex('deployment');
        return send(201, {
          ...d,
          id,
          ref: body.ref,
          sha: /^[0-9a-f]{40}$/.test(body.ref) ? body.ref : d.sha,
          environment: body.environment ?? 'production',
          task: body.task ?? 'deploy',
          description: body.description ?? null,
          payload: body.payload ?? {},
          url: `${repoUrl}/deployments/${id}`,
          statuses_url: `${repoUrl}/deployments/${id}/statuses`,
          repository_url: repoUrl,
          creator: this.user(who.login),
        });
      }
      case 'POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses': {
        const dep = this.deployments.find((d) => d.id === Number(params.deployment_id));
        if (!dep) return notFound();
        const id = this.nextId++;
        dep.statuses.push(body);
        const st = ex('deployment-status');
        return send(
          201,
          JSON.parse(
            JSON.stringify({
              ...st,
              id,
              state: body.state,
              description: body.description ?? '',
              environment: dep.environment,
              target_url: body.target_url ?? body.log_url ?? '',
              log_url: body.log_url ?? undefined,
              environment_url: body.environment_url ?? undefined,
              deployment_url: `${repoUrl}/deployments/${dep.id}`,
              url: `${repoUrl}/deployments/${dep.id}/statuses/${id}`,
              repository_url: repoUrl,
              creator: this.user(who.login),
            }),
          ),
        );
      }
      case 'GET /repos/{owner}/{repo}/collaborators/{username}/permission': {
        const p = this.permissions.get(params.username!);
        if (!p) return notFound();
        const base =
          { admin: 'admin', maintain: 'write', write: 'write', triage: 'read', read: 'read' }[p] ?? 'none';
        return send(200, {
          permission: base,
          role_name: p,
          user: { ...this.user(params.username!), role_name: p },
        });
      }
      default:
        this.violations.push(`${operation}: the double does not implement it`);
        return send(404, {
          message: 'Not Found',
          documentation_url: 'https://docs.github.com/rest',
          status: '404',
        });
    }
  }

  private tooLong(send: (status: number, body: Json) => void): void {
    this.violations.push('comment body over 65,536 characters');
    send(422, {
      message: 'Validation Failed',
      errors: [
        {
          resource: 'IssueComment',
          code: 'custom',
          field: 'body',
          message: 'body is too long (maximum is 65536 characters)',
        },
      ],
      documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
      status: '422',
    });
  }

  private user(login: string): Json {
    const id = [...login].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) % 1_000_000, 7);
    const api = `https://api.github.com/users/${encodeURIComponent(login)}`;
    return {
      login,
      id,
      node_id: `U_${id}`,
      avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
      gravatar_id: '',
      url: api,
      html_url: login.endsWith('[bot]')
        ? `https://github.com/apps/${login.slice(0, -5)}`
        : `https://github.com/${encodeURIComponent(login)}`,
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      type: login.endsWith('[bot]') ? 'Bot' : 'User',
      site_admin: false,
    };
  }

  private commentJson(ex: (n: string) => Json, c: StoredComment): Json {
    const base = ex('issue-comment');
    return {
      ...base,
      id: c.id,
      node_id: `IC_${c.id}`,
      url: `${this.url}/repos/${this.owner}/${this.repo}/issues/comments/${c.id}`,
      html_url: `https://github.com/${this.owner}/${this.repo}/pull/${c.issue}#issuecomment-${c.id}`,
      issue_url: `${this.url}/repos/${this.owner}/${this.repo}/issues/${c.issue}`,
      body: c.body,
      user: this.user(c.login),
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      author_association: c.login.endsWith('[bot]') ? 'NONE' : 'MEMBER',
    };
  }

  private checkRunJson(ex: (n: string) => Json, id: number, html: string): Json {
    const run = this.checkRuns.find((r) => r.id === id)!;
    const base = ex('check-run');
    return {
      ...base,
      id,
      node_id: `CR_${id}`,
      head_sha: run.headSha,
      name: run.name,
      url: `${this.url}/repos/${this.owner}/${this.repo}/check-runs/${id}`,
      html_url: `${html}/runs/${id}`,
      status: 'completed',
      conclusion: run.conclusion,
      output: {
        title: run.output?.title ?? null,
        summary: run.output?.summary ?? null,
        text: run.output?.text ?? null,
        annotations_count: this.annotations.get(id)?.length ?? 0,
        annotations_url: `${this.url}/repos/${this.owner}/${this.repo}/check-runs/${id}/annotations`,
      },
    };
  }

  private checkResponse(s: Spec, match: Operation, status: number, body: Json): void {
    const responses = match.op.responses ?? {};
    const declared = responses[String(status)] ?? responses.default;
    if (!declared) {
      // Faults GitHub can send to any operation (5xx, rate limits) are not in every operation's list.
      if (status >= 500 || status === 429 || status === 403 || status === 401) return;
      this.violations.push(`${match.method.toUpperCase()} ${match.template}: status ${status} not declared`);
      return;
    }
    const resolved = deref(s, declared);
    if (!resolved?.content?.['application/json'] || body === undefined) return;
    const key = responses[String(status)] ? String(status) : 'default';
    const ref = declared.$ref
      ? `${declared.$ref
          .slice(2)
          .split('/')
          .map((p: string) => encodeURIComponent(p))
          .join('/')}/content/application~1json/schema`
      : pointer(
          'paths',
          match.template,
          match.method,
          'responses',
          key,
          'content',
          'application/json',
          'schema',
        );
    const v = validator(s, ref);
    if (!v(body)) {
      this.violations.push(
        `${match.method.toUpperCase()} ${match.template} → ${status}: response breaks the schema: ${s.ajv.errorsText(v.errors)}`,
      );
    }
  }
}
