import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { type MlflowServer, startMlflow } from './support/mlflow.js';

const run = promisify(execFile);
const demo = resolve('apps/flight-delay/scripts/demo.ts');
const cli = resolve('packages/cli/dist/bin.js');

interface Summary {
  change: boolean;
  seconds: number;
  data: { changed: boolean };
  train: { cached: boolean; hash: string };
  eval: { verdict: string; firstRun: boolean };
  canary: { phase: string; traffic?: { requests: number; failed: number; canary: number } };
  monitor: { name: string; alert: boolean }[];
  audit: { ok: boolean; entries: number };
  files: Record<string, string>;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out;
}

async function runDemo(workdir: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Summary> {
  const summaryFile = join(workdir, 'summary.json');
  await run(process.execPath, [demo, '--workdir', workdir, '--json-summary', summaryFile, ...extra], {
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 900_000,
  });
  return JSON.parse(await readFile(summaryFile, 'utf8')) as Summary;
}

// The README's main job, from nothing: `pnpm demo`, then `pnpm demo --change`, on a fresh copy of the example.
// `--change` takes about 285 s on an idle 2-core machine (train, evaluate, canary replay): 3× headroom.
describe('pnpm demo (embedded store)', { timeout: 900_000 }, () => {
  let workdir: string;
  afterAll(async () => {
    if (workdir) await rm(workdir, { recursive: true, force: true });
  });

  it('first run: no champion, absolute gates, card, register, promote, monitor, intact audit log', async () => {
    workdir = await mkdtemp(join(tmpdir(), 'slipway-demo-unique-dir-'));
    const s = await runDemo(workdir);
    expect(s.train.cached).toBe(false);
    expect(s.eval).toEqual({ verdict: 'pass', firstRun: true });
    expect(s.canary.phase).toBe('first-release');
    expect(s.monitor.map((m) => m.name)).toEqual(['may', 'jun']);
    expect(s.audit.ok).toBe(true);
    for (const f of [
      'eval/report.md',
      'eval/report.html',
      'eval/report.json',
      'card/MODEL_CARD.md',
      'card/model_card.json',
      'drift.html',
      'monitor/may/monitor.html',
      'monitor/jun/monitor.json',
    ]) {
      expect(existsSync(join(workdir, 'out', f)), f).toBe(true);
    }
    const md = await readFile(join(workdir, 'out/eval/report.md'), 'utf8');
    expect(md.length).toBeLessThanOrEqual(65_536);
    // The HTML report links report.json instead of embedding it, and stays under 1 MB.
    expect((await stat(join(workdir, 'out/eval/report.html'))).size).toBeLessThan(1024 * 1024);
    // No output names the directory the demo ran in (on a runner: /home/runner/work/…).
    const leaks: string[] = [];
    for (const f of await listFiles(join(workdir, 'out'))) {
      if ((await readFile(f, 'utf8')).includes(workdir)) leaks.push(f);
    }
    const registered = JSON.parse(
      await readFile(join(workdir, '.slipway/models/flight-delay/model.json'), 'utf8'),
    );
    if (String(registered.description).includes(workdir)) leaks.push('registered model description');
    expect(leaks).toEqual([]);
    expect(md).toMatch(/pass/i);
    const report = JSON.parse(await readFile(join(workdir, 'out/eval/report.json'), 'utf8'));
    expect(report.verdict).toBe('pass');
    // The audit log verifies independently of the demo, through the CLI.
    const audit = JSON.parse(
      (await run(process.execPath, [cli, 'audit', 'verify', '--json', '--cwd', workdir])).stdout,
    );
    expect(audit.ok).toBe(true);
    expect(audit.entries).toBeGreaterThanOrEqual(4);
  });

  it('--change: compares with the champion, reuses unchanged data, and the canary ends promoted', async () => {
    const s = await runDemo(workdir, ['--change']);
    expect(s.data.changed).toBe(false);
    expect(s.train.cached).toBe(false);
    expect(s.eval.firstRun).toBe(false);
    expect(s.canary.phase).toBe('Healthy');
    expect(s.canary.traffic?.failed).toBe(0);
    expect(s.canary.traffic?.canary).toBeGreaterThan(0);
    const report = JSON.parse(await readFile(join(workdir, 'out/eval/report.json'), 'utf8'));
    expect(report.baseline?.alias).toBe('champion');
    const models = JSON.parse(
      (await run(process.execPath, [cli, 'models', 'show', 'flight-delay', '--json', '--cwd', workdir]))
        .stdout,
    );
    expect(models.aliases.champion).toBe('2');
    // Same inputs again: the training stage is a cache hit.
    const again = await runDemo(workdir, ['--change']);
    expect(again.train.cached).toBe(true);
  });
});

describe('pnpm demo against a real MLflow server', { timeout: 900_000 }, () => {
  let server: MlflowServer | undefined;
  let workdir: string;
  afterAll(async () => {
    await server?.stop();
    if (workdir) await rm(workdir, { recursive: true, force: true });
  });

  it('runs the same pipeline with MLflow as the store (registry aliases included)', async () => {
    server = await startMlflow();
    workdir = await mkdtemp(join(tmpdir(), 'slipway-demo-mlflow-'));
    const s = await runDemo(workdir, [], { SLIPWAY_DEMO_TRACKING_URI: server.url });
    expect(s.eval.verdict).toBe('pass');
    expect(s.audit.ok).toBe(true);
    const res = await fetch(
      `${server.url}/api/2.0/mlflow/registered-models/alias?name=flight-delay&alias=champion`,
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as { model_version: { version: string } }).model_version.version).toBe('1');
  });
});
