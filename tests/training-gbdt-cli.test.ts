// The tree family through the CLI: `slipway train` with model.type 'gbdt' writes a trees.json package,
// `slipway predict` scores with it, `slipway eval` explains it with TreeSHAP, and the built `slipway serve`
// answers /predict with the same numbers.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readTable } from '@slipway/data';
import { loadModelPackage } from '@slipway/training';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../packages/cli/src/main.js';
import { makeProject } from '../packages/training/src/project.fixture.js';

const BIN = resolve('packages/cli/dist/bin.js');
let serve: ChildProcess | null = null;
const dirs: string[] = [];

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

afterAll(async () => {
  if (serve && serve.exitCode === null) serve.kill('SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('slipway train / predict / serve with gradient-boosted trees', () => {
  it('trains a tree package that predict and serve both use', async () => {
    const p = await makeProject({
      config: {
        model: { task: 'binary', type: 'gbdt', gbdt: { iterations: 40, maxLeaves: 8, minSamplesLeaf: 5 } },
      },
    });
    dirs.push(p.dir);
    const trained = await cli('train', '--cwd', p.dir, '--json');
    expect(trained.code, trained.stderr).toBe(0);
    const { packageDir, backend } = JSON.parse(trained.stdout) as { packageDir: string; backend: string };
    // Trees never touch tfjs: the result and the lineage name what really trained them.
    expect(backend).toBe('typescript');
    const lineage = JSON.parse(await readFile(join(packageDir, 'lineage.json'), 'utf8')) as {
      backend: string;
    };
    expect(lineage.backend).toBe('typescript');
    const manifest = JSON.parse(await readFile(join(packageDir, 'manifest.json'), 'utf8')) as {
      files: { path: string }[];
    };
    expect(manifest.files.map((f) => f.path)).toContain('trees.json');
    expect(manifest.files.map((f) => f.path)).not.toContain('weights.bin');

    const predicted = await cli(
      'predict',
      '--cwd',
      p.dir,
      '--model',
      packageDir,
      '--input',
      'eval.csv',
      '--output',
      'scored.parquet',
      '--json',
    );
    expect(predicted.code, predicted.stderr).toBe(0);
    expect(JSON.parse(predicted.stdout)).toMatchObject({ rows: 100, columns: ['prediction', 'probability'] });
    const scored = await readTable(join(p.dir, 'scored.parquet'));
    const probability = scored.columns.find((c) => c.name === 'probability')!.values as Float64Array;
    const pkg = await loadModelPackage(packageDir);
    const direct = await pkg.predictTable(await readTable(join(p.dir, 'eval.csv')));
    expect(Array.from(probability)).toEqual(Array.from(direct.values));

    const evaluated = await cli(
      'eval',
      '--cwd',
      p.dir,
      '--candidate',
      packageDir,
      '--out',
      'report',
      '--json',
    );
    expect([0, 1], evaluated.stderr).toContain(evaluated.code);
    const report = JSON.parse(await readFile(join(p.dir, 'report', 'report.json'), 'utf8')) as {
      notes: string[];
      explanations: { feature: string; meanAbsShap: number | null }[];
    };
    expect(report.notes.join('\n')).toMatch(/exact TreeSHAP .*raw score \(log-odds\) for 20 rows/);
    expect(report.explanations.map((e) => e.feature).sort()).toEqual(['cat', 'when', 'x1', 'x2']);
    expect(report.explanations[0]!.meanAbsShap).toBeGreaterThan(0);

    serve = spawn(process.execPath, [BIN, 'serve', packageDir, '--port', '0', '--json', '--cwd', p.dir], {
      env: { ...process.env, SLIPWAY_TRACKING_URI: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    serve.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const url = await new Promise<string>((ok, fail) => {
      let out = '';
      serve!.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        try {
          ok((JSON.parse(out) as { url: string }).url);
        } catch {}
      });
      serve!.once('exit', (code) => fail(new Error(`serve exited with ${code}: ${stderr}`)));
    });
    const evalRows = (await readFile(join(p.dir, 'eval.csv'), 'utf8')).trim().split('\n');
    const header = evalRows[0]!.split(',');
    const rows = evalRows.slice(1, 6).map((line) => {
      const cells = line.split(',');
      return Object.fromEntries(
        header.map((h, i) => [
          h,
          h === 'cat' || h === 'when' ? cells[i] : cells[i] === '' ? null : Number(cells[i]),
        ]),
      );
    });
    const r = await fetch(`${url}/predict`, { method: 'POST', body: JSON.stringify({ rows }) });
    expect(r.status, await r.clone().text()).toBe(200);
    const body = (await r.json()) as { predictions: number[]; labels: number[] };
    expect(body.predictions).toEqual(Array.from(direct.values.subarray(0, 5)));
    expect(body.labels).toEqual(body.predictions.map((v) => (v >= 0.5 ? 1 : 0)));
    // OIP model metadata names the family that answers.
    const served = await loadModelPackage(packageDir);
    const meta = (await (await fetch(`${url}/v2/models/${served.signature.name}`)).json()) as {
      platform: string;
    };
    expect(meta.platform).toBe('slipway_gbdt');
  });
});
