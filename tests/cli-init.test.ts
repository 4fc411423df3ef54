import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

// The README's promise, through the real entry point: the built bin under `pnpm slipway`.
describe('pnpm slipway init + doctor', () => {
  it('scaffolds an empty directory that doctor then accepts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-e2e-init-'));
    const init = await run('pnpm', ['--silent', 'slipway', 'init', '--cwd', dir], { cwd: process.cwd() });
    expect(init.stdout).toContain('created  slipway.config.ts');
    const doctor = await run('pnpm', ['--silent', 'slipway', 'doctor', '--cwd', dir, '--json'], {
      cwd: process.cwd(),
    });
    const report = JSON.parse(doctor.stdout) as { ok: boolean; checks: { name: string; status: string }[] };
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(['node', 'config', 'tfjs backends', 'tracking']),
    );
  });
});

describe('the scaffold learns its sample data', () => {
  it('init → schema infer → validate → train → eval passes its default gates on the first run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-e2e-first-eval-'));
    const slipway = (...args: string[]) =>
      run('pnpm', ['--silent', 'slipway', ...args, '--cwd', dir], { cwd: process.cwd() });
    await slipway('init');
    await slipway('data', 'schema', 'infer', 'data/train.csv');
    const valid = await slipway('data', 'validate', 'data/eval.csv', '--json');
    expect(JSON.parse(valid.stdout)).toMatchObject({ success: true, anomalies: [] });
    const trained = JSON.parse((await slipway('train', '--json')).stdout) as { packageDir: string };
    const evaluated = await slipway('eval', '--json');
    const report = JSON.parse(evaluated.stdout) as {
      verdict: string;
      report: { metrics: { name: string; candidate: number }[] };
    };
    expect(report.verdict).toBe('pass');
    expect(report.report.metrics.find((m) => m.name === 'roc_auc')!.candidate).toBeGreaterThan(0.9);
    // `card` right after `eval` finds the report eval wrote in the output root, without a flag.
    const card = JSON.parse((await slipway('card', trained.packageDir, '--json')).stdout) as {
      markdown: string;
      missing: { field: string }[];
    };
    expect(card.markdown).toBe(join(dir, 'slipway-out', 'card', 'MODEL_CARD.md'));
    expect(card.missing.map((m) => m.field)).not.toContain('evaluation');
  });
});

describe('the scaffold learns the data a user brings', () => {
  it('one informative feature (a logistic model reaches AUC ≈ 0.86): the first eval passes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-e2e-own-data-'));
    const slipway = (...args: string[]) =>
      run('pnpm', ['--silent', 'slipway', ...args, '--cwd', dir], { cwd: process.cwd() });
    await slipway('init', '--example', 'none');
    // Seeded: x ~ N(0, 1) by Box-Muller, label ~ Bernoulli(sigmoid(2x)).
    let state = 42;
    const rand = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return (state + 0.5) / 2 ** 31;
    };
    const rows = (n: number) =>
      Array.from({ length: n }, () => {
        const x = Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand());
        return `${x.toFixed(4)},${rand() < 1 / (1 + Math.exp(-2 * x)) ? 1 : 0}`;
      });
    await writeFile(join(dir, 'data/train.csv'), `x,label\n${rows(2000).join('\n')}\n`);
    await writeFile(join(dir, 'data/eval.csv'), `x,label\n${rows(1000).join('\n')}\n`);
    await slipway('train');
    const evaluated = JSON.parse((await slipway('eval', '--json')).stdout) as {
      verdict: string;
      report: { metrics: { name: string; candidate: number }[] };
    };
    expect(evaluated.verdict).toBe('pass');
    expect(evaluated.report.metrics.find((m) => m.name === 'roc_auc')!.candidate).toBeGreaterThan(0.8);
  });
});

describe('Node version', () => {
  it('an older Node gets one line and exit 2, before any dependency loads', async () => {
    // Node 20 as the process sees it; the bin must stop before importing undici and the rest.
    const pretend = `data:text/javascript,Object.defineProperty(process.versions,'node',{value:'20.11.1'})`;
    const err = await run(process.execPath, ['--import', pretend, 'packages/cli/dist/bin.js', 'doctor'], {
      cwd: process.cwd(),
    }).then(
      () => null,
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(err?.code).toBe(2);
    expect(err?.stdout).toBe('');
    expect(err?.stderr).toBe(
      'error[NODE_TOO_OLD]: slipway needs Node 22 or newer; this is Node 20.11.1 (install Node 24 LTS: https://nodejs.org)\n',
    );
  });
});
