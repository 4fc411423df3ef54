import { fork } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic, writeJsonAtomic } from './atomic.js';
import { withDirectoryLock } from './lock.js';

describe('writeFileAtomic', () => {
  it('replaces content and leaves no temp files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-atomic-'));
    const file = join(dir, 'a.json');
    await writeJsonAtomic(file, { v: 1 });
    await writeJsonAtomic(file, { v: 2 });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ v: 2 });
    expect(await readdir(dir)).toEqual(['a.json']);
  });

  it('streams an async iterable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-atomic-'));
    async function* chunks() {
      yield 'a';
      yield new Uint8Array([98]);
    }
    await writeFileAtomic(join(dir, 'b'), chunks());
    expect(await readFile(join(dir, 'b'), 'utf8')).toBe('ab');
  });

  it('keeps the old file when the new content fails midway', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-atomic-'));
    const file = join(dir, 'c');
    await writeFile(file, 'old');
    async function* failing() {
      yield 'new';
      throw new Error('boom');
    }
    await expect(writeFileAtomic(file, failing())).rejects.toThrow();
    expect(await readFile(file, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['c']);
  });
});

describe('withDirectoryLock', () => {
  it('serialises read-modify-write across processes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-lock-'));
    const counter = join(dir, 'n');
    await writeFile(counter, '0');
    const script = join(dir, 'worker.mjs');
    const lockUrl = new URL('./lock.ts', import.meta.url).href;
    const hooks = new URL('../../../../scripts/src-hooks.mjs', import.meta.url).href;
    await writeFile(
      script,
      `import { withDirectoryLock } from ${JSON.stringify(lockUrl)};
import { readFile, writeFile } from 'node:fs/promises';
for (let i = 0; i < 25; i++) {
  await withDirectoryLock(${JSON.stringify(dir)}, async () => {
    const n = Number(await readFile(${JSON.stringify(counter)}, 'utf8'));
    await new Promise((r) => setTimeout(r, 1));
    await writeFile(${JSON.stringify(counter)}, String(n + 1));
  });
}`,
    );
    const runOne = () =>
      new Promise<number>((resolve) =>
        fork(script, [], { stdio: 'inherit', execArgv: ['--import', hooks] }).on('exit', (code) =>
          resolve(code ?? 1),
        ),
      );
    expect(await Promise.all([runOne(), runOne(), runOne()])).toEqual([0, 0, 0]);
    expect(await readFile(counter, 'utf8')).toBe('75');
  });

  it('takes over a lock left by a dead process', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-lock-'));
    await writeFile(
      join(dir, '.slipway.lock'),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), at: Date.now() }),
    );
    expect(await withDirectoryLock(dir, async () => 'ran', { timeoutMs: 2000 })).toBe('ran');
  });

  it('times out with the holder named', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-lock-'));
    await withDirectoryLock(dir, async () => {
      await expect(withDirectoryLock(dir, async () => 1, { timeoutMs: 100 })).rejects.toMatchObject({
        code: 'LOCK_TIMEOUT',
        hint: expect.stringContaining(`process ${process.pid}`),
      });
    });
  });
});
