import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
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
      ]),
    );
    expect(existsSync(join(dir, 'data'))).toBe(true);
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toContain('.slipway/');
    const second = await cli('init', '--cwd', dir, '--json');
    expect(JSON.parse(second.stdout).skipped).toContain('slipway.config.ts');
    const doctor = await cli('doctor', '--cwd', dir, '--json');
    const report = JSON.parse(doctor.stdout);
    expect(report.checks.find((c: { name: string }) => c.name === 'config').status).toBe('ok');
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
});
