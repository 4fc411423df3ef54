// The second example from nothing: `pnpm demo:penguins`, then `pnpm demo:penguins --change` (the MLP
// becomes gradient-boosted trees), on a fresh copy of apps/penguins, checking what they wrote.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { cliEnv, SLIPWAY_BIN } from './support/slipway-cli.js';

const run = promisify(execFile);
const demo = resolve('apps/penguins/scripts/demo.ts');

interface Summary {
  change: boolean;
  data: { changed: boolean };
  validation: { passed: boolean };
  drift: { drifted: boolean; share: number };
  train: { cached: boolean; hash: string; package: string };
  eval: { verdict: string; firstRun: boolean };
  canary: { phase: string; stable?: string; traffic?: { requests: number; failed: number; canary: number } };
  monitor: { name: string; alert: boolean; reasons: string[] }[];
  audit: { ok: boolean; entries: number };
  files: Record<string, string>;
}

async function runDemo(workdir: string, extra: string[] = []): Promise<Summary> {
  const summaryFile = join(workdir, 'summary.json');
  await run(process.execPath, [demo, '--workdir', workdir, '--json-summary', summaryFile, ...extra], {
    env: cliEnv(),
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
  });
  return JSON.parse(await readFile(summaryFile, 'utf8')) as Summary;
}

const slipway = async <T>(workdir: string, ...args: string[]): Promise<T> =>
  JSON.parse(
    (await run(process.execPath, [SLIPWAY_BIN, ...args, '--json', '--cwd', workdir], { env: cliEnv() }))
      .stdout,
  );

describe('pnpm demo:penguins (multiclass, embedded store)', () => {
  let workdir: string;
  let firstAuditEntries = 0;
  afterAll(async () => {
    if (workdir) await rm(workdir, { recursive: true, force: true });
  });

  it('first run: prepares the splits, passes the multiclass gates, promotes v1, and monitoring finds Torgersen', async () => {
    workdir = await mkdtemp(join(tmpdir(), 'slipway-demo-penguins-'));
    const s = await runDemo(workdir);
    expect(s.data.changed).toBe(true);
    expect(s.validation.passed).toBe(true);
    expect(s.train.cached).toBe(false);
    expect(s.eval).toEqual({ verdict: 'pass', firstRun: true });
    expect(s.canary.phase).toBe('first-release');
    expect(s.audit.ok).toBe(true);
    firstAuditEntries = s.audit.entries;
    for (const f of [
      'eval/report.md',
      'eval/report.html',
      'eval/report.json',
      'card/MODEL_CARD.md',
      'card/model_card.json',
      'drift.html',
      'monitor/recent/monitor.html',
      'monitor/torgersen/monitor.json',
    ]) {
      expect(existsSync(join(workdir, 'out', f)), f).toBe(true);
    }
    // The four splits, all 344 penguins, with Torgersen island held out whole.
    for (const f of ['train', 'eval', 'monitor-recent', 'monitor-torgersen'])
      expect(existsSync(join(workdir, 'data', `${f}.parquet`)), f).toBe(true);

    const report = JSON.parse(await readFile(join(workdir, 'out/eval/report.json'), 'utf8'));
    expect(report.task).toBe('multiclass');
    expect(report.verdict).toBe('pass');
    const accuracy = report.metrics.find((m: { name: string }) => m.name === 'accuracy');
    expect(accuracy.candidate).toBeGreaterThanOrEqual(0.85);
    expect(report.perClass.map((p: { label: string }) => p.label).sort()).toEqual([
      'Adelie',
      'Chinstrap',
      'Gentoo',
    ]);
    // One of the 59 eval penguins has no recorded sex: imputed, and the report says so.
    expect(report.missingValues.features.find((f: { column: string }) => f.column === 'sex')?.nulls).toBe(1);

    const card = await readFile(join(workdir, 'out/card/MODEL_CARD.md'), 'utf8');
    expect(card).toContain('# Model card: penguins v1');
    expect(card).toContain('Torgersen island is never seen in training');

    // The window drifted on purpose alerts; the one drawn like the training data does not.
    const byName = Object.fromEntries(s.monitor.map((w) => [w.name, w]));
    expect(Object.keys(byName)).toEqual(['recent', 'torgersen']);
    expect(byName.recent?.alert, byName.recent?.reasons.join('; ')).toBe(false);
    expect(byName.torgersen?.alert).toBe(true);
    expect(byName.torgersen?.reasons.join('\n')).toMatch(/dataset drift/);
    const torgersen = JSON.parse(await readFile(join(workdir, 'out/monitor/torgersen/monitor.json'), 'utf8'));
    expect(torgersen.window.rows).toBe(52);
    expect(torgersen.drift.columns.find((c: { column: string }) => c.column === 'island')?.drifted).toBe(
      true,
    );
  });

  it('--change: trees are compared with the MLP champion, promoted, and rolled out as a canary', async () => {
    const s = await runDemo(workdir, ['--change']);
    expect(s.change).toBe(true);
    expect(s.data.changed).toBe(false);
    expect(s.train.cached).toBe(false);
    // The demo prints paths relative to its working directory, which is this test's.
    expect(existsSync(join(resolve(s.train.package), 'trees.json'))).toBe(true);
    expect(s.eval).toEqual({ verdict: 'pass', firstRun: false });
    const report = JSON.parse(await readFile(join(workdir, 'out/eval/report.json'), 'utf8'));
    expect(report.baseline).toMatchObject({ name: 'penguins', version: '1', alias: 'champion' });
    for (const m of report.metrics as { name: string; delta: number | null; deltaCi: unknown }[]) {
      expect(Number.isFinite(m.delta), m.name).toBe(true);
      expect(m.deltaCi, m.name).not.toBeNull();
    }
    expect(s.canary.phase).toBe('Healthy');
    expect(s.canary.traffic?.failed).toBe(0);
    expect(s.canary.traffic?.canary).toBeGreaterThan(0);
    const models = await slipway<{ aliases: Record<string, string> }>(workdir, 'models', 'show', 'penguins');
    expect(models.aliases.champion).toBe('2');
    const audit = await slipway<{ ok: boolean; entries: number }>(workdir, 'audit', 'verify');
    expect(audit.ok).toBe(true);
    expect(audit.entries).toBeGreaterThan(firstAuditEntries);
  });
});
