/**
 * The canary Action from its committed dist/, as the runner runs it, against a real `startServer` with two
 * real packages, and the GitHub API double recording the deployment statuses: a healthy canary ends
 * promoted (success), a canary that errors on every request is rolled back (failure, step fails).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema, type RolloutStep } from '@slipway/core';
import { createLoader, type ServingServer, startServer } from '@slipway/serving';
import { train } from '@slipway/training';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withFaults } from '../packages/serving/src/testing/tiny-package.js';
import { makeProject } from '../packages/training/src/project.fixture.js';
import { GitHubDouble, runActionDist, workflowDispatchEvent } from './support/github-double.ts';

const OWNER = 'slipway-ml';
const REPO = 'flight-delay';
const TOKEN = 'ghs_job_token';
const ADMIN = 'canary-admin-token';
const defaults = configSchema.shape.serving.unwrap().parse({});
const steps: RolloutStep[] = [
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
];

let dir: string;
let srv: ServingServer | null = null;
let double: GitHubDouble;
let traffic: Promise<void> | null = null;
let stopTraffic = false;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-canary-action-'));
  for (const [name, seed] of [
    ['v1', 3],
    ['v2', 4],
  ] as const) {
    const p = await makeProject({
      config: { training: { backend: 'cpu', epochs: 1, batchSize: 32, seed, validationSplit: 0.2 } },
    });
    await train({ loaded: await p.load(), outDir: join(dir, name) });
    await rm(p.dir, { recursive: true, force: true });
  }
}, 240_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function serve(canaryFails: boolean): Promise<ServingServer> {
  const loader = createLoader({ cwd: dir });
  const server = await startServer({
    config: {
      ...defaults,
      port: 0,
      workers: 0, // the failing canary is injected in-process (withFaults)
      stateDir: join(dir, `state-${Date.now()}`),
      rollout: { ...defaults.rollout, steps, minRequests: 1 },
    },
    root: dir,
    models: [{ name: 'm', source: join(dir, 'v1') }],
    load: async (source) => {
      const loaded = await loader(source);
      return canaryFails && source.endsWith('v2')
        ? { ...loaded, pkg: withFaults(loaded.pkg, { fail: true }) }
        : loaded;
    },
    adminToken: ADMIN,
    warn: () => {},
  });
  // Steady traffic, so that the analysis has requests to measure.
  stopTraffic = false;
  const row = (await (await fetch(`${server.url}/v2/models/m`)).json()) as {
    inputs: { name: string; datatype: string }[];
  };
  const body = JSON.stringify({
    rows: [Object.fromEntries(row.inputs.map((i) => [i.name, i.datatype === 'BYTES' ? 'a' : 1]))],
  });
  traffic = (async () => {
    let n = 0;
    while (!stopTraffic) {
      await fetch(`${server.url}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-slipway-key': `u${n++}` },
        body,
      })
        .then((r) => r.arrayBuffer())
        .catch(() => {});
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return server;
}

beforeEach(async () => {
  double = new GitHubDouble(OWNER, REPO);
  await double.start();
  double.tokens.set(TOKEN, { login: 'github-actions[bot]', kind: 'app' });
});

afterEach(async () => {
  stopTraffic = true;
  await traffic;
  await srv?.close();
  srv = null;
  expect(double.violations).toEqual([]);
  await double.stop();
});

const runCanary = (url: string) =>
  runActionDist({
    action: 'canary',
    inputs: {
      'server-url': url,
      'admin-token': ADMIN,
      source: join(dir, 'v2'),
      model: 'm',
      // Explicit steps: without them the Action sends the project's (here: the slow safe default).
      steps: JSON.stringify(steps),
      'deployment-environment': 'model-production',
      'timeout-minutes': '2',
    },
    eventName: 'workflow_dispatch',
    payload: workflowDispatchEvent({ repo: { owner: OWNER, name: REPO }, ref: 'refs/heads/main' }),
    double,
    token: TOKEN,
    workspace: dir,
    timeoutMs: 150_000,
  });

describe('canary Action', () => {
  it('promotes a healthy canary and records the deployment as success', async () => {
    srv = await serve(false);
    const res = await runCanary(srv.url);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.outputs.phase).toBe('Healthy');
    expect(res.outputs.promoted).toBe('true');
    // The runner swallows ::add-mask:: lines; nothing else may print the token.
    expect(res.stdout.replace(/::add-mask::.*\n/g, '')).not.toContain(ADMIN);
    expect(double.deployments).toHaveLength(1);
    expect(double.deployments[0]!.statuses.map((s) => (s as { state: string }).state)).toEqual([
      'in_progress',
      'success',
    ]);
    expect(res.summary).toContain('Canary promoted');
  }, 160_000);

  it('rolls back a canary that fails every request, fails the step and the deployment', async () => {
    srv = await serve(true);
    const res = await runCanary(srv.url);
    expect(res.code).toBe(1);
    expect(res.outputs.phase).toBe('Degraded');
    expect(res.outputs.promoted).toBe('false');
    expect(res.stdout).toMatch(/::error.*rolled back/);
    expect(double.deployments[0]!.statuses.map((s) => (s as { state: string }).state)).toEqual([
      'in_progress',
      'failure',
    ]);
  }, 160_000);
});
