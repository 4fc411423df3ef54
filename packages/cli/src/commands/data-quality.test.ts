import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../main.js';

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

function rows(n: number, shift: number): string {
  const out = ['amount,channel'];
  for (let i = 0; i < n; i++) {
    const x = ((i * 7919) % 1000) / 10 + shift;
    out.push(`${x},${i % 3 === 0 ? 'web' : shift > 0 ? 'store' : 'app'}`);
  }
  return `${out.join('\n')}\n`;
}

describe('slipway data (quality)', () => {
  it('infers a schema, validates, profiles, merges and checks drift with exit codes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-cli-dq-'));
    await writeFile(join(dir, 'train.csv'), rows(600, 0));
    await writeFile(join(dir, 'same.csv'), rows(500, 0));
    await writeFile(join(dir, 'moved.csv'), rows(500, 40));

    const infer = await cli('data', 'schema', 'infer', 'train.csv', '--cwd', dir);
    expect(infer.code).toBe(0);
    expect(infer.stdout).toContain('channel: string in {app, web}');
    const schema = JSON.parse(await readFile(join(dir, 'schema.json'), 'utf8'));
    expect(schema.schema).toBe('slipway.data-schema/v1');

    expect((await cli('data', 'validate', 'same.csv', '--cwd', dir)).code).toBe(0);
    const invalid = await cli('data', 'validate', 'moved.csv', '--cwd', dir, '--json');
    expect(invalid.code).toBe(1);
    const report = JSON.parse(invalid.stdout);
    expect(report.anomalies.map((a: { expectation: string }) => a.expectation)).toEqual([
      'expect_column_values_to_be_between',
      'expect_column_values_to_be_in_set',
    ]);

    expect((await cli('data', 'profile', 'train.csv', '--out', 'a.json', '--cwd', dir)).code).toBe(0);
    expect((await cli('data', 'profile', 'same.csv', '--out', 'b.json', '--cwd', dir)).code).toBe(0);
    const merged = await cli(
      'data',
      'profile',
      'merge',
      'a.json',
      'b.json',
      '--out',
      'ab.json',
      '--cwd',
      dir,
    );
    expect(merged.code).toBe(0);
    expect(merged.stdout).toContain('(1100 rows, 2 columns)');

    const ok = await cli('data', 'drift', '--reference', 'a.json', '--current', 'same.csv', '--cwd', dir);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('no dataset drift');
    const drift = await cli(
      'data',
      'drift',
      '--reference',
      'train.csv',
      '--current',
      'moved.csv',
      '--cwd',
      dir,
      '--markdown',
      'drift.md',
      '--html',
      'drift.html',
      '--out',
      'drift.json',
      '--json',
    );
    expect(drift.code).toBe(1);
    const json = JSON.parse(drift.stdout);
    expect(json).toMatchObject({ schema: 'slipway.drift-report/v1', drifted: true, share: 1 });
    expect(json.columns.map((c: { method: string }) => c.method)).toEqual(['ks', 'chisquare']);
    expect(await readFile(join(dir, 'drift.md'), 'utf8')).toContain('Dataset drift detected');
    expect(await readFile(join(dir, 'drift.html'), 'utf8')).toContain('<svg');
    expect(JSON.parse(await readFile(join(dir, 'drift.json'), 'utf8')).drifted).toBe(true);
  });

  it('takes per-column overrides and the share threshold from the drift section of the config', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-cli-dq-'));
    await writeFile(join(dir, 'train.csv'), rows(600, 0));
    await writeFile(join(dir, 'moved.csv'), rows(500, 40));
    await writeFile(
      join(dir, 'slipway.config.ts'),
      `export default {
  project: { name: 'dq', owners: [] },
  data: { train: 'train.csv', eval: 'moved.csv', label: 'channel' },
  features: [{ column: 'amount', transform: 'standardize' }],
  model: { task: 'binary', type: 'mlp', hidden: [4] },
  drift: { shareThreshold: 1, columns: { amount: { method: 'psi', threshold: 1000 } } },
};
`,
    );
    const r = await cli(
      'data',
      'drift',
      '--reference',
      'train.csv',
      '--current',
      'moved.csv',
      '--cwd',
      dir,
      '--json',
    );
    const json = JSON.parse(r.stdout);
    expect(json.columns[0]).toMatchObject({
      column: 'amount',
      method: 'psi',
      methodSource: 'config:column',
      drifted: false,
    });
    // In a project only the features are tested: the label is listed, not counted as drift.
    expect(json).toMatchObject({ shareThreshold: 1, share: 0, testedCount: 1, drifted: false });
    expect(json.skipped).toEqual([
      { column: 'channel', reason: 'the label (data.label), not a model input' },
    ]);
    // Sources relative to the project, never the machine's path.
    expect(json.reference.source).toBe('train.csv');
    expect(r.code).toBe(0);
  });

  it('explains bad input instead of crashing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-cli-dq-'));
    await writeFile(join(dir, 'ragged.csv'), 'a,b\n1,2\n3\n');
    const ragged = await cli('data', 'profile', 'ragged.csv', '--cwd', dir);
    expect(ragged.code).toBe(2);
    expect(ragged.stderr).toContain('line 3 has 1 fields, but the header (line 1) has 2');
    expect(ragged.stderr).not.toMatch(/\n\s+at /);
    const missing = await cli('data', 'drift', '--reference', 'nope.csv', '--cwd', dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--current is required');
    await writeFile(join(dir, 'p.json'), '{"schema":"other"}');
    const bad = await cli('data', 'profile', 'merge', 'p.json', '--cwd', dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('p.json: not a Slipway profile (other)');
  });

  it("schema infer and validate use the config's data.schema and data.id, and store a relative source", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-cli-dq-project-'));
    await writeFile(
      join(dir, 'slipway.config.mjs'),
      `export default { project: { name: 'p' }, data: { train: 'train.csv', eval: 'later.csv', label: 'channel', id: 'ref', schema: 'checks/schema.json' }, features: [{ column: 'amount', transform: 'standardize' }], model: { task: 'multiclass' } };\n`,
    );
    const withRef = (text: string, from: number) =>
      text
        .trimEnd()
        .split('\n')
        .map((l, i) => (i === 0 ? `ref,${l}` : `${from + i},${l}`))
        .join('\n');
    await writeFile(join(dir, 'train.csv'), `${withRef(rows(600, 0), 0)}\n`);
    await writeFile(join(dir, 'later.csv'), `${withRef(rows(300, 0), 5000)}\n`);
    const inferred = await cli('data', 'schema', 'infer', 'train.csv', '--cwd', dir, '--json');
    expect(inferred.code, inferred.stderr).toBe(0);
    const written = JSON.parse(await readFile(join(dir, 'checks', 'schema.json'), 'utf8'));
    expect(written.source).toBe('train.csv');
    expect(written.columns.find((c: { name: string }) => c.name === 'ref').range).toBeUndefined();
    // New ids (5001…) and the same distribution: valid, against checks/schema.json without --schema.
    const valid = await cli('data', 'validate', 'later.csv', '--cwd', dir, '--json');
    expect(valid.code, valid.stdout).toBe(0);
    expect(JSON.parse(valid.stdout).success).toBe(true);
  });
});
