import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
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
