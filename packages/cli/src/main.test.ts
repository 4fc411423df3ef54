import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from './main.js';

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

describe('slipway CLI', () => {
  it('lists only real verbs in --help', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('init');
    expect(stdout).toContain('doctor');
    expect(stdout).toContain('config print');
  });

  it('suggests the verb meant by an unknown one', async () => {
    const { code, stderr } = await cli('doctr');
    expect(code).toBe(2);
    expect(stderr).toContain('error[CLI_UNKNOWN_COMMAND]: unknown command "doctr" (did you mean "doctor"?)');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('suggests the flag meant by an unknown one', async () => {
    const { code, stderr } = await cli('init', '--jsn');
    expect(code).toBe(2);
    expect(stderr).toContain('unknown option "--jsn" (did you mean "--json"?)');
  });

  it('rejects a --cwd that does not exist', async () => {
    const { code, stderr } = await cli('doctor', '--cwd', join(tmpdir(), 'slipway-no-such-dir-42'));
    expect(code).toBe(2);
    expect(stderr).toMatch(/error\[CLI_BAD_CWD\]: --cwd .*slipway-no-such-dir-42: does not exist/);
  });

  it('prints a JSON error on stdout with --json', async () => {
    const { stdout } = await cli(
      'config',
      'print',
      '--json',
      '--cwd',
      await mkdtemp(join(tmpdir(), 'slipway-')),
    );
    expect(JSON.parse(stdout)).toMatchObject({ error: { code: 'CONFIG_NOT_FOUND' } });
  });

  it('init scaffolds a project that doctor accepts, and never overwrites', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-init-'));
    const first = await cli('init', '--cwd', dir, '--json');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).created).toEqual(
      expect.arrayContaining([
        'slipway.config.ts',
        'slipway.policy.yaml',
        '.github/workflows/slipway.yml',
        '.gitignore',
        'data/train.csv',
        'data/eval.csv',
        'data/README.md',
      ]),
    );
    const gitignore = (await readFile(join(dir, '.gitignore'), 'utf8')).split('\n');
    expect(gitignore).toEqual(expect.arrayContaining(['node_modules/', '.slipway/', 'slipway-out/']));
    expect(await readFile(join(dir, 'data/README.md'), 'utf8')).toMatch(/vega-datasets[\s\S]*CC0/);
    const policy = await readFile(join(dir, 'slipway.policy.yaml'), 'utf8');
    expect(policy).toMatch(/"@local" is whoever runs slipway on their own machine/);
    expect(policy).toMatch(/In GitHub Actions the identity is the GitHub login/);
    // No lockfile, no packageManager: npm.
    expect(await readFile(join(dir, '.github/workflows/slipway.yml'), 'utf8')).toContain(
      'install-command: "npm ci"',
    );
    const second = await cli('init', '--cwd', dir, '--json');
    expect(JSON.parse(second.stdout).skipped).toContain('slipway.config.ts');
    const doctor = await cli('doctor', '--cwd', dir, '--json');
    const report = JSON.parse(doctor.stdout) as { checks: { name: string; status: string; fix?: string }[] };
    const status = Object.fromEntries(report.checks.map((c) => [c.name, c.status]));
    expect(status).toMatchObject({
      config: 'ok',
      'data train': 'ok',
      'data eval': 'ok',
      schema: 'warn',
      'policy grants': 'ok',
    });
    expect(report.checks.find((c) => c.name === 'schema')!.fix).toBe(
      'run `slipway data schema infer data/train.csv --out schema.json`',
    );
    expect(doctor.code).toBe(0);
    const printed = await cli('config', 'print', '--cwd', dir, '--json');
    expect(JSON.parse(printed.stdout).config.training.seed).toBe(42);
  });

  it('takes global options anywhere on the line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-'));
    const before = await cli('--json', '--cwd', dir, 'config', 'print');
    const after = await cli('config', 'print', '--cwd', dir, '--json');
    expect(before.code).toBe(2);
    expect(JSON.parse(before.stdout)).toEqual(JSON.parse(after.stdout));
    expect(JSON.parse(before.stdout)).toMatchObject({ error: { code: 'CONFIG_NOT_FOUND' } });
    const between = await cli('config', '--json', 'print', '--cwd', dir);
    expect(JSON.parse(between.stdout)).toMatchObject({ error: { code: 'CONFIG_NOT_FOUND' } });
  });

  it("`slipway help <verb>` prints that verb's options", async () => {
    const viaHelp = await cli('help', 'data', 'add');
    const viaFlag = await cli('data', 'add', '--help');
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toContain('slipway data add');
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    const unknown = await cli('help', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "nope"');
  });

  it("`slipway <group> --help` lists the group's verbs, and a bare group says what it has", async () => {
    const { code, stdout } = await cli('data', '--help');
    expect(code).toBe(0);
    for (const verb of ['data add', 'data status', 'data schema infer', 'data validate', 'data drift'])
      expect(stdout).toContain(verb);
    expect(stdout).not.toContain('models list');
    const help = await cli('help', 'models');
    expect(help.stdout).toContain('models list');
    const bare = await cli('data');
    expect(bare.code).toBe(2);
    expect(bare.stderr).not.toContain('did you mean "data"');
    expect(bare.stderr).toContain('"data" has: data add');
  });

  it('init writes the workflow for the package manager the repository uses', async () => {
    for (const [file, content, expected] of [
      [
        'pnpm-lock.yaml',
        "lockfileVersion: '9.0'\n",
        /npx --yes pnpm@\d+\.\d+\.\d+ install --frozen-lockfile/,
      ],
      ['package.json', '{"packageManager":"pnpm@12.4.2+sha512.abc"}', /npx --yes pnpm@12\.4\.2 install/],
      ['package-lock.json', '{}', /"npm ci"/],
      ['yarn.lock', '', /yarn install --immutable/],
    ] as const) {
      const dir = await mkdtemp(join(tmpdir(), 'slipway-init-pm-'));
      await writeFile(join(dir, file), content);
      const r = await cli('init', '--cwd', dir, '--json');
      expect(r.code).toBe(0);
      expect(await readFile(join(dir, '.github/workflows/slipway.yml'), 'utf8')).toMatch(expected);
    }
  });

  it('init writes slipway.config.mts in a CommonJS package (npm init), and it loads', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-init-cjs-'));
    await writeFile(join(dir, 'package.json'), '{"name":"x","type":"commonjs"}');
    const r = await cli('init', '--cwd', dir, '--json');
    expect(JSON.parse(r.stdout).created).toContain('slipway.config.mts');
    const printed = await cli('config', 'print', '--cwd', dir, '--json');
    expect(printed.code).toBe(0);
    expect(JSON.parse(printed.stdout).config.data.label).toBe('male');
  });

  it('doctor fails on missing data and wrong columns, names each fix, and takes --config', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-doctor-'));
    expect((await cli('init', '--cwd', dir, '--example', 'none')).code).toBe(0);
    const bare = await cli('doctor', '--cwd', dir, '--json');
    expect(bare.code).toBe(1);
    const checks = (JSON.parse(bare.stdout) as { checks: { name: string; status: string; fix?: string }[] })
      .checks;
    expect(checks.find((c) => c.name === 'data train')).toMatchObject({
      status: 'fail',
      fix: 'put your train split at data/train.csv, or point data.train in slipway.config.ts at it',
    });
    await writeFile(join(dir, 'data/train.csv'), 'y,z\n1,2\n');
    await writeFile(join(dir, 'data/eval.csv'), 'y,z\n1,2\n');
    const human = await cli('doctor', '--cwd', dir);
    expect(human.stdout).toMatch(
      /✖ data train\s+data\/train\.csv: has no label column "label"; lacks feature column\(s\) x/,
    );
    expect(human.stdout).toContain('fix: name the label in data.label');
    expect(human.stdout).toContain('Some checks failed.');
    // --config: another file, here one whose policy does not grant the local user.
    await writeFile(
      join(dir, 'other.policy.yaml'),
      'version: 1\nroles:\n  r: { members: [alice] }\ngrants:\n  - { role: r, models: "*", actions: [register] }\n',
    );
    const config = (await readFile(join(dir, 'slipway.config.ts'), 'utf8'))
      .replace("label: 'label'", "label: 'y'")
      .replace("column: 'x'", "column: 'z'")
      .replace('  eval: {', "  governance: { policy: 'other.policy.yaml' },\n  eval: {")
      .replace(/^import type .*$/m, '')
      .replace(' satisfies SlipwayConfigInput', '');
    await writeFile(join(dir, 'other.config.mjs'), config);
    const other = await cli('doctor', '--cwd', dir, '--config', 'other.config.mjs', '--json');
    const byName = Object.fromEntries(
      (JSON.parse(other.stdout) as { checks: { name: string; status: string; fix?: string }[] }).checks.map(
        (c) => [c.name, c],
      ),
    );
    expect(byName['data train']?.status, other.stdout).toBe('ok');
    expect(byName['policy grants']).toMatchObject({
      status: 'warn',
      fix: 'add "@local" to the members of a role granted register and promote:champion in other.policy.yaml',
    });
    expect((await cli('doctor', '--cwd', dir, '--config', 'nope.ts')).code).toBe(1);
  });

  it('eval and register default to the last trained package, and say so when there is none', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-defaults-'));
    expect((await cli('init', '--cwd', dir)).code).toBe(0);
    for (const verb of [['eval'], ['register']]) {
      const r = await cli(...verb, '--cwd', dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('nothing trained yet (slipway.lock has no train stage)');
      expect(r.stderr).toContain('hint: run `slipway train` first');
    }
  });
});
