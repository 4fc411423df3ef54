// `slipway train` / `slipway predict` through the CLI entry point: JSON output, the stage cache, a
// registry alias as --model, and user errors printed without a stack trace.
import { join } from 'node:path';
import { readTable } from '@slipway/data';
import { LocalStore } from '@slipway/tracking';
import { describe, expect, it } from 'vitest';
import { main } from '../packages/cli/src/main.js';
import { makeProject } from '../packages/training/src/project.fixture.js';

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

describe('slipway train / predict', () => {
  it('trains, reuses, and predicts through a registry alias', async () => {
    const p = await makeProject({ config: { tracking: { uri: 'store' } } });
    const first = await cli('train', '--cwd', p.dir, '--json');
    expect(first.code, first.stderr).toBe(0);
    const trained = JSON.parse(first.stdout) as { packageDir: string; runId: string; cached: boolean };
    expect(trained.cached).toBe(false);
    const second = await cli('train', '--cwd', p.dir);
    expect(second.stdout).toContain('Inputs unchanged since the last train; use --force to retrain.');
    const forced = JSON.parse((await cli('train', '--cwd', p.dir, '--force', '--json')).stdout) as {
      cached: boolean;
    };
    expect(forced.cached).toBe(false);

    const store = new LocalStore(join(p.dir, 'store'));
    await store.ensureRegisteredModel('fixture');
    const version = await store.createModelVersion('fixture', trained.packageDir, { runId: trained.runId });
    await store.setAlias('fixture', 'champion', version.version);
    await store.close();

    const out = join(p.dir, 'scored.csv');
    const predicted = await cli(
      'predict',
      '--cwd',
      p.dir,
      '--model',
      'champion',
      '--input',
      'eval.csv',
      '--output',
      'scored.csv',
      '--json',
    );
    expect(predicted.code, predicted.stderr).toBe(0);
    expect(JSON.parse(predicted.stdout)).toMatchObject({ rows: 100, columns: ['prediction', 'probability'] });
    const scored = await readTable(out);
    expect(scored.columns.map((c) => c.name)).toEqual([
      'x1',
      'x2',
      'cat',
      'when',
      'label',
      'prediction',
      'probability',
    ]);

    const missing = await cli(
      'predict',
      '--cwd',
      p.dir,
      '--model',
      'fixture@nope',
      '--input',
      'eval.csv',
      '--output',
      'x.csv',
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('model "fixture" has no alias "nope"');
  });

  it('prints bad input as an error with a hint, not a stack trace', async () => {
    const p = await makeProject();
    const bad = await cli('train', '--cwd', p.dir, '--backend', 'wsam');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown backend "wsam" (did you mean "wasm"?)');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
