/**
 * The built `slipway` CLI end to end: `serve` a trained package in a project, drive it with `canary
 * status|start|abort` (rollouts only of registered versions the policy allows, with the project's
 * steps), render `deploy manifests`, and stop the server with SIGTERM (graceful, exit code 0).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseAuditLines, storeAuditSink } from '@slipway/governance';
import { openStore } from '@slipway/tracking';
import { train } from '@slipway/training';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { makeProject } from '../packages/training/src/project.fixture.js';

const run = promisify(execFile);
const BIN = resolve('packages/cli/dist/bin.js');
const TOKEN = 'cli-admin-token';
let dir: string;
let serve: ChildProcess;
let url: string;
let stderr = '';

// Outside CI: the bare admin token acts as the local user, whom the policy's `@local` role matches.
const env = { ...process.env, SLIPWAY_ADMIN_TOKEN: TOKEN, SLIPWAY_TRACKING_URI: '', GITHUB_ACTIONS: '' };
const cli = (args: string[], extraEnv: Record<string, string> = {}) =>
  run(process.execPath, [BIN, ...args, '--cwd', dir], { env: { ...env, ...extraEnv } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

beforeAll(async () => {
  // The project serving runs in: its config sets fast rollout steps, its policy grants rollout:local.
  const project = await makeProject({ config: { serving: { rollout: { steps: [{ setWeight: 100 }] } } } });
  dir = project.dir;
  await writeFile(
    join(dir, 'slipway.policy.yaml'),
    [
      'version: 1',
      'roles:',
      '  local:',
      '    members: ["@local"]',
      'grants:',
      '  - role: local',
      '    models: fixture',
      '    actions: ["rollout:local"]',
      '',
    ].join('\n'),
  );
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
  // v2 is registered as version 2 holding `challenger`; v1 is version 1 without an alias.
  const store = await openStore(join(dir, '.slipway'));
  await store.ensureRegisteredModel('fixture');
  await store.createModelVersion('fixture', join(dir, 'v1'));
  const v2 = await store.createModelVersion('fixture', join(dir, 'v2'));
  await store.setAlias('fixture', 'challenger', v2.version);
  await store.close();
  serve = spawn(process.execPath, [BIN, 'serve', 'v1', '--port', '0', '--json', '--cwd', dir], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  serve.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  url = await new Promise<string>((ok, fail) => {
    let out = '';
    serve.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      try {
        ok((JSON.parse(out) as { url: string }).url);
      } catch {}
    });
    serve.once('exit', (code) => fail(new Error(`serve exited with ${code}: ${stderr}`)));
  });
});

afterAll(async () => {
  if (serve && serve.exitCode === null) serve.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('slipway serve + canary + deploy manifests', () => {
  it('answers predictions and reports the rollout state', async () => {
    const r = await fetch(`${url}/predict`, {
      method: 'POST',
      body: JSON.stringify({ rows: [{ x1: 1, x2: 2, cat: 'a', when: '2001-01-01T00:00:00Z' }] }),
    });
    expect(r.status).toBe(200);
    const status = await cli(['canary', 'status', '--url', url, '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ phase: 'Healthy', stable: { source: 'v1' } });
    const human = await cli(['canary', 'status', '--url', url]);
    expect(human.stdout).toMatch(/phase: +Healthy/);
  });

  it('refuses a wrong token and an abort with nothing to abort, with the reason', async () => {
    const wrong = await cli(['canary', 'status', '--url', url], { SLIPWAY_ADMIN_TOKEN: 'nope' });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/403/);
    const abort = await cli(['canary', 'abort', '--url', url]);
    expect(abort.code).not.toBe(0);
    expect(abort.stderr).toMatch(/no rollout is in progress/);
  });

  it('refuses to roll out a package directory or an unaliased version, and audits the refusals', async () => {
    const dirSource = await cli(['canary', 'start', 'v2', '--url', url]);
    expect(dirSource.code).not.toBe(0);
    expect(dirSource.stderr).toMatch(/ROLLOUT_REFUSED|refused by registered-source/);
    expect(dirSource.stderr).toMatch(/not a registered model version/);
    const noAlias = await cli(['canary', 'start', 'fixture:1', '--url', url]);
    expect(noAlias.code).not.toBe(0);
    expect(noAlias.stderr).toMatch(/refused by alias: fixture v1 holds no alias/);
    const status = JSON.parse((await cli(['canary', 'status', '--url', url, '--json'])).stdout) as {
      phase: string;
    };
    expect(status.phase).toBe('Healthy');
  });

  it('rolls out a registered version with the project steps, as the token holder, and audits it', async () => {
    const start = await cli(['canary', 'start', 'fixture@challenger', '--url', url, '--json']);
    expect(start.code, start.stderr).toBe(0);
    let state: { phase: string; stable: { source: string }; steps: unknown[] } = JSON.parse(start.stdout);
    expect(state.steps).toEqual([{ setWeight: 100 }]);
    for (let i = 0; i < 50 && state.phase !== 'Healthy'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = JSON.parse((await cli(['canary', 'status', '--url', url, '--json'])).stdout);
    }
    expect(state.phase).toBe('Healthy');
    // The alias was pinned to the version it named when the policy allowed it.
    expect(state.stable.source).toBe('models:/fixture/2');
    const r = (await (
      await fetch(`${url}/predict`, {
        method: 'POST',
        body: JSON.stringify({ rows: [{ x1: 1, x2: 2, cat: 'a', when: 0 }] }),
      })
    ).json()) as { version: string };
    const final = JSON.parse((await cli(['canary', 'status', '--url', url, '--json'])).stdout) as {
      stable: { version: string };
    };
    expect(r.version).toBe(final.stable.version);
    expect(stderr).not.toMatch(/not audited|not recorded/);
    expect(await readdir(join(dir, '.slipway'))).not.toHaveLength(0);
    const store = await openStore(join(dir, '.slipway'));
    const entries = parseAuditLines(await storeAuditSink(store).read());
    await store.close();
    const decisions = entries.filter((e) => e.data.action === 'rollout:local');
    // The abort (nothing to abort: 409 after the decision), two refusals, the allowed start.
    expect(decisions.map((e) => [e.event, e.outcome, e.data.rule])).toEqual([
      ['rollback', 'allowed', 'admin-token'],
      ['rollout', 'refused', 'registered-source'],
      ['rollout', 'refused', 'alias'],
      ['rollout', 'allowed', 'grants[0]'],
    ]);
    expect(decisions.at(-1)?.version).toBe('2');
    expect(entries.some((e) => e.data.type === 'rollout.promoted')).toBe(true);
  });

  it('mirrors traffic to a shadow and ends it', async () => {
    const on = await cli(['canary', 'start', 'fixture:2', '--shadow', '100', '--url', url]);
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout).toMatch(/mirroring 100% of requests to /);
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${url}/predict`, {
        method: 'POST',
        body: JSON.stringify({ rows: [{ x1: 1, x2: 2, cat: 'a', when: 0 }] }),
      });
      expect(((await r.json()) as { variant: string }).variant).toBe('stable');
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(
      /slipway_shadow_requests_total\{model="fixture",outcome="ok"\} 5/,
    );
    const off = await cli(['canary', 'start', '--shadow', '0', '--url', url]);
    expect(off.code, off.stderr).toBe(0);
  });

  it('writes deploy manifests', async () => {
    const m = await cli(['deploy', 'manifests', '--name', 'flights', '--model', 'models:/flights@champion']);
    expect(m.code, m.stderr).toBe(0);
    const kinds = parseAllDocuments(m.stdout).map((d) => (d.toJSON() as { kind: string }).kind);
    expect(kinds).toEqual(['Deployment', 'Service', 'Service', 'Secret', 'Rollout']);
  });

  it('stops gracefully on SIGTERM', async () => {
    const exited = new Promise<number | null>((r) => serve.once('exit', (code) => r(code)));
    serve.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/SIGTERM: finishing in-flight requests/);
  });
});
