/**
 * The reusable workflows, run for real by a GitHub Actions engine (act, on this machine) from a caller
 * repository built the way docs/getting-started.md says: `slipway init` writes the PR workflow, the
 * release, monitor and retrain workflows are the blocks of docs/actions.md, word for word. GitHub is the
 * double (tests/support/github-double.ts: REST validated against @octokit/openapi, and git over HTTP), so
 * inputs, outputs, `needs`, expressions, permissions, secrets, vars, artifacts and `uses:` all have to be
 * right for these to pass.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inferSchema } from '@slipway/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { initProject } from '../packages/cli/src/commands/init.ts';
import { type ActRun, requireAct, runAct, stageSlipwayRelease } from './support/act.ts';
import {
  createFixtureProject,
  GitHubDouble,
  pullRequestEvent,
  pushEvent,
  scheduleEvent,
  userJson,
  workflowDispatchEvent,
} from './support/github-double.ts';

const OWNER = 'acme';
const REPO = 'delay-mini';
const BOT = 'github-actions[bot]';
const TOKEN = 'ghs_act_job_token';
const FORK_TOKEN = 'ghs_act_fork_read_only';
const ADMIN = 'serving-admin-token';
const MARKER = '<!-- slipway:report key=slipway -->';
const ISSUE_MARKER = '<!-- slipway:issue key=monitor/delay-mini -->';
const CLI = resolve('packages/cli/dist/bin.js');
const base = { owner: OWNER, name: REPO };

// The caller project: init's config shape, the Action tests' small dataset, a drifted live window.
const CONFIG = `// Slipway project config: https://github.com/slipway-ml/slipway/blob/main/docs/config.md
import type { SlipwayConfigInput } from '@slipway/core';

export default {
  project: { name: 'delay-mini', owners: [] },
  data: {
    train: 'data/train.csv',
    eval: 'data/eval.csv',
    label: 'delayed',
    id: 'id',
    schema: 'schema.json',
    monitor: { live: 'data/live.csv' },
  },
  features: [
    { column: 'hour', transform: 'oneHot', maxVocab: 24 },
    { column: 'distance', transform: 'standardize' },
    { column: 'origin', transform: 'oneHot', maxVocab: 8 },
  ],
  model: { task: 'binary', type: 'mlp', hidden: [8], dropout: 0 },
  training: { backend: 'wasm', epochs: 2, batchSize: 128, learningRate: 0.01, seed: 1, validationSplit: 0.1 },
  eval: {
    gates: {
      roc_auc: { threshold: 0.55 },
    },
    bootstrap: { resamples: 50, seed: 7 },
  },
  serving: {
    rollout: {
      steps: [
        { setWeight: 50 },
        {
          analysis: {
            interval: '500ms',
            count: 3,
            failureLimit: 0,
            inconclusiveLimit: 0,
            consecutiveErrorLimit: 3,
            metrics: [{ name: 'error_rate', failureCondition: 'result > 0.05' }],
          },
        },
        { setWeight: 100 },
      ],
    },
  },
} satisfies SlipwayConfigInput;
`;

// Late-evening long-haul flights: far from the training profile. The window has no id column (the
// training profile leaves data.id out); refreshing the training data appends the labelled rows.
const LIVE_WINDOW = `import { readFileSync, writeFileSync } from 'node:fs';
export function liveRows() {
  const [head, ...rows] = readFileSync('data/eval.csv', 'utf8').trimEnd().split('\\n');
  return [head, ...rows.map((line) => line.replace(/^(\\d+),[\\d.]+,\\d+,(\\w+),/, (_m, id, origin) => \`\${id},\${2500 + (Number(id) % 400)},23,\${origin},\`))];
}
if (process.argv[2] === 'window') {
  writeFileSync('data/live.csv', \`\${liveRows().map((l) => l.slice(l.indexOf(',') + 1)).join('\\n')}\\n\`);
}
if (process.argv[2] === 'refresh') {
  const train = readFileSync('data/train.csv', 'utf8').trimEnd().split('\\n');
  let id = train.length;
  const added = liveRows().slice(1).map((l) => \`\${id++}\${l.slice(l.indexOf(','))}\`);
  writeFileSync('data/train.csv', \`\${[...train, ...added].join('\\n')}\\n\`);
}
`;

const PACKAGE = {
  name: 'delay-mini',
  version: '1.0.0',
  private: true,
  type: 'module',
  scripts: {
    'fetch-live-window': 'node scripts/live-window.mjs window',
    'refresh-training-data': 'node scripts/live-window.mjs refresh',
  },
};

let double: GitHubDouble;
let release: string;
let root: string;
let remote: string;
let work: string;
let artifacts: string;
const runs: { name: string; run: ActRun }[] = [];

const gitEnv = (who: string) => ({
  ...process.env,
  GIT_AUTHOR_NAME: who,
  GIT_AUTHOR_EMAIL: `${who}@example.com`,
  GIT_COMMITTER_NAME: who,
  GIT_COMMITTER_EMAIL: `${who}@example.com`,
});
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: gitEnv('alice') }).trim();

/** The caller's workflow files: docs/actions.md's YAML blocks headed `# .github/workflows/<file>`. */
async function docWorkflows(): Promise<Map<string, string>> {
  const doc = await readFile('docs/actions.md', 'utf8');
  const out = new Map<string, string>();
  for (const m of doc.matchAll(/```yaml\n(# \.github\/workflows\/([\w.-]+\.yml)\n[\s\S]*?)```/g)) {
    out.set(m[2]!, m[1]!);
  }
  return out;
}

/**
 * The caller workflow as committed, plus one job that prints what the reusable workflow's outputs gave
 * (so that the `outputs:` wiring is exercised too). act reads this copy; the repository has the doc's.
 */
async function probed(file: string, job: string, outputs: string[]): Promise<string> {
  const yaml = await readFile(join(work, '.github/workflows', file), 'utf8');
  const probe = [
    '  outputs-probe:',
    `    needs: ${job}`,
    `    if: \${{ always() }}`,
    '    runs-on: ubuntu-latest',
    '    steps:',
    ...outputs.map((o) => `      - run: echo "probe ${o}=\${{ needs.${job}.outputs.${o} }}"`),
    '',
  ].join('\n');
  const dir = await mkdtemp(join(root, 'workflow-'));
  await writeFile(join(dir, file), `${yaml}${probe}`);
  return join(dir, file);
}

/** `probe <name>=<value>` lines the probe job printed. */
function probes(run: ActRun): Record<string, string> {
  return Object.fromEntries([...run.output.matchAll(/^probe ([\w-]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** Commits what `change` did as `who` and pushes it to `branch` of the remote. */
async function push(
  who: string,
  message: string,
  branch: string,
  change: () => Promise<void>,
): Promise<string> {
  await change();
  execFileSync('git', ['add', '-A'], { cwd: work });
  execFileSync('git', ['commit', '--quiet', '-m', message], { cwd: work, env: gitEnv(who) });
  git(work, 'push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`);
  return git(work, 'rev-parse', 'HEAD');
}

async function act(
  name: string,
  o: Omit<Parameters<typeof runAct>[0], 'double' | 'token' | 'release'> & { token?: string },
) {
  const run = await runAct({
    ...o,
    double,
    token: o.token ?? TOKEN,
    release,
    env: { SLIPWAY_ACT_ARTIFACTS: artifacts, ...o.env },
  });
  runs.push({ name, run });
  // Every `uses:` resolved locally: act fetched nothing.
  expect(run.lines.filter((l) => /LocalRepositoryCache not matched|git clone/i.test(l.msg))).toEqual([]);
  expect(run.lines.some((l) => /LocalRepositoryCache matched/.test(l.msg))).toBe(true);
  // Every request the workflows made conforms to GitHub's OpenAPI description.
  expect(double.violations).toEqual([]);
  return run;
}

const failed = (run: ActRun) =>
  `${run.results.join('\n')}\n${run.output.slice(-8000)}\n${run.stderr.slice(-4000)}`;

beforeAll(async () => {
  requireAct();
  root = await mkdtemp(join(tmpdir(), 'slipway-act-suite-'));
  release = await stageSlipwayRelease();
  artifacts = join(root, 'artifacts');
  await mkdir(artifacts);

  // The user's repository: the small dataset, then `slipway init`, then what getting-started says to edit.
  work = await createFixtureProject();
  await rm(join(work, 'slipway.config.ts'));
  const init = await initProject(work, { name: 'delay-mini' });
  expect(init.created).toEqual(
    expect.arrayContaining(['slipway.config.ts', 'slipway.policy.yaml', '.github/workflows/slipway.yml']),
  );
  await writeFile(join(work, 'slipway.config.ts'), CONFIG);
  // `slipway data schema infer data/train.csv`: the expectations the data check validates, reviewed the
  // way a user would: ids grow (no range), distances get a plausible range (observed extremes are no rule).
  const schema = await inferSchema(join(work, 'data/train.csv'));
  delete schema.columns.find((c) => c.name === 'id')!.range;
  schema.columns.find((c) => c.name === 'distance')!.range = { min: 0, max: 6000 };
  await writeFile(
    join(work, 'schema.json'),
    `${JSON.stringify({ ...schema, source: 'data/train.csv' }, null, 2)}\n`,
  );
  const policy = await readFile(join(work, 'slipway.policy.yaml'), 'utf8');
  expect(policy).toContain('members: []');
  // Two members; only write access (the repository permission GitHub reports) may promote.
  expect(policy).toContain('actions: [register, "promote:champion", "rollout:production"]\n');
  await writeFile(
    join(work, 'slipway.policy.yaml'),
    policy
      .replace('members: []', 'members: [alice, mallory]')
      .replace(
        'actions: [register, "promote:champion", "rollout:production"]\n',
        'actions: [register, "promote:champion", "rollout:production"]\n    minRepoPermission: write\n' +
          // The release workflow's canary acts on the serving host (environment "local", the default)
          // with the admin token named release-bot; the server checks this grant for that name.
          '  - role: release-bot\n    models: "*"\n    actions: ["rollout:local"]\n',
      )
      .replace('roles:\n', 'roles:\n  release-bot:\n    members: [release-bot]\n'),
  );
  await writeFile(join(work, 'package.json'), `${JSON.stringify(PACKAGE, null, 2)}\n`);
  await writeFile(
    join(work, 'package-lock.json'),
    `${JSON.stringify(
      {
        name: PACKAGE.name,
        version: PACKAGE.version,
        lockfileVersion: 3,
        requires: true,
        packages: { '': { name: PACKAGE.name, version: PACKAGE.version } },
      },
      null,
      2,
    )}\n`,
  );
  await mkdir(join(work, 'scripts'));
  await writeFile(join(work, 'scripts/live-window.mjs'), LIVE_WINDOW);
  await writeFile(
    join(work, '.gitignore'),
    `${await readFile(join(work, '.gitignore'), 'utf8')}data/live.csv\n`,
  );
  const docs = await docWorkflows();
  for (const [file, yaml] of docs) {
    if (file !== 'slipway.yml' && file !== 'slipway-release.yml')
      await writeFile(join(work, '.github/workflows', file), yaml);
  }
  expect([...docs.keys()].sort()).toEqual([
    'monitor.yml',
    'retrain.yml',
    'slipway-release.yml',
    'slipway.yml',
  ]);
  // The doc's PR and release workflows are the ones init writes.
  for (const file of ['slipway.yml', 'slipway-release.yml']) {
    expect(docs.get(file)!.replace(/^# .*\n/, '')).toBe(
      await readFile(join(work, '.github/workflows', file), 'utf8'),
    );
  }
  // The caller workflows pass the linter users run (actionlint: expressions, contexts, job wiring).
  const callers = [...docs.keys()].map((f) => join(work, '.github/workflows', f));
  execFileSync(resolve('.venv-interop/bin/actionlint'), ['-no-color', ...callers], { encoding: 'utf8' });
  execFileSync('git', ['add', '-A'], { cwd: work });
  execFileSync('git', ['commit', '--quiet', '-m', 'adopt slipway'], { cwd: work, env: gitEnv('alice') });

  // GitHub: the REST double and the repository behind it, served over git's HTTP protocol.
  remote = join(root, 'remote.git');
  git(root, 'init', '--quiet', '--bare', '--initial-branch=main', remote);
  // The serving host's copy of the store follows the store branch (as a deploy hook would keep it).
  const hook = join(remote, 'hooks/post-receive');
  await writeFile(
    hook,
    `#!/bin/sh\nwhile read old new ref; do\n  if [ "$ref" = refs/heads/slipway-store ]; then\n    mkdir -p '${join(root, 'store')}' && git archive "$new" | tar -x -C '${join(root, 'store')}'\n  fi\ndone\n`,
    { mode: 0o755 },
  );
  git(work, 'remote', 'add', 'origin', remote);
  git(work, 'push', '--quiet', 'origin', 'main');
  double = new GitHubDouble(OWNER, REPO);
  double.gitRemote = remote;
  double.serveGit = true;
  await double.start();
  double.tokens.set(TOKEN, { login: BOT, kind: 'app' });
  double.permissions.set('alice', 'maintain');
  double.permissions.set('mallory', 'read');
}, 120_000);

afterAll(async () => {
  // The act summary of every run, for the log of the CI job.
  for (const { name, run } of runs) {
    process.stdout.write(`\n── act: ${name} (exit ${run.code})\n${run.results.join('\n')}\n`);
    for (const a of run.annotations) process.stdout.write(`   ${a.level}: ${a.message.split('\n')[0]}\n`);
  }
  await double?.stop();
  for (const dir of [root, release, work]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the caller workflows against the reusable workflows they call', () => {
  // GitHub checks these when a run starts (act does not): a called job may not ask for more than the
  // caller grants, inputs and secrets must be declared, required inputs given.
  const LEVEL: Record<string, number> = { none: 0, read: 1, write: 2 };
  it('permissions, inputs and secrets fit', async () => {
    for (const file of ['slipway.yml', 'slipway-release.yml', 'monitor.yml', 'retrain.yml']) {
      const caller = YAML.parse(await readFile(join(work, '.github/workflows', file), 'utf8'));
      for (const [name, job] of Object.entries<Record<string, Record<string, string>>>(caller.jobs)) {
        const m = /^slipway-ml\/slipway\/(\.github\/workflows\/[\w.-]+)@[0-9a-f]{40}$/.exec(String(job.uses));
        expect(m, `${file}: jobs.${name}.uses`).not.toBeNull();
        const called = YAML.parse(await readFile(m![1]!, 'utf8'));
        const contract = called.on.workflow_call;
        const granted = job.permissions ?? {};
        for (const [calledName, calledJob] of Object.entries<{ permissions?: Record<string, string> }>(
          called.jobs,
        )) {
          for (const [scope, level] of Object.entries(calledJob.permissions ?? {})) {
            expect(
              LEVEL[granted[scope] ?? 'none'],
              `${file} → ${m![1]} jobs.${calledName}: ${scope}: ${level}`,
            ).toBeGreaterThanOrEqual(LEVEL[level]!);
          }
        }
        for (const input of Object.keys(job.with ?? {}))
          expect(Object.keys(contract.inputs ?? {})).toContain(input);
        for (const [input, spec] of Object.entries<{ required?: boolean }>(contract.inputs ?? {})) {
          if (spec.required)
            expect(Object.keys(job.with ?? {}), `${file}: ${input} is required`).toContain(input);
        }
        // `secrets: inherit` passes whatever exists; named secrets must be declared.
        const passed = (job.secrets as unknown) === 'inherit' ? {} : (job.secrets ?? {});
        for (const secret of Object.keys(passed))
          expect(Object.keys(contract.secrets ?? {})).toContain(secret);
      }
    }
  });
});

describe('docs/actions.md', () => {
  it('lists every input and secret of each reusable workflow in its table', async () => {
    const doc = await readFile('docs/actions.md', 'utf8');
    const listed = new Map<string, Set<string>>();
    let current = '';
    for (const row of doc.matchAll(/^\| (`slipway-[\w-]+\.yml`)? ?\| ([^|]+) \|/gm)) {
      if (row[1]) current = row[1].slice(1, -1);
      if (!current) continue;
      const names = listed.get(current) ?? new Set<string>();
      for (const m of row[2]!.matchAll(/(secret )?`([\w-]+)`/g)) names.add(`${m[1] ? 'secret ' : ''}${m[2]}`);
      listed.set(current, names);
    }
    for (const file of [
      'slipway-pr.yml',
      'slipway-release.yml',
      'slipway-monitor.yml',
      'slipway-retrain.yml',
    ]) {
      const contract = YAML.parse(await readFile(join('.github/workflows', file), 'utf8')).on.workflow_call;
      const declared = [
        ...Object.keys(contract.inputs ?? {}),
        ...Object.keys(contract.secrets ?? {}).map((k) => `secret ${k}`),
      ];
      expect([...(listed.get(file) ?? [])].sort(), file).toEqual(declared.sort());
    }
  });
});

describe('slipway-pr.yml on pull_request', () => {
  let headSha = '';
  let commentId = 0;

  async function prRun(
    name: string,
    action: 'opened' | 'synchronize',
    o: { number?: number; head?: string; fork?: string; token?: string } = {},
  ) {
    const number = o.number ?? 7;
    const sender = o.fork ?? 'alice';
    // GitHub's merge ref: the PR head merged into main.
    const merge = await mkdtemp(join(root, 'merge-'));
    git(root, 'clone', '--quiet', remote, merge);
    git(merge, 'fetch', '--quiet', 'origin', o.head ?? 'feature');
    git(merge, 'merge', '--quiet', '--no-ff', '-m', `Merge pull request #${number}`, 'FETCH_HEAD');
    git(merge, 'push', '--quiet', '--force', 'origin', `HEAD:refs/pull/${number}/merge`);
    const mergeSha = git(merge, 'rev-parse', 'HEAD');
    await rm(merge, { recursive: true, force: true });
    return act(name, {
      workflow: await probed('slipway.yml', 'slipway', ['verdict', 'model-hash']),
      eventName: 'pull_request',
      payload: pullRequestEvent({
        action,
        number,
        base,
        headSha,
        headRef: 'feature',
        sender,
        ...(o.fork ? { head: { owner: o.fork, name: REPO } } : {}),
      }),
      actor: sender,
      ref: `refs/pull/${number}/merge`,
      sha: mergeSha,
      ...(o.token ? { token: o.token } : {}),
    });
  }

  it('opened: data check → train → evaluate → model card, one comment, check runs, summary, artifact', async () => {
    git(work, 'checkout', '--quiet', '-b', 'feature');
    headSha = await push('alice', 'more training rows', 'feature', async () => {
      const rows = (await readFile(join(work, 'data/eval.csv'), 'utf8')).trimEnd().split('\n').slice(1, 101);
      const train = await readFile(join(work, 'data/train.csv'), 'utf8');
      await writeFile(
        join(work, 'data/train.csv'),
        `${train}${rows.map((r, i) => r.replace(/^\d+/, String(5000 + i))).join('\n')}\n`,
      );
    });
    const run = await prRun('pull_request opened', 'opened');
    expect(run.code, failed(run)).toBe(0);
    for (const step of [
      'Data check',
      'Train',
      'Evaluate against the production model',
      'Keep the full reports',
    ]) {
      expect(
        run.results.some((r) => r.includes(`Success - Main ${step}`)),
        step,
      ).toBe(true);
    }
    expect(run.results.some((r) => r.includes('Success - Main Model card'))).toBe(true);
    // slipway-pr.yml's outputs, as the caller's next job sees them.
    expect(probes(run)).toEqual({ verdict: 'pass', 'model-hash': expect.stringMatching(/^[0-9a-f]{64}$/) });

    const comments = double.commentsOn(7);
    expect(comments).toHaveLength(1);
    expect(comments[0]).toMatchObject({ login: BOT });
    expect(comments[0]!.body.startsWith(MARKER)).toBe(true);
    expect(comments[0]!.body).toContain('Slipway evaluation: **PASS**');
    // The data check's findings reached the evaluation's comment through the step outputs.
    expect(comments[0]!.body).toContain('### Data checks: ✅ passed');
    expect(comments[0]!.body).toMatch(/- `data\/eval\.csv`: 600 rows, (\d+)\/\1 expectations met/);
    expect(comments[0]!.body).toContain('### Data drift:');
    commentId = comments[0]!.id;

    expect(double.checkRuns.map((c) => [c.name, c.headSha, c.conclusion])).toEqual([
      ['Slipway data-check', headSha, 'success'],
      ['Slipway evaluate', headSha, 'success'],
    ]);
    const summary = run.summaries.join('\n');
    expect(summary).toContain('Slipway evaluation: **PASS**');
    expect(summary).toContain('Model card');
    const report = JSON.parse(await readFile(join(artifacts, 'slipway-report/report.json'), 'utf8'));
    expect(report.verdict).toBe('pass');
    expect(existsSync(join(artifacts, 'slipway-report/card/MODEL_CARD.md'))).toBe(true);
    expect(JSON.parse(await readFile(join(artifacts, 'slipway-report.json'), 'utf8'))).toMatchObject({
      retentionDays: 30,
    });
  }, 300_000);

  it('synchronize with a failing gate: the same comment edited in place, the check fails with an annotation', async () => {
    headSha = await push('alice', 'demand a better model', 'feature', async () => {
      const config = await readFile(join(work, 'slipway.config.ts'), 'utf8');
      await writeFile(join(work, 'slipway.config.ts'), config.replace('threshold: 0.55', 'threshold: 0.99'));
    });
    await rm(join(artifacts, 'slipway-report'), { recursive: true, force: true });
    const run = await prRun('pull_request synchronize', 'synchronize');
    expect(run.code).not.toBe(0);
    expect(run.results.some((r) => r.includes('Failure - Main Evaluate against the production model'))).toBe(
      true,
    );
    const comments = double.commentsOn(7);
    expect(comments.map((c) => c.id)).toEqual([commentId]);
    expect(comments[0]!.body).toContain('Slipway evaluation: **FAIL**');
    expect(double.count('POST /repos/{owner}/{repo}/issues/{issue_number}/comments')).toBe(1);
    const evaluate = double.checkRuns.filter((c) => c.name === 'Slipway evaluate').at(-1)!;
    expect(evaluate).toMatchObject({ headSha, conclusion: 'failure' });
    const annotations = double.annotations.get(evaluate.id)!;
    // On the gate's line of slipway.config.ts.
    const gateLine =
      (await readFile(join(work, 'slipway.config.ts'), 'utf8'))
        .split('\n')
        .findIndex((l) => l.includes('roc_auc:')) + 1;
    expect(annotations).toEqual([
      expect.objectContaining({
        path: 'slipway.config.ts',
        start_line: gateLine,
        annotation_level: 'failure',
      }),
    ]);
    // The card and the reports are still kept when the gate fails.
    expect(existsSync(join(artifacts, 'slipway-report/report.json'))).toBe(true);
    git(work, 'checkout', '--quiet', 'main');
  }, 300_000);

  it("a fork's pull request: the read-only token writes nothing, the report is in the job summary, the run passes", async () => {
    // The fork's commit, as GitHub keeps it: refs/pull/9/head of the base repository.
    git(work, 'checkout', '--quiet', '-b', 'fork-change', 'main');
    const rows = (await readFile(join(work, 'data/eval.csv'), 'utf8')).trimEnd().split('\n').slice(101, 151);
    await writeFile(
      join(work, 'data/train.csv'),
      `${await readFile(join(work, 'data/train.csv'), 'utf8')}${rows.map((r, i) => r.replace(/^\d+/, String(7000 + i))).join('\n')}\n`,
    );
    execFileSync('git', ['commit', '--quiet', '-am', 'rows from my fork'], {
      cwd: work,
      env: gitEnv('mallory'),
    });
    git(work, 'push', '--quiet', 'origin', 'HEAD:refs/pull/9/head');
    headSha = git(work, 'rev-parse', 'HEAD');
    git(work, 'checkout', '--quiet', 'main');
    double.tokens.set(FORK_TOKEN, { login: BOT, kind: 'app', readOnly: true });
    const before = { comments: double.comments.length, checks: double.checkRuns.length };
    const run = await prRun('pull_request from a fork', 'opened', {
      number: 9,
      head: 'refs/pull/9/head',
      fork: 'mallory',
      token: FORK_TOKEN,
    });
    expect(run.code, failed(run)).toBe(0);
    expect(double.comments).toHaveLength(before.comments);
    expect(double.checkRuns).toHaveLength(before.checks);
    const warnings = run.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
    expect(warnings.some((w) => /fork mallory\/delay-mini.*read-only token/.test(w))).toBe(true);
    expect(run.summaries.join('\n')).toContain('Slipway evaluation: **PASS**');
    expect(probes(run)).toMatchObject({ verdict: 'pass' });
  }, 300_000);
});

describe('slipway-release.yml on push to main', () => {
  let serve: ChildProcess | null = null;
  let stopTraffic = false;
  let traffic: Promise<void> | null = null;

  afterAll(async () => {
    stopTraffic = true;
    await traffic;
    if (serve && serve.exitCode === null) serve.kill('SIGTERM');
  });

  const releaseRun = async (
    name: string,
    who: string,
    sha: string,
    extra: { vars?: Record<string, string> } = {},
  ) =>
    act(name, {
      workflow: await probed('slipway-release.yml', 'release', ['promoted', 'version']),
      eventName: 'push',
      payload: pushEvent({ repo: base, ref: 'refs/heads/main', after: sha, pusher: who }),
      actor: who,
      ref: 'refs/heads/main',
      sha,
      secrets: { SLIPWAY_AUDIT_KEY: 'audit-signing-key', SLIPWAY_ADMIN_TOKEN: ADMIN },
      ...extra,
    });

  const storeFiles = () => git(remote, 'ls-tree', '-r', '--name-only', 'slipway-store').split('\n');

  it('a member with read access only pushing to main is refused, with the reason, and the refusal is audited', async () => {
    const sha = await push('mallory', 'mallory tunes the model', 'main', async () => {
      const config = await readFile(join(work, 'slipway.config.ts'), 'utf8');
      await writeFile(join(work, 'slipway.config.ts'), config.replace('epochs: 2', 'epochs: 3'));
    });
    const run = await releaseRun('push by a reader', 'mallory', sha);
    expect(run.code).not.toBe(0);
    expect(run.results.some((r) => r.includes('Failure - Main Register and promote'))).toBe(true);
    const error = run.annotations.find((a) => a.level === 'error')?.message ?? '';
    expect(error).toMatch(/mallory/);
    expect(error).toMatch(/refused/i);
    expect(double.requests.some((r) => r.path.endsWith('/collaborators/mallory/permission'))).toBe(true);
    // The canary job never starts after a refused promotion.
    expect(run.results.some((r) => r.includes('Slipway canary'))).toBe(false);
    expect(storeFiles().some((f) => /audit/.test(f))).toBe(true);
  }, 300_000);

  it('an allowed actor promotes: registry on the store branch, a deployment with statuses', async () => {
    const sha = await push('alice', 'alice tunes the model', 'main', async () => {
      const config = await readFile(join(work, 'slipway.config.ts'), 'utf8');
      await writeFile(join(work, 'slipway.config.ts'), config.replace('epochs: 3', 'epochs: 2'));
    });
    const run = await releaseRun('push by a maintainer', 'alice', sha);
    expect(run.code, failed(run)).toBe(0);
    expect(run.results.some((r) => r.includes('Success - Main Register and promote'))).toBe(true);
    expect(run.summaries.join('\n')).toContain('is now `champion`');
    expect(double.requests.some((r) => r.path.endsWith('/collaborators/alice/permission'))).toBe(true);
    // The store branch reached the remote over git's HTTP protocol with the job token, as on a runner.
    const pushes = double.gitRequests.filter((r) => r.service === 'receive-pack');
    expect(pushes.length).toBeGreaterThan(0);
    expect(pushes.every((r) => r.token === TOKEN && r.status === 200)).toBe(true);
    expect(probes(run)).toEqual({ promoted: 'true', version: '1' });
    const champion = double.deployments.filter((d) => d.environment === 'model-champion').at(-1)!;
    expect(champion.ref).toBe(sha);
    expect(champion.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    // The release's evaluation is a check run on the pushed commit.
    expect(double.checkRuns.filter((c) => c.headSha === sha).map((c) => [c.name, c.conclusion])).toEqual([
      ['Slipway evaluate', 'success'],
    ]);
    expect(existsSync(join(artifacts, 'slipway-release-report'))).toBe(true);
  }, 300_000);

  it('with the serving variables set, the next version rolls out as a canary on a running `slipway serve`', async () => {
    // The serving host: `slipway serve` on 127.0.0.1 with the champion, reading the registry that the
    // store branch carries (the remote's post-receive hook keeps its copy current).
    const host = join(root, 'serving-host');
    git(root, 'clone', '--quiet', remote, host);
    const store = join(root, 'store');
    serve = spawn(
      process.execPath,
      [
        CLI,
        'serve',
        'models:/delay-mini@champion',
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--json',
        '--cwd',
        host,
      ],
      {
        // A named admin token: whoever holds it acts as release-bot (the policy's rollout:local grant).
        // The audit chain is signed (the release job has the key), so the server that records rollout
        // decisions in it holds the same key.
        env: {
          ...process.env,
          SLIPWAY_ADMIN_TOKEN: `release-bot:${ADMIN}`,
          SLIPWAY_TRACKING_URI: store,
          SLIPWAY_AUDIT_KEY: 'audit-signing-key',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    serve.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const started = await new Promise<{ url: string; models: { name: string; version: string }[] }>(
      (ok, fail) => {
        let out = '';
        serve!.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
          try {
            ok(JSON.parse(out));
          } catch {}
        });
        serve!.once('exit', (code) => fail(new Error(`serve exited with ${code}: ${stderr}`)));
      },
    );
    expect(started.models).toHaveLength(1);
    const model = started.models[0]!;
    // Steady traffic, so that the analysis has requests to measure.
    traffic = (async () => {
      let n = 0;
      while (!stopTraffic) {
        await fetch(`${started.url}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-slipway-key': `u${n++}` },
          body: JSON.stringify({ rows: [{ hour: n % 24, distance: 800 + (n % 50) * 40, origin: 'ORD' }] }),
        })
          .then((r) => r.arrayBuffer())
          .catch(() => {});
        await new Promise((r) => setTimeout(r, 5));
      }
    })();

    const sha = await push('alice', 'more data for the next version', 'main', async () => {
      const train = (await readFile(join(work, 'data/train.csv'), 'utf8')).trimEnd().split('\n');
      await writeFile(join(work, 'data/train.csv'), `${train.slice(0, -50).join('\n')}\n`);
    });
    const run = await releaseRun('push by a maintainer, with canary', 'alice', sha, {
      vars: { SLIPWAY_SERVING_URL: started.url, SLIPWAY_SERVING_MODEL: model.name },
    });
    expect(run.code, failed(run)).toBe(0);
    expect(run.results.some((r) => r.includes('Success - Main Canary rollout'))).toBe(true);
    expect(probes(run)).toEqual({ promoted: 'true', version: '2' });
    const production = double.deployments.filter((d) => d.environment === 'model-production');
    expect(production).toHaveLength(1);
    expect(production[0]!.ref).toBe(sha);
    expect(production[0]!.statuses.at(0)!.state).toBe('in_progress');
    expect(production[0]!.statuses.at(-1)!.state).toBe('success');
    const status = (await (
      await fetch(`${started.url}/admin/models/${model.name}/rollout`, {
        headers: { authorization: `Bearer ${ADMIN}` },
      })
    ).json()) as { phase: string; stable: { version: string } };
    expect(status.phase).toBe('Healthy');
    expect(status.stable.version).not.toBe(model.version);
  }, 300_000);
});

describe('slipway-monitor.yml on schedule, then slipway-retrain.yml on the dispatch', () => {
  const monitorRun = async (name: string) => {
    const sha = git(remote, 'rev-parse', 'main');
    return act(name, {
      workflow: await probed('monitor.yml', 'monitor', ['alert']),
      eventName: 'schedule',
      payload: scheduleEvent({ repo: base, cron: '17 6 * * *' }),
      actor: 'alice',
      ref: 'refs/heads/main',
      sha,
    });
  };

  it('a drifted window opens one issue for the model, updates it on the next alert, and dispatches retraining', async () => {
    const first = await monitorRun('schedule (drifted window)');
    expect(first.code, failed(first)).toBe(0);
    expect(first.results.some((r) => r.includes('Success - Main Fetch the data windows'))).toBe(true);
    expect(first.results.some((r) => r.includes('Success - Main Monitor'))).toBe(true);
    const ours = () => double.issues.filter((i) => i.body.startsWith(ISSUE_MARKER));
    expect(ours()).toHaveLength(1);
    const issue = ours()[0]!;
    expect(issue).toMatchObject({ login: BOT, state: 'open', labels: ['slipway-monitor'] });
    expect(issue.title).toBe('Slipway monitor alert: delay-mini');
    expect(issue.body).toContain('- live: ');
    expect(double.dispatches).toEqual([
      { workflow: 'retrain.yml', ref: 'main', inputs: { reason: expect.stringContaining('live: ') } },
    ]);
    expect(first.summaries.join('\n')).toContain('Slipway monitor');
    expect(probes(first)).toEqual({ alert: 'true' });

    // The next day's window drifts differently: the same issue is edited, with a comment.
    await push('alice', 'live feed: the late bank moved to 22h', 'main', async () => {
      const script = await readFile(join(work, 'scripts/live-window.mjs'), 'utf8');
      await writeFile(
        join(work, 'scripts/live-window.mjs'),
        script.replace(`,23,\${origin}`, `,22,\${origin}`),
      );
    });
    const second = await monitorRun('schedule (still drifted)');
    expect(second.code, failed(second)).toBe(0);
    expect(ours().map((i) => i.number)).toEqual([issue.number]);
    expect(double.commentsOn(issue.number).length).toBeGreaterThan(0);
    expect(double.dispatches).toHaveLength(2);
  }, 300_000);

  it('the dispatched retraining refreshes the data, trains, evaluates and opens one pull request', async () => {
    const dispatch = double.dispatches[0]!;
    const sha = git(remote, 'rev-parse', dispatch.ref);
    // What GitHub delivers for the monitor's dispatch: started by the job token's identity.
    const payload = {
      ...workflowDispatchEvent({ repo: base, ref: `refs/heads/${dispatch.ref}`, inputs: dispatch.inputs }),
      workflow: '.github/workflows/retrain.yml',
      sender: userJson(BOT),
    };
    const run = await act('workflow_dispatch (retrain)', {
      workflow: await probed('retrain.yml', 'retrain', ['pull-request-url', 'verdict']),
      eventName: 'workflow_dispatch',
      payload,
      actor: BOT,
      ref: `refs/heads/${dispatch.ref}`,
      sha,
    });
    expect(run.code, failed(run)).toBe(0);
    expect(run.results.some((r) => r.includes('Success - Main Refresh the data'))).toBe(true);
    expect(run.results.some((r) => r.includes('Success - Main Open or update the pull request'))).toBe(true);
    const pulls = double.pulls();
    expect(pulls).toHaveLength(1);
    expect(pulls[0]!.pull).toMatchObject({ head: 'slipway/retrain-delay-mini', base: 'main' });
    expect(pulls[0]!.login).toBe(BOT);
    expect(pulls[0]!.body).toContain('live: ');
    expect(probes(run)).toEqual({
      'pull-request-url': `https://github.com/${OWNER}/${REPO}/pull/${pulls[0]!.number}`,
      verdict: expect.stringMatching(/^(pass|fail)$/),
    });
    // The proposal is the refreshed training data, committed on its own branch of the remote.
    const changed = git(remote, 'diff', '--name-only', 'main', 'slipway/retrain-delay-mini');
    // and slipway.lock, where train recorded the candidate's inputs.
    expect(changed.split('\n').sort()).toEqual(['data/train.csv', 'slipway.lock']);
  }, 300_000);
});
