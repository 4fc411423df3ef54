import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionMatch, authorize, globMatch } from './authorize.js';
import { createGitHubLookup, offlineLookup } from './github.js';
import type { Identity } from './identity.js';
import { parsePolicy } from './load.js';

/** A small stand-in for the two GitHub REST endpoints, answering like api.github.com does. */
let server: Server;
let apiUrl: string;
const seen: { url: string; auth: string | undefined }[] = [];
const teams: Record<string, Record<string, 'active' | 'pending'>> = {
  'acme/ml-release': { carol: 'active', dan: 'pending' },
};
const perms: Record<string, { permission: string; role_name: string }> = {
  carol: { permission: 'write', role_name: 'maintain' },
  erin: { permission: 'read', role_name: 'triage' },
  frank: { permission: 'write', role_name: 'release-custom' },
};

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    seen.push({ url: req.url ?? '', auth: req.headers.authorization });
    if (req.headers.authorization !== 'Bearer good-token') {
      res.writeHead(req.headers.authorization ? 403 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Bad credentials' }));
      return;
    }
    let m = /^\/orgs\/([^/]+)\/teams\/([^/]+)\/memberships\/([^/]+)$/.exec(req.url ?? '');
    if (m) {
      const state = teams[`${m[1]}/${m[2]}`]?.[m[3]!];
      res.writeHead(state ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(state ? { state, role: 'member' } : { message: 'Not Found' }));
      return;
    }
    m = /^\/repos\/acme\/app\/collaborators\/([^/]+)\/permission$/.exec(req.url ?? '');
    if (m) {
      const p = perms[m[1]!] ?? { permission: 'none', role_name: 'none' };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...p, user: { login: m[1] } }));
      return;
    }
    res.writeHead(404);
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

const POLICY = parsePolicy(
  `version: 1
roles:
  release: { members: [alice, acme/ml-release] }
  maintainers: { members: [carol, erin, frank] }
  local: { members: ["@local"] }
grants:
  - role: release
    models: "flight-*"
    actions: ["promote:champion", register]
  - role: maintainers
    models: "*"
    actions: ["rollout:*"]
    minRepoPermission: maintain
  - role: local
    models: demo
    actions: ["promote:*"]
`,
  'p.yaml',
).policy;

function who(login: string, extra: Partial<Identity> = {}): Identity {
  return {
    login,
    source: 'github-event',
    ci: true,
    repository: 'acme/app',
    eventName: 'workflow_dispatch',
    pullRequest: null,
    policyRef: 'origin/main',
    ...extra,
  };
}

describe('patterns', () => {
  it('globs model names and actions', () => {
    expect(globMatch('flight-*', 'flight-delay')).toBe(true);
    expect(globMatch('flight-*', 'xflight-delay')).toBe(false);
    expect(globMatch('a.b', 'axb')).toBe(false);
    expect(actionMatch('promote:*', 'promote:champion')).toBe(true);
    expect(actionMatch('promote:champion', 'promote:challenger')).toBe(false);
    expect(actionMatch('register', 'register')).toBe(true);
    expect(actionMatch('rollout:*', 'promote:x')).toBe(false);
  });
});

describe('authorize', () => {
  it('a local refusal names the member that matches the local user: "@local"', async () => {
    const policy = parsePolicy(
      `version: 1
roles:
  release: { members: [alice] }
grants:
  - role: release
    models: "*"
    actions: [register]
`,
      'local.yaml',
    ).policy;
    const local = who('Seed ab7025d7', { ci: false, source: 'git-config', repository: null });
    const d = await authorize({
      policy,
      identity: local,
      action: 'register',
      model: 'm',
      lookup: offlineLookup,
    });
    expect(d.allowed).toBe(false);
    expect(d.reason).toBe(
      'register on "m" refused: grants[0]: the local user "Seed ab7025d7" (outside CI, add "@local" to the role\'s members) is not a member of role "release"',
    );
  });

  it('allows a listed login and names the grant', async () => {
    const lookup = createGitHubLookup({ apiUrl, token: null });
    const d = await authorize({
      policy: POLICY,
      identity: who('alice'),
      action: 'promote:champion',
      model: 'flight-delay',
      lookup,
    });
    expect(d).toMatchObject({ allowed: true, rule: 'grants[0]', role: 'release' });
  });

  it('denies by default when no grant covers the model or action', async () => {
    const lookup = offlineLookup;
    expect(
      await authorize({
        policy: POLICY,
        identity: who('alice'),
        action: 'promote:champion',
        model: 'churn',
        lookup,
      }),
    ).toMatchObject({ allowed: false, rule: 'deny-by-default' });
    expect(
      await authorize({
        policy: POLICY,
        identity: who('alice'),
        action: 'promote:challenger',
        model: 'flight-delay',
        lookup,
      }),
    ).toMatchObject({ allowed: false, rule: 'deny-by-default' });
  });

  it('team rules without a token deny with that reason', async () => {
    const lookup = createGitHubLookup({ apiUrl, token: null });
    const d = await authorize({
      policy: POLICY,
      identity: who('carol'),
      action: 'promote:champion',
      model: 'flight-delay',
      lookup,
    });
    expect(d.allowed).toBe(false);
    expect(d.rule).toBe('grants[0]');
    expect(d.reason).toMatch(/cannot be proven without a GitHub token with org read/);
  });

  it('team rules with a token ask GitHub: active members pass, pending and strangers do not', async () => {
    const lookup = createGitHubLookup({ apiUrl, token: 'good-token' });
    const args = { policy: POLICY, action: 'promote:champion', model: 'flight-delay', lookup };
    expect((await authorize({ ...args, identity: who('carol') })).allowed).toBe(true);
    expect((await authorize({ ...args, identity: who('dan') })).allowed).toBe(false);
    expect((await authorize({ ...args, identity: who('zoe') })).reason).toMatch(
      /zoe is not a member of role "release"/,
    );
    expect(
      seen.some(
        (s) => s.url === '/orgs/acme/teams/ml-release/memberships/carol' && s.auth === 'Bearer good-token',
      ),
    ).toBe(true);
  });

  it('a token GitHub rejects is an unproven membership, not a yes', async () => {
    const lookup = createGitHubLookup({ apiUrl, token: 'bad-token' });
    const d = await authorize({
      policy: POLICY,
      identity: who('carol'),
      action: 'promote:champion',
      model: 'flight-delay',
      lookup,
    });
    expect(d).toMatchObject({ allowed: false });
    expect(d.reason).toMatch(/GitHub answered 403/);
  });

  it('minRepoPermission uses role_name, so maintain and triage stay apart', async () => {
    const lookup = createGitHubLookup({ apiUrl, token: 'good-token' });
    const args = { policy: POLICY, action: 'rollout:production', model: 'flight-delay', lookup };
    expect((await authorize({ ...args, identity: who('carol') })).allowed).toBe(true);
    const erin = await authorize({ ...args, identity: who('erin') });
    expect(erin).toMatchObject({ allowed: false, rule: 'grants[1]' });
    expect(erin.reason).toMatch(/erin has triage permission on acme\/app; the grant needs maintain/);
    // A custom role falls back to `permission` (write), below maintain.
    expect((await authorize({ ...args, identity: who('frank') })).allowed).toBe(false);
    const offline = await authorize({
      ...args,
      identity: who('carol'),
      lookup: createGitHubLookup({ apiUrl, token: null }),
    });
    expect(offline.reason).toMatch(/cannot be checked without a token/);
  });

  it('@local matches only outside CI', async () => {
    const args = { policy: POLICY, action: 'promote:champion', model: 'demo', lookup: offlineLookup };
    expect(
      (await authorize({ ...args, identity: who('someone', { ci: false, source: 'git-config' }) })).allowed,
    ).toBe(true);
    expect((await authorize({ ...args, identity: who('someone') })).allowed).toBe(false);
  });

  it('a fork pull request is refused before any grant is looked at', async () => {
    const d = await authorize({
      policy: POLICY,
      identity: who('alice', {
        eventName: 'pull_request',
        pullRequest: {
          number: 7,
          author: 'alice',
          headRepo: 'alice/app',
          baseRepo: 'acme/app',
          baseRef: 'main',
          baseSha: 'abc',
          fromFork: true,
        },
      }),
      action: 'promote:champion',
      model: 'flight-delay',
      lookup: offlineLookup,
    });
    expect(d).toMatchObject({ allowed: false, rule: 'fork-pull-request' });
  });
});

describe('anyone with repository permission', () => {
  const policy = parsePolicy(
    `version: 1
roles:
  writers: { members: ["*"] }
  local: { members: ["@local"] }
grants:
  - role: local
    actions: ["promote:champion"]
  - role: writers
    actions: ["promote:champion"]
    minRepoPermission: write
`,
    'p.yaml',
  ).policy;

  it('lets GitHub vouch for the actor in CI, and @local match outside it', async () => {
    const lookup = createGitHubLookup({ apiUrl, token: 'good-token' });
    const args = { policy, action: 'promote:champion', model: 'm', lookup };
    expect(await authorize({ ...args, identity: who('carol') })).toMatchObject({
      allowed: true,
      rule: 'grants[1]',
    });
    const erin = await authorize({ ...args, identity: who('erin') });
    expect(erin).toMatchObject({ allowed: false, rule: 'grants[1]' });
    expect(erin.reason).toMatch(/erin has triage permission/);
    expect(await authorize({ ...args, identity: who('me', { ci: false, repository: null }) })).toMatchObject({
      allowed: true,
      rule: 'grants[0]',
    });
  });
});
