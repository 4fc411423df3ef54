// `slipway train` on the example project, then `slipway predict` in a fresh process (the built CLI):
// the package loads there and predicts exactly what the training process predicts.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { SlipwayConfig } from '@slipway/core';
import { connect, readTable, sqlString } from '@slipway/data';
import { loadModelPackage } from '@slipway/training';
import { describe, expect, it } from 'vitest';
import { prepare, SPLITS } from '../apps/flight-delay/scripts/prepare.ts';
import { main } from '../packages/cli/src/main.js';

const run = promisify(execFile);
const app = resolve('apps/flight-delay');

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

describe('slipway train + predict on apps/flight-delay', () => {
  it('trains, reuses, and predicts identically in a fresh process', async () => {
    // The example's resolved config, read through the built CLI (its config module imports @slipway/core).
    const printed = await run('pnpm', ['--silent', 'slipway', 'config', 'print', '--cwd', app, '--json'], {
      cwd: process.cwd(),
    });
    const { config } = JSON.parse(printed.stdout) as { config: SlipwayConfig };
    // A fresh clone has no data/ yet (it is built from vega-datasets, deterministically).
    if (!Object.values(SPLITS).every((s) => existsSync(join(app, 'data', s.file))))
      await prepare(join(app, 'data'));
    const dir = await mkdtemp(join(tmpdir(), 'slipway-flight-'));
    // Made smaller so the test stays quick: 40k sampled rows, 1 epoch.
    const small = {
      ...config,
      data: {
        ...config.data,
        train: join(app, config.data.train),
        eval: join(app, config.data.eval),
        monitor: {},
        schema: undefined,
      },
      training: { ...config.training, maxRows: 40_000, epochs: 1 },
      tracking: { uri: join(dir, 'store') },
    };
    await writeFile(join(dir, 'slipway.config.mjs'), `export default ${JSON.stringify(small)};\n`);

    const first = await cli('train', '--cwd', dir, '--json');
    expect(first.code, first.stderr).toBe(0);
    const trained = JSON.parse(first.stdout) as {
      packageDir: string;
      cached: boolean;
      metrics: Record<string, number>;
    };
    expect(trained.cached).toBe(false);
    expect(trained.metrics.val_auc).toBeGreaterThan(0.6);
    const again = JSON.parse((await cli('train', '--cwd', dir, '--json')).stdout) as { cached: boolean };
    expect(again.cached).toBe(true);

    const input = join(dir, 'sample.parquet');
    const c = await connect();
    await c.run(
      `COPY (SELECT * FROM read_parquet(${sqlString(small.data.eval)}) ORDER BY id LIMIT 3000) TO ${sqlString(input)} (FORMAT parquet)`,
    );
    c.closeSync();
    const output = join(dir, 'pred.parquet');
    const fresh = await run(
      'pnpm',
      [
        '--silent',
        'slipway',
        'predict',
        '--model',
        trained.packageDir,
        '--input',
        input,
        '--output',
        output,
        '--json',
      ],
      { cwd: process.cwd() },
    );
    expect(JSON.parse(fresh.stdout)).toMatchObject({ rows: 3000, columns: ['prediction', 'probability'] });

    const pkg = await loadModelPackage(trained.packageDir);
    const here = await pkg.predictTable(await readTable(input));
    const written = await readTable(output);
    const probability = written.columns.find((col) => col.name === 'probability')!;
    expect(Array.from(probability.values as Float64Array)).toEqual(Array.from(here.values));
    pkg.dispose();
  });
});
