/**
 * @slipway/github against the GitHub API double (requests and responses validated against GitHub's
 * OpenAPI description): size limits, check-run annotation batches, deployments, permissions, retries.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  appendJobSummary,
  COMMENT_MAX_CHARS,
  createCheckRun,
  createDeployment,
  GitHubClient,
  getRepositoryPermission,
  getTeamMembership,
  resolveIdentity,
  SUMMARY_MAX_BYTES,
  setDeploymentStatus,
  upsertComment,
} from '@slipway/github';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubDouble } from './support/github-double.ts';

const OWNER = 'slipway-ml';
const REPO = 'flight-delay';
const BOT = 'github-actions[bot]';
let double: GitHubDouble;
let client: GitHubClient;
const waits: number[] = [];

beforeEach(async () => {
  double = new GitHubDouble(OWNER, REPO);
  await double.start();
  double.tokens.set('ghs_t', { login: BOT, kind: 'app' });
  waits.length = 0;
  client = new GitHubClient({
    token: 'ghs_t',
    baseUrl: double.url,
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
});

afterEach(async () => {
  expect(double.violations).toEqual([]);
  await double.stop();
});

const repo = { owner: OWNER, repo: REPO };

describe('PR comment', () => {
  it('a report over 65,536 characters is shortened: marker, verdict and gates kept, link to the full report', async () => {
    const head =
      '## ❌ Slipway evaluation: **FAIL**\n\n| gate | result |\n|---|---|\n| roc_auc | ❌ 0.61 < 0.7 |\n\n';
    const rows = Array.from({ length: 8000 }, (_, i) => `| slice origin = A${i} | 0.${i} |`).join('\n');
    const body = `${head}<details><summary>All slices</summary>\n\n${rows}\n</details>\n`;
    expect(body.length).toBeGreaterThan(COMMENT_MAX_CHARS * 2);
    const res = await upsertComment(client, {
      ...repo,
      issueNumber: 3,
      key: 'evaluate',
      body,
      identity: BOT,
      fullReportUrl: 'https://github.com/slipway-ml/flight-delay/actions/runs/4242',
    });
    expect(res).toMatchObject({ action: 'created', truncated: true });
    const stored = double.commentsOn(3)[0]!.body;
    expect(stored.length).toBeLessThanOrEqual(COMMENT_MAX_CHARS);
    expect(stored.startsWith(`<!-- slipway:report key=evaluate -->\n${head}`)).toBe(true);
    expect(stored).toContain('[Full report](https://github.com/slipway-ml/flight-delay/actions/runs/4242)');
    expect(stored).toMatch(/<\/details>\n\n> \[!NOTE\]/);
  });

  it("uses the caller's own shortening (e.g. renderMarkdown with maxChars) when the body is too long", async () => {
    const seen: number[] = [];
    await upsertComment(client, {
      ...repo,
      issueNumber: 3,
      key: 'evaluate',
      body: 'x'.repeat(70_000),
      identity: BOT,
      shorten: (max) => {
        seen.push(max);
        return `short version within ${max}`;
      },
    });
    expect(seen).toEqual([COMMENT_MAX_CHARS - '<!-- slipway:report key=evaluate -->\n'.length]);
    expect(double.commentsOn(3)[0]!.body).toContain('short version within');
  });

  it('an identical body is not re-sent; a different key is a different comment', async () => {
    const a = await upsertComment(client, {
      ...repo,
      issueNumber: 3,
      key: 'evaluate',
      body: 'same',
      identity: BOT,
    });
    const b = await upsertComment(client, {
      ...repo,
      issueNumber: 3,
      key: 'evaluate',
      body: 'same',
      identity: BOT,
    });
    const c = await upsertComment(client, {
      ...repo,
      issueNumber: 3,
      key: 'data-check',
      body: 'same',
      identity: BOT,
    });
    expect([a.action, b.action, c.action]).toEqual(['created', 'unchanged', 'created']);
    expect(b.id).toBe(a.id);
    expect(double.count('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}')).toBe(0);
    expect(double.commentsOn(3)).toHaveLength(2);
  });
});

describe('comment identity', () => {
  it("a PAT's comments are matched by its own login (GET /user); the bot's are not", async () => {
    double.tokens.set('ghp_pat', { login: 'release-bot', kind: 'user' });
    const pat = new GitHubClient({ token: 'ghp_pat', baseUrl: double.url });
    const marker = '<!-- slipway:report key=slipway -->';
    const bots = double.addComment(4, BOT, `${marker}\nwritten by GITHUB_TOKEN`);
    const identity = await resolveIdentity(pat);
    expect(identity).toBe('release-bot');
    const res = await upsertComment(pat, {
      ...repo,
      issueNumber: 4,
      key: 'slipway',
      body: 'from the PAT',
      identity,
    });
    expect(res).toMatchObject({ action: 'created', ignored: 1 });
    expect(double.comments.find((c) => c.id === bots.id)!.body).toContain('written by GITHUB_TOKEN');
    expect(await resolveIdentity(client)).toBe(BOT);
  });
});

describe('check runs', () => {
  it('sends 120 annotations in batches of 50 and caps the summary at 65,535 characters', async () => {
    const annotations = Array.from({ length: 120 }, (_, i) => ({
      path: 'data/train.csv',
      startLine: i + 2,
      level: 'warning' as const,
      title: `row ${i + 2}`,
      message: `distance is negative (${-i})`,
    }));
    const res = await createCheckRun(client, {
      ...repo,
      name: 'Slipway data-check',
      headSha: 'a'.repeat(40),
      conclusion: 'failure',
      title: '120 problems',
      summary: 'y'.repeat(70_000),
      annotations,
    });
    expect(res).toMatchObject({ annotations: 120, requests: 3 });
    expect(double.count('POST /repos/{owner}/{repo}/check-runs')).toBe(1);
    expect(double.count('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}')).toBe(2);
    const sent = double.annotations.get(res.id)!;
    expect(sent).toHaveLength(120);
    expect(sent.map((a) => a.start_line)).toEqual(annotations.map((a) => a.startLine));
    expect(double.checkRuns[0]!.output.summary.length).toBeLessThanOrEqual(65_535);
  });
});

describe('deployments and permissions', () => {
  it('creates a deployment and walks its statuses', async () => {
    const sha = 'd'.repeat(40);
    const dep = await createDeployment(client, {
      ...repo,
      ref: sha,
      environment: 'production',
      description: 'canary flight-delay v4',
      payload: { model: 'flight-delay', version: '4' },
    });
    for (const state of ['in_progress', 'success'] as const) {
      await setDeploymentStatus(client, {
        ...repo,
        deploymentId: dep.id,
        state,
        logUrl: 'https://github.com/slipway-ml/flight-delay/actions/runs/4242',
        environmentUrl: 'https://models.example.com/flight-delay',
      });
    }
    expect(double.deployments).toEqual([
      expect.objectContaining({
        ref: sha,
        environment: 'production',
        statuses: [
          expect.objectContaining({ state: 'in_progress' }),
          expect.objectContaining({ state: 'success' }),
        ],
      }),
    ]);
  });

  it('maps collaborator roles, and a non-collaborator (404) to none', async () => {
    double.permissions.set('alice', 'maintain');
    double.permissions.set('bob', 'triage');
    expect(await getRepositoryPermission(client, { ...repo, username: 'alice' })).toEqual({
      username: 'alice',
      permission: 'write',
      roleName: 'maintain',
    });
    expect((await getRepositoryPermission(client, { ...repo, username: 'bob' })).permission).toBe('read');
    expect((await getRepositoryPermission(client, { ...repo, username: 'eve' })).permission).toBe('none');
  });
});

describe('team membership', () => {
  it('a PAT with org read sees members and non-members; GITHUB_TOKEN cannot tell (unknown, never "no")', async () => {
    double.teams.set('slipway-ml/ml-platform', ['alice']);
    double.tokens.set('ghp_org', { login: 'org-reader', kind: 'user' });
    const pat = new GitHubClient({ token: 'ghp_org', baseUrl: double.url });
    expect(await getTeamMembership(pat, { org: OWNER, team: 'ml-platform', username: 'alice' })).toEqual({
      team: 'ml-platform',
      state: 'active',
    });
    expect((await getTeamMembership(pat, { org: OWNER, team: 'ml-platform', username: 'bob' })).state).toBe(
      'none',
    );
    expect(
      (await getTeamMembership(client, { org: OWNER, team: 'ml-platform', username: 'alice' })).state,
    ).toBe('unknown');
  });
});

describe('retries', () => {
  it('gives up after the retries on a persistent 500 with a SlipwayError', async () => {
    double.fault('GET /repos/{owner}/{repo}/collaborators/{username}/permission', { status: 500, times: 10 });
    await expect(getRepositoryPermission(client, { ...repo, username: 'alice' })).rejects.toMatchObject({
      code: 'GITHUB_API_ERROR',
      status: 500,
      hint: expect.stringContaining('server error'),
    });
    expect(double.count('GET /repos/{owner}/{repo}/collaborators/{username}/permission')).toBe(5);
    expect(waits).toEqual([1000, 2000, 4000, 8000]);
  });

  it('waits for x-ratelimit-reset on an exhausted primary limit; refuses to wait longer than maxWaitMs', async () => {
    const reset = Math.ceil(Date.now() / 1000) + 3;
    double.fault('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      status: 403,
      message: 'API rate limit exceeded for installation ID 1.',
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
    });
    await upsertComment(client, { ...repo, issueNumber: 1, key: 'k', body: 'b', identity: BOT });
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(1000);
    expect(waits[0]).toBeLessThanOrEqual(4000);

    double.fault('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      status: 429,
      message: 'Too many requests',
      headers: { 'retry-after': '3600' },
    });
    await expect(
      upsertComment(client, { ...repo, issueNumber: 2, key: 'k', body: 'b', identity: BOT }),
    ).rejects.toMatchObject({ code: 'GITHUB_RATE_LIMITED' });
  });
});

describe('job summary', () => {
  it('stays under the 1 MiB the runner accepts per step', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-summary-'));
    try {
      const file = join(dir, 'summary.md');
      await writeFile(file, 'a'.repeat(SUMMARY_MAX_BYTES - 10_000));
      const res = await appendJobSummary(`# Report\n\n${'é'.repeat(50_000)}\n`, {
        env: { GITHUB_STEP_SUMMARY: file },
        fullReportUrl: 'https://github.com/o/r/actions/runs/1',
      });
      expect(res).toMatchObject({ written: true, truncated: true });
      expect((await stat(file)).size).toBeLessThan(SUMMARY_MAX_BYTES);
      expect(await readFile(file, 'utf8')).toContain('[Full report](https://github.com/o/r/actions/runs/1)');
      expect(await appendJobSummary('x', { env: {} })).toEqual({
        written: false,
        bytes: 0,
        truncated: false,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
