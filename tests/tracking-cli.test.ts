// `slipway runs list|show` and `slipway models list|show` on a local store: tables by default (on a TTY
// or piped), JSON with --json, and a clear error for a missing run.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStore } from '@slipway/tracking';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../packages/cli/src/main.js';

async function cli(
  tty: boolean,
  ...argv: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s), isTTY: tty },
    stderr: { write: (s: string) => (stderr += s) },
  } as Parameters<typeof main>[1]);
  return { code, stdout, stderr };
}

describe('slipway runs / models', () => {
  let dir: string;
  let runId: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-cli-tracking-'));
    const store = new LocalStore(join(dir, 'store'));
    const e = await store.getOrCreateExperiment('churn');
    const run = await store.createRun(e.id, { name: 'baseline' });
    runId = run.id;
    await store.logParams(run.id, { lr: 0.05 });
    await store.logMetrics(run.id, [{ key: 'auc', value: 0.8125, timestamp: 1, step: 0 }]);
    await store.logInputs(run.id, [
      { name: 'train', digest: 'abc', sourceType: 'local', source: '{}', context: 'training' },
    ]);
    await store.setRunStatus(run.id, 'FINISHED');
    await store.ensureRegisteredModel('churn', { description: 'churn classifier' });
    await store.createModelVersion('churn', `${run.artifactUri}/model`, { runId: run.id });
    await store.setAlias('churn', 'champion', '1');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists and shows runs', async () => {
    const uri = join(dir, 'store');
    const piped = await cli(false, 'runs', 'list', '--uri', uri, '--cwd', dir, '--json');
    expect(piped.code).toBe(0);
    // Without --json a table, piped or not.
    const pipedTable = await cli(false, 'runs', 'list', '--uri', uri, '--cwd', dir);
    expect(pipedTable.stdout).toMatch(/^RUN\s+EXPERIMENT\s+NAME\s+STATUS/);
    const runs = JSON.parse(piped.stdout);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      id: runId,
      name: 'baseline',
      status: 'FINISHED',
      experiment: 'churn',
      metrics: { auc: 0.8125 },
    });
    const table = await cli(true, 'runs', 'list', '--uri', uri, '--cwd', dir);
    expect(table.stdout).toMatch(/RUN\s+EXPERIMENT\s+NAME\s+STATUS/);
    expect(table.stdout).toContain('auc=0.8125');
    const show = await cli(true, 'runs', 'show', runId, '--uri', uri, '--cwd', dir);
    expect(show.stdout).toContain('lr');
    expect(show.stdout).toMatch(/train\s+abc\s+training/);
    const json = await cli(true, 'runs', 'show', runId, '--uri', uri, '--cwd', dir, '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ id: runId, params: { lr: '0.05' }, artifacts: [] });
    const missing = await cli(false, 'runs', 'show', '0123456789abcdef', '--uri', uri, '--cwd', dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('TRACKING_NOT_FOUND');
    const noExp = await cli(false, 'runs', 'list', '--uri', uri, '--cwd', dir, '--experiment', 'nope');
    expect(noExp.stderr).toMatch(/experiment "nope" does not exist.*\n.*churn/);
  });

  it('lists and shows models with aliases', async () => {
    const uri = join(dir, 'store');
    const list = JSON.parse(
      (await cli(false, 'models', 'list', '--uri', uri, '--cwd', dir, '--json')).stdout,
    );
    expect((await cli(false, 'models', 'list', '--uri', uri, '--cwd', dir)).stdout).toMatch(
      /^MODEL\s+LATEST\s+ALIASES/,
    );
    expect(list).toEqual([
      {
        name: 'churn',
        description: 'churn classifier',
        tags: {},
        aliases: { champion: '1' },
        latestVersion: '1',
      },
    ]);
    expect((await cli(true, 'models', 'list', '--uri', uri, '--cwd', dir)).stdout).toContain('champion→v1');
    const show = await cli(true, 'models', 'show', 'churn', '--uri', uri, '--cwd', dir);
    expect(show.stdout).toMatch(/1\s+champion\s+[0-9a-f]{32}/);
    const piped = await cli(false, 'models', 'show', 'churn', '--uri', uri, '--cwd', dir);
    expect(piped.stdout).toMatch(/^model churn: churn classifier/);
    const json = JSON.parse(
      (await cli(false, 'models', 'show', 'churn', '--uri', uri, '--cwd', dir, '--json')).stdout,
    );
    expect(json.versions).toHaveLength(1);
    expect(json.versions[0]).toMatchObject({ version: '1', runId, aliases: ['champion'] });
  });
});
