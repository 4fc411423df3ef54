/**
 * The train and evaluate Actions run from their committed dist/ as the runner runs them (INPUT_*,
 * GITHUB_EVENT_PATH with schema-valid payloads, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files) against a
 * GitHub API double that validates every request and response against GitHub's OpenAPI description.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inferSchema } from '@slipway/data';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createFixtureProject,
  GitHubDouble,
  pullRequestEvent,
  pushEvent,
  runActionDist,
  scheduleEvent,
  workflowDispatchEvent,
} from './support/github-double.ts';

const OWNER = 'slipway-ml';
const REPO = 'flight-delay';
const BOT = 'github-actions[bot]';
const TOKEN = 'ghs_job_token';
const FORK_TOKEN = 'ghs_fork_read_only';
const MARKER = '<!-- slipway:report key=slipway -->';
const ISSUE_MARKER = '<!-- slipway:issue key=monitor/delay-mini -->';
const HEAD = '1'.repeat(40);

let project: string;
let modelPath: string;
let double: GitHubDouble;

const base = { owner: OWNER, name: REPO };
const prOpened = (number = 7) => pullRequestEvent({ action: 'opened', number, base, headSha: HEAD });

function evaluate(
  payload: unknown,
  o: { eventName?: string; token?: string; inputs?: Record<string, string> } = {},
) {
  return runActionDist({
    action: 'evaluate',
    inputs: { model: modelPath, ...o.inputs },
    eventName: o.eventName ?? 'pull_request',
    payload,
    double,
    token: o.token ?? TOKEN,
    workspace: project,
  });
}

beforeAll(async () => {
  project = await createFixtureProject();
  double = new GitHubDouble(OWNER, REPO);
  await double.start();
  double.tokens.set(TOKEN, { login: BOT, kind: 'app' });
  const train = await runActionDist({
    action: 'train',
    inputs: {},
    eventName: 'workflow_dispatch',
    payload: workflowDispatchEvent({ repo: base, ref: 'refs/heads/main' }),
    double,
    token: TOKEN,
    workspace: project,
    timeoutMs: 280_000,
  });
  expect(train.stderr + train.stdout).not.toMatch(/::error/);
  expect(train.code).toBe(0);
  expect(train.outputs['model-hash']).toMatch(/^[0-9a-f]{64}$/);
  expect(train.outputs.cached).toBe('false');
  expect(JSON.parse(train.outputs.metrics!)).toHaveProperty('val_auc');
  expect(train.summary).toContain('### Slipway train');
  modelPath = train.outputs['model-path']!;
  expect(modelPath).toMatch(/^\.slipway\/packages\//);
  await double.stop();
}, 300_000);

afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

beforeEach(async () => {
  double = new GitHubDouble(OWNER, REPO);
  await double.start();
  double.tokens.set(TOKEN, { login: BOT, kind: 'app' });
  double.tokens.set(FORK_TOKEN, { login: BOT, kind: 'app', readOnly: true });
});

afterEach(async () => {
  expect(double.violations).toEqual([]);
  await double.stop();
});

describe('evaluate on pull_request', () => {
  it('first run: creates the comment, a check run on the PR head, outputs and the job summary', async () => {
    const res = await evaluate(prOpened());
    expect(res.code, res.stdout + res.stderr).toBe(0);
    const ours = double.commentsOn(7);
    expect(ours).toHaveLength(1);
    expect(ours[0]!.login).toBe(BOT);
    expect(ours[0]!.body.startsWith(MARKER)).toBe(true);
    expect(ours[0]!.body).toContain('Slipway evaluation: **PASS**');
    expect(res.outputs.verdict).toBe('pass');
    expect(res.outputs['failed-gates']).toBe('0');
    expect(res.outputs['comment-url']).toBe(
      `https://github.com/${OWNER}/${REPO}/pull/7#issuecomment-${ours[0]!.id}`,
    );
    expect(res.outputs['report-json']).toBe('slipway-report/report.json');
    expect(double.checkRuns).toHaveLength(1);
    expect(double.checkRuns[0]).toMatchObject({
      name: 'Slipway evaluate',
      headSha: HEAD,
      conclusion: 'success',
    });
    expect(res.outputs['check-run-id']).toBe(String(double.checkRuns[0]!.id));
    expect(res.summary).toContain('Slipway evaluation: **PASS**');
    // GITHUB_TOKEN cannot read /user: the identity falls back to the Actions bot.
    expect(double.requests.find((r) => r.operation === 'GET /user')?.status).toBe(403);
  }, 120_000);

  it('synchronize: edits the same comment in place, push after push', async () => {
    const old = double.addComment(7, BOT, `${MARKER}\n## ❌ Slipway evaluation: **FAIL** (an older push)`);
    const res = await evaluate(pullRequestEvent({ action: 'synchronize', number: 7, base, headSha: HEAD }));
    expect(res.code, res.stdout).toBe(0);
    expect(double.commentsOn(7)).toHaveLength(1);
    expect(double.commentsOn(7)[0]!.id).toBe(old.id);
    expect(double.commentsOn(7)[0]!.body).toContain('**PASS**');
    expect(double.count('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}')).toBe(1);

    const again = await evaluate(pullRequestEvent({ action: 'synchronize', number: 7, base, headSha: HEAD }));
    expect(again.code).toBe(0);
    expect(double.count('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}')).toBe(2);
    expect(double.count('POST /repos/{owner}/{repo}/issues/{issue_number}/comments')).toBe(0);
    expect(double.commentsOn(7).map((c) => c.id)).toEqual([old.id]);
  }, 120_000);

  it('finds its comment on the second page of 120 comments and does not post a duplicate', async () => {
    let ours = 0;
    for (let i = 0; i < 120; i++) {
      if (i === 110) ours = double.addComment(7, BOT, `${MARKER}\nold report`).id;
      else double.addComment(7, i % 3 === 0 ? BOT : `reviewer-${i % 7}`, `comment ${i}`);
    }
    const res = await evaluate(prOpened());
    expect(res.code, res.stdout).toBe(0);
    const lists = double.requests.filter(
      (r) => r.operation === 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
    );
    expect(lists.map((r) => r.query.page ?? '1')).toEqual(['1', '2']);
    expect(lists.every((r) => r.query.per_page === '100')).toBe(true);
    expect(double.commentsOn(7)).toHaveLength(120);
    expect(double.comments.find((c) => c.id === ours)!.body).toContain('**PASS**');
  }, 120_000);

  it("leaves another user's comment that carries our marker alone", async () => {
    const quoted = double.addComment(7, 'mallory', `${MARKER}\nI copied your marker`);
    const res = await evaluate(prOpened());
    expect(res.code, res.stdout).toBe(0);
    expect(double.comments.find((c) => c.id === quoted.id)!.body).toBe(`${MARKER}\nI copied your marker`);
    const mine = double.commentsOn(7).filter((c) => c.login === BOT);
    expect(mine).toHaveLength(1);
    expect(
      res.annotations.some((a) => a.level === 'warning' && /other users.*left alone/.test(a.message)),
    ).toBe(true);
  }, 120_000);

  it('fork PR with a read-only token: a clear warning, the summary still has the report, the step passes', async () => {
    const payload = pullRequestEvent({
      action: 'opened',
      number: 9,
      base,
      head: { owner: 'mallory', name: REPO },
      headSha: HEAD,
      sender: 'mallory',
    });
    const res = await evaluate(payload, { token: FORK_TOKEN });
    expect(res.code, res.stdout).toBe(0);
    expect(double.comments).toHaveLength(0);
    expect(double.checkRuns).toHaveLength(0);
    const warnings = res.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
    expect(warnings.some((w) => /fork mallory\/flight-delay.*read-only token/.test(w))).toBe(true);
    expect(warnings.some((w) => w.startsWith('Check run skipped'))).toBe(true);
    expect(res.summary).toContain('Slipway evaluation: **PASS**');
    expect(res.stdout).not.toMatch(/\n\s+at /);
  }, 120_000);

  it('retries 5xx and a secondary rate limit (honouring Retry-After), then succeeds once', async () => {
    double.fault('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { status: 502, times: 2 });
    double.fault('POST /repos/{owner}/{repo}/check-runs', {
      status: 403,
      message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      headers: { 'retry-after': '1' },
    });
    const res = await evaluate(prOpened());
    expect(res.code, res.stdout).toBe(0);
    const posts = double.requests.filter(
      (r) => r.operation === 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
    );
    expect(posts.map((r) => r.status)).toEqual([502, 502, 201]);
    const checks = double.requests.filter((r) => r.operation === 'POST /repos/{owner}/{repo}/check-runs');
    expect(checks.map((r) => r.status)).toEqual([403, 201]);
    expect(checks[1]!.at - checks[0]!.at).toBeGreaterThanOrEqual(950);
    expect(double.commentsOn(7)).toHaveLength(1);
    expect(res.stdout).toMatch(/retry 1 in 1000 ms/);
  }, 120_000);

  it('a 404 from GitHub fails the step with the API message and a hint, not a stack trace', async () => {
    double.fault('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      status: 404,
      message: 'Not Found',
    });
    const res = await evaluate(prOpened());
    expect(res.code).toBe(1);
    const errors = res.annotations.filter((a) => a.level === 'error').map((a) => a.message);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /GitHub API GET \/repos\/slipway-ml\/flight-delay\/issues\/7\/comments answered 404/,
    );
    expect(errors[0]).toMatch(/hint: /);
    expect(res.stdout + res.stderr).not.toMatch(/\n\s+at /);
    // The summary was written before GitHub refused: the report is not lost.
    expect(res.summary).toContain('Slipway evaluation');
  }, 120_000);

  it('a failed gate fails the step and the check, with an annotation on the gate line of the config', async () => {
    const res = await evaluate(prOpened(), { inputs: { data: 'data/eval.csv' } });
    expect(res.code).toBe(0);
    const strict = await createFixtureProject({ rocThreshold: 0.99 });
    try {
      const failing = await runActionDist({
        action: 'evaluate',
        inputs: { model: `${project}/${modelPath}` },
        eventName: 'pull_request',
        payload: prOpened(8),
        double,
        token: TOKEN,
        workspace: strict,
      });
      expect(failing.code).toBe(1);
      expect(failing.outputs.verdict).toBe('fail');
      expect(failing.outputs['failed-gates']).toBe('1');
      expect(failing.annotations.find((a) => a.level === 'error')?.message).toMatch(
        /1 gate\(s\) failed: roc_auc/,
      );
      const check = double.checkRuns.find((c) => c.conclusion === 'failure')!;
      const notes = double.annotations.get(check.id)!;
      expect(notes).toEqual([
        expect.objectContaining({ path: 'slipway.config.ts', annotation_level: 'failure', start_line: 14 }),
      ]);
      expect(double.commentsOn(8)[0]!.body).toContain('FAIL');
    } finally {
      await rm(strict, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('data-check then evaluate on one pull request', () => {
  it('share one comment: the data-check comment becomes the full report, data checks and drift included', async () => {
    const data = await runActionDist({
      action: 'data-check',
      inputs: {},
      eventName: 'pull_request',
      payload: prOpened(12),
      double,
      token: TOKEN,
      workspace: project,
    });
    expect(data.code, data.stdout).toBe(0);
    const first = double.commentsOn(12);
    expect(first).toHaveLength(1);
    expect(first[0]!.body).toContain('Slipway data-check: **PASS**');
    const res = await evaluate(prOpened(12), { inputs: { 'data-check-report': data.outputs.report! } });
    expect(res.code, res.stdout).toBe(0);
    const after = double.commentsOn(12);
    expect(after.map((c) => c.id)).toEqual([first[0]!.id]);
    expect(after[0]!.body).toContain('Slipway evaluation: **PASS**');
    expect(after[0]!.body).toContain('### Data checks: ✅ passed');
    expect(after[0]!.body).toMatch(/Data drift/);
    const report = JSON.parse(await readFile(join(project, res.outputs['report-json']!), 'utf8'));
    expect(report.drift.columns.map((c: { column: string }) => c.column).sort()).toEqual([
      'distance',
      'hour',
      'origin',
    ]);
  }, 120_000);
});

describe('evaluate on push to main', () => {
  it('no PR: no comment calls, the check run goes on the pushed commit', async () => {
    const after = '2'.repeat(40);
    const res = await evaluate(pushEvent({ repo: base, ref: 'refs/heads/main', after }), {
      eventName: 'push',
    });
    expect(res.code, res.stdout).toBe(0);
    expect(double.requests.some((r) => r.operation.includes('/comments'))).toBe(false);
    expect(double.checkRuns).toEqual([expect.objectContaining({ headSha: after, conclusion: 'success' })]);
  }, 120_000);
});

describe('data-check', () => {
  it('fails on values outside the schema, annotating the schema line of the column; reports drift', async () => {
    const dir = await createFixtureProject();
    try {
      await writeFile(
        join(dir, 'schema.json'),
        `${JSON.stringify(await inferSchema(join(dir, 'data/train.csv')), null, 2)}\n`,
      );
      // The evaluation data gains an airport the training data never had, and negative distances.
      const rows = (await readFile(join(dir, 'data/eval.csv'), 'utf8')).trimEnd().split('\n');
      const broken = rows.map((line, i) =>
        i > 0 && i % 4 === 0 ? line.replace(/^(\d+),[\d.]+,(\d+),\w+,/, '$1,-5,$2,XXX,') : line,
      );
      await writeFile(join(dir, 'data/eval.csv'), `${broken.join('\n')}\n`);
      const res = await runActionDist({
        action: 'data-check',
        inputs: { schema: 'schema.json' },
        eventName: 'pull_request',
        payload: prOpened(11),
        double,
        token: TOKEN,
        workspace: dir,
      });
      expect(res.code).toBe(1);
      expect(res.outputs.passed).toBe('false');
      expect(Number(res.outputs.anomalies)).toBeGreaterThanOrEqual(2);
      expect(res.outputs.drifted).toMatch(/^(true|false)$/);
      expect(res.annotations.find((a) => a.level === 'error')?.message).toMatch(
        /data-check failed: \d+ failed expectation/,
      );
      const comment = double.commentsOn(11)[0]!;
      expect(comment.body.startsWith(MARKER)).toBe(true);
      expect(comment.body).toContain('Slipway data-check: **FAIL**');
      expect(comment.body).toContain('XXX');
      const check = double.checkRuns[0]!;
      expect(check).toMatchObject({ name: 'Slipway data-check', conclusion: 'failure' });
      const notes = double.annotations.get(check.id)!;
      const schemaText = (await readFile(join(dir, 'schema.json'), 'utf8')).split('\n');
      for (const column of ['origin', 'distance']) {
        const note = notes.find((n) => n.path === 'schema.json' && n.title.includes(`(${column})`));
        expect(note, column).toBeDefined();
        expect(schemaText[note.start_line - 1]).toContain(`"${column}"`);
      }
      // …and on the first offending row of the CSV (line 5: the 4th data row was rewritten).
      const rowNote = notes.find((n) => n.path === 'data/eval.csv' && n.title.startsWith('origin'));
      expect(rowNote).toMatchObject({ start_line: 5, annotation_level: 'failure' });
      expect(broken[4]).toContain('XXX');
      const report = JSON.parse(await readFile(join(dir, res.outputs.report!), 'utf8'));
      expect(report.validations).toHaveLength(2);
      expect(report.validations[0].success).toBe(true);
      expect(report.validations[1].success).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('model-card and promote (release on main)', () => {
  const POLICY = `version: 1
roles:
  maintainers:
    members: ["*"]
grants:
  - role: maintainers
    models: "*"
    actions: [register, "promote:*"]
    minRepoPermission: write
approvals: {}
`;

  it('registers, records the card, promotes under the policy from the base branch, and pushes the store', async () => {
    const dir = await createFixtureProject();
    const remote = `${dir}-remote.git`;
    try {
      await writeFile(join(dir, 'slipway.policy.yaml'), POLICY);
      const git = (...args: string[]) =>
        execFileSync('git', args, {
          cwd: dir,
          encoding: 'utf8',
          env: {
            ...process.env,
            GIT_AUTHOR_NAME: 't',
            GIT_AUTHOR_EMAIL: 't@e',
            GIT_COMMITTER_NAME: 't',
            GIT_COMMITTER_EMAIL: 't@e',
          },
        }).trim();
      git('add', 'slipway.policy.yaml');
      git('commit', '--quiet', '-m', 'policy');
      execFileSync('git', ['init', '--quiet', '--bare', remote]);
      git('remote', 'add', 'origin', remote);
      git('push', '--quiet', 'origin', 'main');
      git('fetch', '--quiet', 'origin');
      double.permissions.set('octocat', 'maintain');
      const model = join(project, modelPath);
      const event = pushEvent({
        repo: base,
        ref: 'refs/heads/main',
        after: '3'.repeat(40),
        pusher: 'octocat',
      });

      const evaluated = await runActionDist({
        action: 'evaluate',
        inputs: { model },
        eventName: 'push',
        payload: event,
        double,
        token: TOKEN,
        workspace: dir,
      });
      expect(evaluated.code, evaluated.stdout).toBe(0);

      const card = await runActionDist({
        action: 'model-card',
        inputs: { model, report: evaluated.outputs['report-json']! },
        eventName: 'push',
        payload: event,
        double,
        token: TOKEN,
        workspace: dir,
      });
      expect(card.code, card.stdout).toBe(0);
      expect(card.outputs['card-markdown']).toBe('slipway-report/card/MODEL_CARD.md');
      expect(card.outputs['card-sha256']).toMatch(/^[0-9a-f]{64}$/);
      expect(await readFile(join(dir, card.outputs['card-markdown']!), 'utf8')).toContain('delay-mini');
      expect(card.summary).toContain('Model card: delay-mini');

      const promoted = await runActionDist({
        action: 'promote',
        inputs: {
          model,
          report: evaluated.outputs['report-json']!,
          'store-branch': 'slipway-store',
          'deployment-environment': 'model-champion',
        },
        eventName: 'push',
        payload: event,
        double,
        token: TOKEN,
        workspace: dir,
      });
      expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
      expect(promoted.outputs).toMatchObject({
        promoted: 'true',
        version: '1',
        'previous-version': '',
        'refused-by': '',
      });
      expect(promoted.summary).toContain('is now `champion`');
      expect(double.deployments).toEqual([
        expect.objectContaining({
          ref: '3'.repeat(40),
          environment: 'model-champion',
          statuses: [
            expect.objectContaining({ state: 'in_progress' }),
            expect.objectContaining({ state: 'success' }),
          ],
        }),
      ]);
      expect(promoted.outputs['deployment-id']).toBe(String(double.deployments[0]!.id));
      // The permission came from the API double, for the event's sender.
      expect(double.requests.some((r) => r.path.endsWith('/collaborators/octocat/permission'))).toBe(true);
      const files = execFileSync('git', ['ls-tree', '-r', '--name-only', 'slipway-store'], {
        cwd: remote,
        encoding: 'utf8',
      });
      expect(files).toMatch(/audit/);
      expect(files).toMatch(/registry|models/);

      // Someone without write access: refused, audited, and the refusal is pushed too.
      const mallory = pushEvent({
        repo: base,
        ref: 'refs/heads/main',
        after: '4'.repeat(40),
        pusher: 'mallory',
      });
      const refused = await runActionDist({
        action: 'promote',
        inputs: {
          model,
          report: evaluated.outputs['report-json']!,
          'store-branch': 'slipway-store',
          alias: 'challenger',
        },
        eventName: 'push',
        payload: mallory,
        // The runner's GITHUB_ACTOR is the event's sender.
        env: { GITHUB_ACTOR: 'mallory', GITHUB_TRIGGERING_ACTOR: 'mallory' },
        double,
        token: TOKEN,
        workspace: dir,
      });
      expect(refused.code).toBe(1);
      expect(refused.outputs.promoted).toBe('false');
      expect(refused.annotations.find((a) => a.level === 'error')?.message).toMatch(/refused/);
      expect(
        execFileSync('git', ['rev-list', '--count', 'slipway-store'], {
          cwd: remote,
          encoding: 'utf8',
        }).trim(),
      ).toBe('2');

      // A step that dies after the deployment started leaves it in `error`, not `in_progress`.
      const broken = await runActionDist({
        action: 'promote',
        inputs: {
          model: 'data',
          report: evaluated.outputs['report-json']!,
          'deployment-environment': 'model-champion',
        },
        eventName: 'push',
        payload: event,
        double,
        token: TOKEN,
        workspace: dir,
      });
      expect(broken.code).toBe(1);
      expect(broken.stdout + broken.stderr).not.toMatch(/\n\s+at /);
      expect(double.deployments.at(-1)!.statuses.map((st) => st.state)).toEqual(['in_progress', 'error']);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await rm(remote, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('monitor on schedule', () => {
  it('flags a drifted window and dispatches retraining; a calm window raises nothing', async () => {
    const dir = await createFixtureProject();
    try {
      const rows = (await readFile(join(dir, 'data/eval.csv'), 'utf8')).trimEnd().split('\n');
      // Late-evening long-haul flights only: inputs far from the training profile.
      const shifted = rows.map((line, i) =>
        i === 0
          ? line
          : line.replace(
              /^(\d+),[\d.]+,\d+,(\w+),/,
              (_m, id, origin) => `${id},${2500 + (Number(id) % 400)},23,${origin},`,
            ),
      );
      // Windows without the id column: @slipway/eval's monitor reports `id` as a schema change otherwise
      // (the training profile leaves data.id out).
      const dropId = (lines: string[]) => lines.map((l) => l.slice(l.indexOf(',') + 1)).join('\n');
      await writeFile(join(dir, 'data/may.csv'), `${dropId(rows)}\n`);
      await writeFile(join(dir, 'data/jun.csv'), `${dropId(shifted)}\n`);
      // 120 older issues with the same label (two pages), one of them a user's quoting our marker.
      for (let i = 0; i < 120; i++) {
        double.addIssue({
          title: `older ${i}`,
          body: 'unrelated',
          login: 'octocat',
          labels: ['slipway-monitor'],
        });
      }
      const quoted = double.addIssue({
        title: 'how do I read this?',
        body: `I saw this in an issue: ${ISSUE_MARKER}`,
        login: 'octocat',
        labels: ['slipway-monitor'],
      });
      const monitor = (windows: string) =>
        runActionDist({
          action: 'monitor',
          inputs: {
            model: join(project, modelPath),
            windows,
            'dispatch-workflow': 'slipway-retrain.yml',
          },
          eventName: 'schedule',
          payload: scheduleEvent({ repo: base, cron: '17 6 * * *' }),
          double,
          token: TOKEN,
          workspace: dir,
        });
      const res = await monitor('data/may.csv\ndata/jun.csv');
      expect(res.code, res.stdout + res.stderr).toBe(0);
      expect(res.outputs.alert).toBe('true');
      const reasons = JSON.parse(res.outputs.reasons!) as string[];
      expect(reasons.length).toBeGreaterThan(0);
      expect(reasons.filter((r) => !r.startsWith('jun: '))).toEqual([]);
      expect(res.outputs.dispatched).toBe('true');
      expect(double.dispatches).toEqual([
        {
          workflow: 'slipway-retrain.yml',
          ref: 'main',
          inputs: { reason: expect.stringContaining('jun: ') },
        },
      ]);
      expect(res.summary).toContain('Slipway monitor');
      const report = JSON.parse(
        await readFile(join(dir, res.outputs['report-dir']!, 'jun/monitor.json'), 'utf8'),
      );
      expect(report.alert).toBe(true);
      expect(report.drift.drifted).toBe(true);

      // One issue for the model, opened by the job token, labelled, with the reasons and the report.
      const ours = double.issues.filter((i) => i.body.startsWith(ISSUE_MARKER));
      expect(ours).toHaveLength(1);
      const issue = ours[0]!;
      expect(issue).toMatchObject({ login: BOT, state: 'open', labels: ['slipway-monitor'] });
      expect(issue.title).toBe('Slipway monitor alert: delay-mini');
      expect(issue.body).toContain('- jun: ');
      expect(issue.body).not.toContain('- may: ');
      expect(res.outputs['issue-number']).toBe(String(issue.number));
      expect(res.outputs['issue-url']).toBe(`https://github.com/${OWNER}/${REPO}/issues/${issue.number}`);
      expect(double.requests.filter((r) => r.operation === 'GET /repos/{owner}/{repo}/issues')).toHaveLength(
        2,
      );

      // The next night's alert edits that issue and comments on it (edits notify nobody); no second issue.
      await writeFile(join(dir, 'data/jun.csv'), `${dropId(shifted.slice(0, 400))}\n`);
      const again = await monitor('data/jun.csv');
      expect(again.code, again.stdout + again.stderr).toBe(0);
      expect(double.issues.filter((i) => i.body.startsWith(ISSUE_MARKER))).toHaveLength(1);
      expect(again.outputs['issue-number']).toBe(String(issue.number));
      expect(double.count('POST /repos/{owner}/{repo}/issues')).toBe(1);
      expect(double.count('PATCH /repos/{owner}/{repo}/issues/{issue_number}')).toBe(1);
      const comments = double.commentsOn(issue.number);
      expect(comments).toHaveLength(1);
      expect(comments[0]!.body).toContain('raised the alert again');
      expect(quoted.body).toBe(`I saw this in an issue: ${ISSUE_MARKER}`);

      // A calm window touches no issue and dispatches nothing.
      const calm = await monitor('data/may.csv');
      expect(calm.code, calm.stdout + calm.stderr).toBe(0);
      expect(calm.outputs.alert).toBe('false');
      expect(calm.outputs['issue-number']).toBe('');
      expect(double.count('POST /repos/{owner}/{repo}/issues')).toBe(1);
      expect(double.dispatches).toHaveLength(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);
});

describe('retraining proposal (continuous training)', () => {
  it('commits the data change to its branch and opens one PR with the candidate; later runs update it', async () => {
    const dir = await createFixtureProject();
    const remote = `${dir}-remote.git`;
    try {
      const git = (...args: string[]) =>
        execFileSync('git', args, {
          cwd: dir,
          encoding: 'utf8',
          env: {
            ...process.env,
            GIT_AUTHOR_NAME: 'A Person',
            GIT_AUTHOR_EMAIL: 'person@example.com',
            GIT_COMMITTER_NAME: 'A Person',
            GIT_COMMITTER_EMAIL: 'person@example.com',
          },
        }).trim();
      execFileSync('git', ['init', '--quiet', '--bare', remote]);
      // The training data is the project's versioned data: what a proposal may change by default.
      const config = await readFile(join(dir, 'slipway.config.ts'), 'utf8');
      await writeFile(
        join(dir, 'slipway.config.ts'),
        config.replace("id: 'id' }", "id: 'id', versioned: ['data/train.csv'] }"),
      );
      git('commit', '--quiet', '-am', 'version the training data');
      git('remote', 'add', 'origin', remote);
      git('push', '--quiet', 'origin', 'main');
      double.gitRemote = remote;
      const main = git('rev-parse', 'HEAD');
      const inRemote = (...args: string[]) =>
        execFileSync('git', args, { cwd: remote, encoding: 'utf8' }).trim();
      const reason = 'jun: input drift in 2 of 3 columns (distance, hour)';
      const dispatch = workflowDispatchEvent({ repo: base, ref: 'refs/heads/main', inputs: { reason } });

      // Nothing refreshed yet: there is nothing to propose, and the step says so.
      const evaluated = await runActionDist({
        action: 'evaluate',
        inputs: {
          model: join(project, modelPath),
          comment: 'false',
          'check-name': '',
          'fail-on-gate': 'false',
        },
        eventName: 'workflow_dispatch',
        payload: dispatch,
        double,
        token: TOKEN,
        workspace: dir,
      });
      expect(evaluated.code, evaluated.stdout + evaluated.stderr).toBe(0);
      const propose = (inputs: Record<string, string> = {}) =>
        runActionDist({
          action: 'propose',
          inputs: { report: evaluated.outputs['report-json']!, 'model-hash': 'f'.repeat(64), ...inputs },
          eventName: 'workflow_dispatch',
          payload: dispatch,
          double,
          token: TOKEN,
          workspace: dir,
        });
      const empty = await propose();
      expect(empty.code).toBe(1);
      expect(empty.stdout).toContain(
        'nothing changed under data/train.csv, data/train.csv.dvc, slipway.lock: there is no change to propose',
      );
      expect(empty.stdout + empty.stderr).not.toMatch(/\n\s+at /);
      expect(double.pulls()).toEqual([]);

      // The data step appended a newer window to the training data.
      const fresh = (await readFile(join(dir, 'data/eval.csv'), 'utf8')).trimEnd().split('\n').slice(1);
      await writeFile(
        join(dir, 'data/train.csv'),
        `${(await readFile(join(dir, 'data/train.csv'), 'utf8')).trimEnd()}\n${fresh.join('\n')}\n`,
      );
      // Issue 20, case 5: the data step also unpacked a workflow, a build output and a symlink.
      await mkdir(join(dir, '.github/workflows'), { recursive: true });
      await writeFile(join(dir, '.github/workflows/x.yml'), 'on: push\njobs: {}\n');
      await mkdir(join(dir, 'build'), { recursive: true });
      await writeFile(join(dir, 'build/out.js'), 'console.log(1)\n');
      await symlink('/etc/passwd', join(dir, 'data/leak'));
      const broad = await propose({ paths: '.' });
      expect(broad.code).toBe(1);
      expect(broad.stdout).toContain('path(s) that can run code once merged');
      expect(broad.stdout).toContain('.github/workflows/x.yml (under .github/)');
      expect(broad.stdout).toContain('data/leak (a symlink)');
      expect(double.pulls()).toEqual([]);
      expect(inRemote('for-each-ref', '--format=%(refname)', 'refs/heads')).toBe('refs/heads/main');
      const first = await propose();
      expect(first.code, first.stdout + first.stderr).toBe(0);
      await rm(join(dir, '.github'), { recursive: true });
      await rm(join(dir, 'build'), { recursive: true });
      await rm(join(dir, 'data/leak'));
      expect(first.outputs.action).toBe('created');
      const branch = 'slipway/retrain-delay-mini';
      expect(first.outputs.branch).toBe(branch);
      const pulls = double.pulls();
      expect(pulls).toHaveLength(1);
      const pr = pulls[0]!;
      expect(pr.pull).toMatchObject({ head: branch, base: 'main', draft: false });
      expect(pr.labels).toEqual(['slipway', 'retrain']);
      expect(pr.login).toBe(BOT);
      expect(pr.title).toBe(`Retrain delay-mini after a monitoring alert (${reason})`);
      expect(pr.body).toContain(`- ${reason}`);
      expect(pr.body).toContain(`\`${'f'.repeat(64)}\``);
      expect(pr.body).toContain('- `data/train.csv`');
      expect(pr.body).toContain('Candidate evaluation: **PASS**');
      expect(first.outputs['pull-request-url']).toBe(`https://github.com/${OWNER}/${REPO}/pull/${pr.number}`);
      // The branch holds one commit on top of main with just the data change, written by the bot.
      const tip = inRemote('rev-parse', `refs/heads/${branch}`);
      expect(tip).toBe(first.outputs.commit);
      expect(inRemote('rev-parse', `${tip}^`)).toBe(main);
      expect(inRemote('diff', '--name-only', main, tip)).toBe('data/train.csv');
      expect(inRemote('log', '-1', '--format=%an <%ae>', tip)).toBe(
        'github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>',
      );
      // The checkout is as the job left it: HEAD on main, the change still uncommitted.
      expect(git('rev-parse', 'HEAD')).toBe(main);
      expect(git('status', '--porcelain')).toBe('M data/train.csv');

      // A second alert: the same branch is replaced and the same PR updated.
      await writeFile(
        join(dir, 'data/train.csv'),
        `${(await readFile(join(dir, 'data/train.csv'), 'utf8')).trimEnd()}\n${fresh.slice(0, 50).join('\n')}\n`,
      );
      const second = await propose({ reason: 'jul: prediction drift' });
      expect(second.code, second.stdout + second.stderr).toBe(0);
      expect(second.outputs.action).toBe('updated');
      expect(second.outputs['pull-request-number']).toBe(String(pr.number));
      expect(double.pulls()).toHaveLength(1);
      expect(pr.body).toContain('- jul: prediction drift');
      expect(inRemote('rev-parse', `refs/heads/${branch}`)).toBe(second.outputs.commit);
      expect(inRemote('rev-parse', `${second.outputs.commit}^`)).toBe(main);

      // Someone pushed a fix to the branch: the next proposal refuses to throw it away.
      const review = `${dir}-review`;
      execFileSync('git', ['clone', '--quiet', '--branch', branch, remote, review]);
      const inReview = (...args: string[]) => git('-C', review, ...args);
      await writeFile(join(review, 'NOTES.md'), 'reviewed\n');
      inReview('add', 'NOTES.md');
      inReview('commit', '--quiet', '-m', 'review notes');
      inReview('push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`);
      const reviewed = inReview('rev-parse', 'HEAD');
      await rm(review, { recursive: true, force: true });
      const third = await propose();
      expect(third.code).toBe(1);
      expect(third.stdout).toContain('1 commit(s) by someone else (person@example.com)');
      expect(inRemote('rev-parse', `refs/heads/${branch}`)).toBe(reviewed);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await rm(remote, { recursive: true, force: true });
    }
  }, 240_000);
});
