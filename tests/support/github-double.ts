/**
 * A GitHub REST API double on 127.0.0.1 for the Actions' contract tests. Every request is matched to an
 * operation of GitHub's OpenAPI description (@octokit/openapi, api.github.com.json only) and its path
 * parameters, query and JSON body are validated against it; every response the double sends is
 * validated against the operation's response schema too. Anything that does not conform is recorded in
 * `violations` (tests assert it stays empty) and a malformed request gets GitHub's 422.
 *
 * State is in memory: issues and pull requests (one numbering, as on GitHub), issue comments, check runs,
 * deployments + statuses, collaborator permissions. Given a bare git repository as `gitRemote`, opening a
 * pull request checks that the head branch exists there and has commits the base lacks.
 * Tokens map to identities: an installation token writes as `github-actions[bot]` and gets 403 from
 * GET /user; a read-only token (fork pull requests) gets "Resource not accessible by integration" on writes.
 * Faults (5xx, secondary rate limits with Retry-After, 403, 404) can be queued per operation.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import YAML from 'yaml';
import { type GitHttpRequest, gitHttpPath, serveGitHttp } from './git-http.ts';

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
  fixUntypedNullable(doc);
  const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true });
  const addFormats =
    (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  // GitHub's own format for `owner/name` (pulls: head_repo).
  ajv.addFormat('repo.nwo', /^[\w.-]+\/[\w.-]+$/);
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

/**
 * Two OpenAPI spellings Ajv cannot compile, rewritten to equivalent JSON Schema: `nullable` without
 * `type` (some webhook schemas) becomes anyOf null; discriminated oneOfs become anyOf.
 */
function fixUntypedNullable(node: Json): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const x of node) fixUntypedNullable(x);
    return;
  }
  for (const v of Object.values(node)) fixUntypedNullable(v);
  // Ajv does not support discriminator mappings: the discriminated oneOf becomes an anyOf
  // (the discriminator picks one branch; any branch that validates is as strict as Ajv can be here).
  if (node.discriminator && Array.isArray(node.oneOf)) {
    node.anyOf = node.oneOf;
    delete node.oneOf;
    delete node.discriminator;
  }
  if (node.nullable === true && node.type === undefined) {
    const copy = { ...node };
    delete copy.nullable;
    for (const k of Object.keys(node)) delete node[k];
    node.anyOf = [copy, { type: 'null' }];
  }
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

export interface StoredIssue {
  number: number;
  title: string;
  body: string;
  labels: string[];
  state: 'open' | 'closed';
  login: string;
  /** Set for pull requests, which are issues too. */
  pull?: { head: string; base: string; draft: boolean; headSha: string };
  createdAt: string;
}

export class GitHubDouble {
  readonly violations: string[] = [];
  readonly requests: RecordedRequest[] = [];
  readonly comments: StoredComment[] = [];
  readonly checkRuns: { id: number; name: string; headSha: string; conclusion: string; output: Json }[] = [];
  readonly annotations = new Map<number, Json[]>();
  readonly deployments: { id: number; ref: string; environment: string; statuses: Json[] }[] = [];
  readonly permissions = new Map<string, string>();
  /** `org/team` → member logins. */
  readonly teams = new Map<string, string[]>();
  readonly dispatches: { workflow: string; ref: string; inputs: Record<string, string> }[] = [];
  readonly tokens = new Map<string, TokenIdentity>();
  private readonly faults = new Map<string, Fault[]>();
  readonly issues: StoredIssue[] = [];
  /** A bare repository standing in for the GitHub remote (pull requests are checked against it). */
  gitRemote: string | null = null;
  /** Serve `gitRemote` over git's smart HTTP at `<url>/<owner>/<repo>` (clone, fetch, push with a token). */
  serveGit = false;
  readonly gitRequests: GitHttpRequest[] = [];
  private nextId = 1000;
  private nextNumber = 100;
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

  addIssue(o: {
    title: string;
    body: string;
    login: string;
    labels?: string[];
    state?: 'open' | 'closed';
  }): StoredIssue {
    const issue: StoredIssue = {
      number: this.nextNumber++,
      title: o.title,
      body: o.body,
      labels: o.labels ?? [],
      state: o.state ?? 'open',
      login: o.login,
      createdAt: new Date(Date.UTC(2026, 0, 2, 0, 0, this.issues.length)).toISOString(),
    };
    this.issues.push(issue);
    return issue;
  }

  pulls(): StoredIssue[] {
    return this.issues.filter((i) => i.pull);
  }

  commentsOn(issue: number): StoredComment[] {
    return this.comments.filter((c) => c.issue === issue);
  }

  count(operation: string): number {
    return this.requests.filter((r) => r.operation === operation).length;
  }

  private async handle(s: Spec, req: IncomingMessage, res: ServerResponse): Promise<unknown> {
    const url = new URL(req.url ?? '/', this.url);
    const gitPath = this.serveGit && this.gitRemote ? gitHttpPath(url.pathname, this.owner, this.repo) : null;
    if (gitPath) {
      return serveGitHttp({
        req,
        res,
        url,
        subPath: gitPath,
        bareRepo: this.gitRemote!,
        mayWrite: (token) => {
          const who = token ? this.tokens.get(token) : undefined;
          return Boolean(who && !who.readOnly);
        },
        log: this.gitRequests,
      });
    }
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
        return this.page(send, `${repoUrl}/issues/${params.issue_number}/comments`, query, all, (c) =>
          this.commentJson(ex, c),
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
      case 'GET /repos/{owner}/{repo}/issues': {
        const state = query.state ?? 'open';
        const labels = (query.labels ?? '').split(',').filter(Boolean);
        let all = this.issues.filter(
          (i) => (state === 'all' || i.state === state) && labels.every((l) => i.labels.includes(l)),
        );
        all = all.sort((a, b) => (query.direction === 'asc' ? a.number - b.number : b.number - a.number));
        return this.page(send, `${repoUrl}/issues`, query, all, (i) => this.issueJson(ex, i));
      }
      case 'POST /repos/{owner}/{repo}/issues': {
        if ((body.body ?? '').length > 65_536) return this.tooLong(send);
        const issue = this.addIssue({
          title: body.title,
          body: body.body ?? '',
          login: who.login,
          labels: body.labels,
        });
        return send(201, this.issueJson(ex, issue), { location: `${repoUrl}/issues/${issue.number}` });
      }
      case 'PATCH /repos/{owner}/{repo}/issues/{issue_number}': {
        const issue = this.issues.find((i) => i.number === Number(params.issue_number));
        if (!issue) return notFound();
        if (issue.login !== who.login)
          this.violations.push(`edited issue ${issue.number} of ${issue.login} as ${who.login}`);
        if ((body.body ?? '').length > 65_536) return this.tooLong(send);
        if (body.title !== undefined) issue.title = body.title;
        if (body.body !== undefined) issue.body = body.body;
        if (body.state !== undefined) issue.state = body.state;
        return send(200, this.issueJson(ex, issue));
      }
      case 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels': {
        const issue = this.issues.find((i) => i.number === Number(params.issue_number));
        if (!issue) return notFound();
        for (const l of body.labels ?? []) if (!issue.labels.includes(l)) issue.labels.push(l);
        return send(
          200,
          issue.labels.map((l) => this.labelJson(ex, l)),
        );
      }
      case 'GET /repos/{owner}/{repo}/pulls': {
        const state = query.state ?? 'open';
        const all = this.pulls().filter(
          (p) =>
            (state === 'all' || p.state === state) &&
            (!query.head || query.head === `${this.owner}:${p.pull!.head}`) &&
            (!query.base || query.base === p.pull!.base),
        );
        return this.page(send, `${repoUrl}/pulls`, query, all, (p) => this.pullJson(ex, p, true));
      }
      case 'POST /repos/{owner}/{repo}/pulls': {
        const invalid = (message: string) =>
          send(422, {
            message: 'Validation Failed',
            errors: [{ resource: 'PullRequest', code: 'custom', message }],
            documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
            status: '422',
          });
        if ((body.body ?? '').length > 65_536) return this.tooLong(send);
        if (
          this.pulls().some(
            (p) => p.state === 'open' && p.pull!.head === body.head && p.pull!.base === body.base,
          )
        ) {
          return invalid(`A pull request already exists for ${this.owner}:${body.head}.`);
        }
        let headSha = 'd'.repeat(40);
        if (this.gitRemote) {
          const rev = (ref: string) => {
            try {
              return execFileSync('git', ['rev-parse', '--verify', '--quiet', `refs/heads/${ref}`], {
                cwd: this.gitRemote!,
                encoding: 'utf8',
              }).trim();
            } catch {
              return null;
            }
          };
          const head = rev(body.head);
          const base = rev(body.base);
          if (!head || !base) return invalid(`${!head ? 'head' : 'base'} branch does not exist`);
          const ahead = execFileSync('git', ['rev-list', '--count', `${base}..${head}`], {
            cwd: this.gitRemote,
            encoding: 'utf8',
          }).trim();
          if (ahead === '0') return invalid(`No commits between ${body.base} and ${body.head}`);
          headSha = head;
        }
        const pr = this.addIssue({ title: body.title, body: body.body ?? '', login: who.login });
        pr.pull = { head: body.head, base: body.base, draft: body.draft ?? false, headSha };
        return send(201, this.pullJson(ex, pr, false), { location: `${repoUrl}/pulls/${pr.number}` });
      }
      case 'PATCH /repos/{owner}/{repo}/pulls/{pull_number}': {
        const pr = this.pulls().find((p) => p.number === Number(params.pull_number));
        if (!pr) return notFound();
        if ((body.body ?? '').length > 65_536) return this.tooLong(send);
        if (body.title !== undefined) pr.title = body.title;
        if (body.body !== undefined) pr.body = body.body;
        if (body.state !== undefined) pr.state = body.state;
        return send(200, this.pullJson(ex, pr, false));
      }
      case 'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches': {
        this.dispatches.push({ workflow: params.workflow_id!, ref: body.ref, inputs: body.inputs ?? {} });
        return send(204, undefined);
      }
      case 'GET /orgs/{org}/teams/{team_slug}/memberships/{username}': {
        // Installation tokens (GITHUB_TOKEN) have no organization Members permission.
        if (who.kind === 'app') {
          return send(403, {
            message: 'Resource not accessible by integration',
            documentation_url: 'https://docs.github.com/rest/teams/members#get-team-membership-for-a-user',
            status: '403',
          });
        }
        const members = this.teams.get(`${params.org}/${params.team_slug}`);
        if (!members?.includes(params.username!)) return notFound();
        return send(200, {
          url: `${this.url}/teams/1/memberships/${params.username}`,
          role: 'member',
          state: 'active',
        });
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

  /** One page of a list endpoint with GitHub's Link header. */
  private page<T>(
    send: (status: number, body: Json, headers?: Record<string, string>) => void,
    url: string,
    query: Record<string, string>,
    all: T[],
    json: (item: T) => Json,
  ): void {
    const perPage = Number(query.per_page ?? 30);
    const page = Number(query.page ?? 1);
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const link = (p: number, rel: string) => {
      const u = new URL(url);
      for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
      u.searchParams.set('per_page', String(perPage));
      u.searchParams.set('page', String(p));
      return `<${u}>; rel="${rel}"`;
    };
    const links = [];
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
    send(
      200,
      all.slice((page - 1) * perPage, page * perPage).map(json),
      links.length ? { link: links.join(', ') } : {},
    );
  }

  private labelJson(ex: (n: string) => Json, name: string): Json {
    const id = [...name].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) % 1_000_000, 11);
    return {
      ...ex('label'),
      id,
      node_id: `LA_${id}`,
      url: `${this.url}/repos/${this.owner}/${this.repo}/labels/${encodeURIComponent(name)}`,
      name,
      description: '',
      default: false,
    };
  }

  private issueJson(ex: (n: string) => Json, i: StoredIssue): Json {
    const api = `${this.url}/repos/${this.owner}/${this.repo}/issues/${i.number}`;
    const html = `https://github.com/${this.owner}/${this.repo}/${i.pull ? 'pull' : 'issues'}/${i.number}`;
    const out: Json = {
      ...ex('issue'),
      id: 500_000 + i.number,
      node_id: `I_${i.number}`,
      url: api,
      repository_url: `${this.url}/repos/${this.owner}/${this.repo}`,
      labels_url: `${api}/labels{/name}`,
      comments_url: `${api}/comments`,
      events_url: `${api}/events`,
      html_url: html,
      number: i.number,
      state: i.state,
      title: i.title,
      body: i.body,
      user: this.user(i.login),
      labels: i.labels.map((l) => this.labelJson(ex, l)),
      assignee: null,
      assignees: [],
      milestone: null,
      locked: false,
      comments: this.commentsOn(i.number).length,
      closed_at: null,
      created_at: i.createdAt,
      updated_at: i.createdAt,
      author_association: i.login.endsWith('[bot]') ? 'NONE' : 'MEMBER',
    };
    // Left out rather than null: the PATCH response schema narrows it to an enum without null.
    delete out.state_reason;
    delete out.pull_request;
    delete out.closed_by;
    if (i.pull) {
      out.pull_request = {
        url: `${this.url}/repos/${this.owner}/${this.repo}/pulls/${i.number}`,
        html_url: html,
        diff_url: `${html}.diff`,
        patch_url: `${html}.patch`,
      };
    }
    return out;
  }

  private pullJson(ex: (n: string) => Json, p: StoredIssue, simple: boolean): Json {
    const base = simple ? ex('pull-request-simple-items')[0] : ex('pull-request');
    const api = `${this.url}/repos/${this.owner}/${this.repo}/pulls/${p.number}`;
    const html = `https://github.com/${this.owner}/${this.repo}/pull/${p.number}`;
    const branch = (ref: string, sha: string) => ({
      ...base.head,
      label: `${this.owner}:${ref}`,
      ref,
      sha,
      user: this.user(this.owner),
    });
    return {
      ...base,
      id: 600_000 + p.number,
      node_id: `PR_${p.number}`,
      url: api,
      html_url: html,
      issue_url: `${this.url}/repos/${this.owner}/${this.repo}/issues/${p.number}`,
      number: p.number,
      state: p.state,
      title: p.title,
      body: p.body,
      draft: p.pull!.draft,
      user: this.user(p.login),
      labels: p.labels.map((l) => this.labelJson(ex, l)),
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      milestone: null,
      head: branch(p.pull!.head, p.pull!.headSha),
      base: branch(p.pull!.base, 'c'.repeat(40)),
      created_at: p.createdAt,
      updated_at: p.createdAt,
      closed_at: null,
      merged_at: null,
      merge_commit_sha: null,
      author_association: p.login.endsWith('[bot]') ? 'NONE' : 'MEMBER',
    };
  }

  private user(login: string): Json {
    return userJson(login);
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

export function userJson(login: string): Json {
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

// ---------------------------------------------------------------------------------------------------
// Event payloads: generated from GitHub's own webhook schemas (x-webhooks of the same description),
// every required field filled, the fields the Actions read set by the test, and validated before use.

function sample(s: Spec, schema: Json, name: string, depth: number): Json {
  const node = deref(s, schema);
  if (!node || depth > 12) return null;
  if (node.allOf) return Object.assign({}, ...node.allOf.map((x: Json) => sample(s, x, name, depth)));
  if (node.oneOf || node.anyOf) {
    const options = (node.oneOf ?? node.anyOf).map((x: Json) => deref(s, x));
    const pick = options.find((o: Json) => o && o.type !== 'null' && !o.nullable) ?? options[0];
    return sample(s, pick, name, depth);
  }
  if (node.enum) return node.enum.find((v: Json) => v !== null) ?? node.enum[0];
  if (node.nullable && !['object', 'array'].includes(node.type)) return null;
  switch (node.type) {
    case 'object': {
      const out: Json = {};
      for (const key of node.required ?? [])
        out[key] = sample(s, node.properties?.[key] ?? {}, key, depth + 1);
      return out;
    }
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return node.minimum ?? 1;
    case 'boolean':
      return false;
    case 'string':
      if (node.format === 'uri' || /_url$|^url$/.test(name)) return `https://api.github.com/${name}`;
      if (node.format === 'date-time' || /_at$/.test(name)) return '2026-11-24T12:00:00Z';
      if (node.format === 'email') return 'octocat@github.com';
      return name;
    default:
      return name;
  }
}

function merge(target: Json, patch: Json): Json {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = target && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) out[k] = merge(out[k], v);
  return out;
}

/** A payload for `webhook-<event>` (e.g. `pull-request-opened`), schema-valid, with `patch` applied. */
export function webhookPayload(event: string, patch: Json): Json {
  const s = loadSpec();
  const ref = `#/components/schemas/webhook-${event}`;
  const payload = merge(sample(s, { $ref: ref }, 'payload', 0), patch);
  const v = validator(s, pointer('components', 'schemas', `webhook-${event}`));
  if (!v(payload))
    throw new Error(`webhook-${event} payload breaks the schema: ${s.ajv.errorsText(v.errors)}`);
  return payload;
}

export interface RepoRef {
  owner: string;
  name: string;
}

function repoPatch(r: RepoRef, fork: boolean): Json {
  return {
    id: r.owner.length * 1000 + r.name.length,
    name: r.name,
    full_name: `${r.owner}/${r.name}`,
    fork,
    private: false,
    default_branch: 'main',
    html_url: `https://github.com/${r.owner}/${r.name}`,
    url: `https://api.github.com/repos/${r.owner}/${r.name}`,
    owner: { ...userJson(r.owner), type: 'Organization' },
  };
}

export function pullRequestEvent(o: {
  action: 'opened' | 'synchronize';
  number: number;
  base: RepoRef;
  head?: RepoRef;
  headSha: string;
  baseSha?: string;
  headRef?: string;
  sender?: string;
}): Json {
  const head = o.head ?? o.base;
  const fork = head.owner !== o.base.owner || head.name !== o.base.name;
  const sender = userJson(o.sender ?? 'octocat');
  return webhookPayload(`pull-request-${o.action}`, {
    action: o.action,
    number: o.number,
    ...(o.action === 'synchronize' ? { before: 'b'.repeat(40), after: o.headSha } : {}),
    pull_request: {
      number: o.number,
      state: 'open',
      title: 'Retrain on November data',
      html_url: `https://github.com/${o.base.owner}/${o.base.name}/pull/${o.number}`,
      url: `https://api.github.com/repos/${o.base.owner}/${o.base.name}/pulls/${o.number}`,
      user: sender,
      head: {
        label: `${head.owner}:${o.headRef ?? 'feature'}`,
        ref: o.headRef ?? 'feature',
        sha: o.headSha,
        repo: repoPatch(head, fork),
        user: { login: head.owner },
      },
      base: {
        label: `${o.base.owner}:main`,
        ref: 'main',
        sha: o.baseSha ?? 'c'.repeat(40),
        repo: repoPatch(o.base, false),
        user: { login: o.base.owner },
      },
    },
    repository: repoPatch(o.base, false),
    sender,
  });
}

export function pushEvent(o: {
  repo: RepoRef;
  ref: string;
  after: string;
  before?: string;
  pusher?: string;
}): Json {
  return webhookPayload('push', {
    ref: o.ref,
    before: o.before ?? '0'.repeat(40),
    after: o.after,
    repository: repoPatch(o.repo, false),
    pusher: { name: o.pusher ?? 'octocat', email: 'octocat@github.com' },
    sender: userJson(o.pusher ?? 'octocat'),
    head_commit: null,
    commits: [],
  });
}

export function workflowDispatchEvent(o: {
  repo: RepoRef;
  ref: string;
  inputs?: Record<string, string>;
}): Json {
  return webhookPayload('workflow-dispatch', {
    ref: o.ref,
    inputs: o.inputs ?? {},
    workflow: '.github/workflows/slipway-monitor.yml',
    repository: repoPatch(o.repo, false),
    sender: userJson('octocat'),
  });
}

/** `schedule` has no webhook: the runner writes `{ "schedule": "<cron>" }` plus the repository. */
export function scheduleEvent(o: { repo: RepoRef; cron: string }): Json {
  return {
    schedule: o.cron,
    repository: repoPatch(o.repo, false),
    workflow: '.github/workflows/slipway-monitor.yml',
  };
}

// ---------------------------------------------------------------------------------------------------
// Running an Action's committed dist/ the way the runner does.

export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  env: Record<string, string>;
  /** `::error`/`::warning`/`::notice` workflow commands printed on stdout. */
  annotations: { level: string; message: string }[];
}

/** Reads `name<<DELIM\nvalue\nDELIM` and `name=value` records of GITHUB_OUTPUT / GITHUB_ENV files. */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delim] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]!);
      out[name!] = value.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

export async function runActionDist(o: {
  action: string;
  inputs: Record<string, string>;
  eventName: string;
  payload: Json;
  double: GitHubDouble;
  token: string;
  workspace: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<ActionRun> {
  const actionDir = resolve('actions', o.action);
  const meta = YAML.parse(await readFile(join(actionDir, 'action.yml'), 'utf8'));
  if (meta.runs?.using !== 'node24') throw new Error(`${o.action}: runs.using is ${meta.runs?.using}`);
  const temp = await mkdtemp(join(tmpdir(), `slipway-action-${o.action}-`));
  const files = {
    GITHUB_EVENT_PATH: join(temp, 'event.json'),
    GITHUB_OUTPUT: join(temp, 'output'),
    GITHUB_STEP_SUMMARY: join(temp, 'summary.md'),
    GITHUB_ENV: join(temp, 'env'),
    GITHUB_PATH: join(temp, 'path'),
    GITHUB_STATE: join(temp, 'state'),
  };
  await writeFile(files.GITHUB_EVENT_PATH, JSON.stringify(o.payload));
  for (const f of [
    files.GITHUB_OUTPUT,
    files.GITHUB_STEP_SUMMARY,
    files.GITHUB_ENV,
    files.GITHUB_PATH,
    files.GITHUB_STATE,
  ]) {
    await writeFile(f, '');
  }
  // The runner sets every declared input: the given value, else the default with expressions evaluated.
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries<Json>(meta.inputs ?? {})) {
    if (!(name in o.inputs) && spec.default === undefined) continue;
    let value = name in o.inputs ? o.inputs[name]! : String(spec.default);
    value = value
      .replace(/\$\{\{\s*github\.token\s*\}\}/g, o.token)
      .replace(/\$\{\{\s*github\.actor\s*\}\}/g, 'octocat');
    inputs[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  for (const name of Object.keys(o.inputs)) {
    if (!(name in (meta.inputs ?? {})))
      throw new Error(`${o.action}: input "${name}" is not declared in action.yml`);
  }
  const pr = o.payload.pull_request;
  // The machine's own settings (PATH, HOME, CA certificates, proxies, npm config) as a runner has them;
  // nothing of the test process's GitHub/Slipway/vitest environment leaks into the step.
  const machine = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k, v]) =>
        v !== undefined &&
        !/^(GITHUB_|INPUT_|RUNNER_|ACTIONS_|SLIPWAY_|MLFLOW_|VITEST|NODE_ENV$|NODE_OPTIONS$|TEST$)/.test(k),
    ),
  ) as Record<string, string>;
  const env: Record<string, string> = {
    ...machine,
    HOME: process.env.HOME ?? temp,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: `${o.double.owner}/${o.double.repo}`,
    GITHUB_REPOSITORY_OWNER: o.double.owner,
    GITHUB_EVENT_NAME: o.eventName,
    GITHUB_SHA: pr ? 'e'.repeat(40) : (o.payload.after ?? 'f'.repeat(40)),
    GITHUB_REF: pr ? `refs/pull/${pr.number}/merge` : (o.payload.ref ?? 'refs/heads/main'),
    GITHUB_API_URL: o.double.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_GRAPHQL_URL: `${o.double.url}/graphql`,
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_NUMBER: '17',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTOR: 'octocat',
    GITHUB_TRIGGERING_ACTOR: 'octocat',
    GITHUB_WORKFLOW: 'slipway',
    GITHUB_JOB: 'report',
    GITHUB_ACTION: `__slipway-ml_slipway_${o.action}`,
    GITHUB_ACTION_PATH: actionDir,
    GITHUB_WORKSPACE: o.workspace,
    RUNNER_TEMP: temp,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    ...files,
    ...inputs,
    ...o.env,
  };
  const child = spawn(process.execPath, [join(actionDir, meta.runs.main)], { cwd: o.workspace, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const code = await new Promise<number>((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${o.action} timed out\n${stdout}\n${stderr}`));
    }, o.timeoutMs ?? 120_000);
    child.on('close', (c) => {
      clearTimeout(timer);
      resolvePromise(c ?? 1);
    });
  });
  const annotations = [...stdout.matchAll(/^::(error|warning|notice)[^:]*::(.*)$/gm)].map((m) => ({
    level: m[1]!,
    message: m[2]!.replaceAll('%0A', '\n').replaceAll('%0D', '\r').replaceAll('%25', '%'),
  }));
  const result = {
    code,
    stdout,
    stderr,
    outputs: parseFileCommands(await readFile(files.GITHUB_OUTPUT, 'utf8')),
    summary: await readFile(files.GITHUB_STEP_SUMMARY, 'utf8'),
    env: parseFileCommands(await readFile(files.GITHUB_ENV, 'utf8')),
    annotations,
  };
  await rm(temp, { recursive: true, force: true });
  return result;
}

// ---------------------------------------------------------------------------------------------------
// A small real Slipway project for the Action tests: a git repository with a seeded binary-classification
// dataset (CSV) and a slipway.config.ts that needs no node_modules (a plain object default export).

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function dataset(rows: number, seed: number): string {
  const r = rng(seed);
  const origins = ['ORD', 'ATL', 'SFO', 'JFK'];
  const lines = ['id,distance,hour,origin,delayed'];
  for (let i = 0; i < rows; i++) {
    const distance = 100 + r() * 2900;
    const hour = Math.floor(r() * 24);
    const origin = origins[Math.floor(r() * origins.length)]!;
    const p = 0.15 + (hour > 17 ? 0.5 : 0) + (origin === 'ORD' ? 0.1 : 0);
    lines.push(`${i},${distance.toFixed(1)},${hour},${origin},${r() < p ? 1 : 0}`);
  }
  return `${lines.join('\n')}\n`;
}

export const FIXTURE_CONFIG = `// Fixture project for the Action tests.
export default {
  project: { name: 'delay-mini', description: 'Small fixture project for the Action tests.' },
  data: { train: 'data/train.csv', eval: 'data/eval.csv', label: 'delayed', id: 'id' },
  features: [
    { column: 'hour', transform: 'oneHot', maxVocab: 24 },
    { column: 'distance', transform: 'standardize' },
    { column: 'origin', transform: 'oneHot', maxVocab: 8 },
  ],
  model: { task: 'binary', type: 'mlp', hidden: [8], dropout: 0 },
  training: { backend: 'wasm', epochs: 2, batchSize: 128, learningRate: 0.01, seed: 1, validationSplit: 0.1 },
  eval: {
    gates: {
      roc_auc: { threshold: ROC_THRESHOLD },
    },
    bootstrap: { resamples: 50, seed: 7 },
  },
};
`;

/** Creates the project; `rocThreshold` above what the model reaches makes the gate fail. */
export async function createFixtureProject(options: { rocThreshold?: number } = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-gh-project-'));
  await mkdir(join(dir, 'data'));
  await writeFile(join(dir, 'data/train.csv'), dataset(2000, 3));
  await writeFile(join(dir, 'data/eval.csv'), dataset(600, 4));
  await writeFile(
    join(dir, 'slipway.config.ts'),
    FIXTURE_CONFIG.replace('ROC_THRESHOLD', String(options.rocThreshold ?? 0.55)),
  );
  await writeFile(join(dir, '.gitignore'), '.slipway/\nslipway-report/\n');
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: dir,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@example.com',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@example.com',
      },
    });
  git('init', '--quiet', '--initial-branch=main');
  git('add', '.');
  git('commit', '--quiet', '-m', 'fixture');
  return dir;
}
