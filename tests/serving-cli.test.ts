/**
 * The built `slipway` CLI end to end: `serve` a trained package, drive it with `canary status|start|
 * abort`, render `deploy manifests`, and stop the server with SIGTERM (graceful, exit code 0).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
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

const env = { ...process.env, SLIPWAY_ADMIN_TOKEN: TOKEN, SLIPWAY_TRACKING_URI: '' };
const cli = (args: string[], extraEnv: Record<string, string> = {}) =>
  run(process.execPath, [BIN, ...args, '--cwd', dir], { env: { ...env, ...extraEnv } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-cli-serve-'));
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

  it('starts a rollout (no steps configured: the canary becomes stable at once) and audits it', async () => {
    const start = await cli(['canary', 'start', 'v2', '--url', url, '--json']);
    expect(start.code, start.stderr).toBe(0);
    let state: { phase: string; stable: { source: string } } = JSON.parse(start.stdout);
    for (let i = 0; i < 50 && state.phase !== 'Healthy'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = JSON.parse((await cli(['canary', 'status', '--url', url, '--json'])).stdout);
    }
    expect(state.phase).toBe('Healthy');
    expect(state.stable.source).toBe(join(dir, 'v2'));
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
  });

  it('mirrors traffic to a shadow and ends it', async () => {
    const on = await cli(['canary', 'start', 'v1', '--shadow', '100', '--url', url]);
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
    expect(kinds).toEqual(['Deployment', 'Service', 'Service', 'Rollout']);
  });

  it('stops gracefully on SIGTERM', async () => {
    const exited = new Promise<number | null>((r) => serve.once('exit', (code) => r(code)));
    serve.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/SIGTERM: finishing in-flight requests/);
  });
});
