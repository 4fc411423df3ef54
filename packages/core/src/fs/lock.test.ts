import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type LockHolder, withDirectoryLock } from './lock.js';

const lockUrl = new URL('./lock.ts', import.meta.url).href;
const hooks = new URL('../../../../scripts/src-hooks.mjs', import.meta.url).href;

/** Runs a module body in a child Node with the lock imported; resolves with its exit code. */
async function child(dir: string, body: string, env: Record<string, string> = {}): Promise<number> {
  const script = join(dir, `child-${Math.random().toString(16).slice(2)}.mjs`);
  await writeFile(
    script,
    `import { withDirectoryLock } from ${JSON.stringify(lockUrl)};
import { open, readFile, unlink, writeFile, appendFile } from 'node:fs/promises';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
${body}`,
  );
  return new Promise((resolve) =>
    fork(script, [], { stdio: 'inherit', execArgv: ['--import', hooks], env: { ...process.env, ...env } }).on(
      'exit',
      (code, signal) => resolve(signal === 'SIGKILL' ? 137 : (code ?? 1)),
    ),
  );
}

/** Inside the lock: the marker must not exist (else two holders are inside), then it is ours for a moment. */
const INSIDE = (dir: string, marker: string, log: string) => `
  const h = await open(${JSON.stringify(marker)}, 'wx').catch(() => null);
  if (!h) { await appendFile(${JSON.stringify(log)}, 'two holders\\n'); process.exit(2); }
  await h.close();
  const n = Number(await readFile(${JSON.stringify(join(dir, 'n'))}, 'utf8'));
  await sleep(Math.random() * 3);
  await writeFile(${JSON.stringify(join(dir, 'n'))}, String(n + 1));
  await unlink(${JSON.stringify(marker)});
`;

describe('withDirectoryLock under contention', () => {
  it('16 contenders and a dead holder: never two inside, the dead ticket is taken over', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-lock-race-'));
    const marker = join(dir, 'inside');
    const log = join(dir, 'violations');
    await writeFile(join(dir, 'n'), '0');
    // A holder killed with SIGKILL while inside: its ticket (and the marker) stay behind.
    const dead = await child(
      dir,
      `await withDirectoryLock(${JSON.stringify(dir)}, async () => { process.kill(process.pid, 'SIGKILL'); await sleep(60000); });`,
    );
    expect(dead).toBe(137);
    expect((await readdir(join(dir, '.slipway.lock'))).some((n) => n.startsWith('t-'))).toBe(true);
    const rounds = 6;
    const codes = await Promise.all(
      Array.from({ length: 16 }, () =>
        child(
          dir,
          `for (let i = 0; i < ${rounds}; i++) {
  await withDirectoryLock(${JSON.stringify(dir)}, async () => {${INSIDE(dir, marker, log)}}, { timeoutMs: 120000, waitNoticeMs: 1e9 });
}`,
        ),
      ),
    );
    expect(existsSync(log) ? await readFile(log, 'utf8') : '').toBe('');
    expect(codes).toEqual(Array(16).fill(0));
    expect(await readFile(join(dir, 'n'), 'utf8')).toBe(String(16 * rounds));
    // The last release removes the lock directory: nothing is left behind.
    expect(existsSync(join(dir, '.slipway.lock'))).toBe(false);
  }, 180_000);

  it('a holder that runs past the stale time keeps its lock, refreshing its ticket', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-lock-long-'));
    const marker = join(dir, 'inside');
    const log = join(dir, 'violations');
    await writeFile(join(dir, 'n'), '0');
    const started = join(dir, 'started');
    const holder = child(
      dir,
      `await withDirectoryLock(${JSON.stringify(dir)}, async () => {
  await writeFile(${JSON.stringify(marker)}, 'held');
  await writeFile(${JSON.stringify(started)}, '1');
  await sleep(2500);
  await unlink(${JSON.stringify(marker)});
}, { staleMs: 200 });`,
    );
    while (!existsSync(started)) await new Promise((r) => setTimeout(r, 20));
    const lockDir = join(dir, '.slipway.lock');
    const ticket = (await readdir(lockDir)).find((n) => n.startsWith('t-')) as string;
    const first = (await stat(join(lockDir, ticket))).mtimeMs;
    const contenders = Array.from({ length: 4 }, () =>
      child(
        dir,
        `await withDirectoryLock(${JSON.stringify(dir)}, async () => {${INSIDE(dir, marker, log)}}, { staleMs: 200, timeoutMs: 120000, waitNoticeMs: 1e9 });`,
      ),
    );
    // The holder is still inside long after the stale time, and its heartbeat moved its ticket's mtime.
    await new Promise((r) => setTimeout(r, 1200));
    expect(existsSync(marker)).toBe(true);
    expect((await stat(join(lockDir, ticket))).mtimeMs).toBeGreaterThan(first);
    expect(await holder).toBe(0);
    expect(await Promise.all(contenders)).toEqual([0, 0, 0, 0]);
    expect(existsSync(log) ? await readFile(log, 'utf8') : '').toBe('');
    expect(await readFile(join(dir, 'n'), 'utf8')).toBe('4');
  }, 120_000);

  it('a waiter is told who holds the lock', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-lock-wait-'));
    const seen: LockHolder[] = [];
    await withDirectoryLock(dir, async () => {
      await withDirectoryLock(
        dir,
        async () => {
          throw new Error('not reached');
        },
        { timeoutMs: 300, waitNoticeMs: 50, onWait: (h) => seen.push(h) },
      ).catch((err) => expect(err).toMatchObject({ code: 'LOCK_TIMEOUT' }));
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ pid: process.pid });
    expect(seen[0]?.since).toBeTypeOf('number');
  });

  it('a choosing entry left by a killed process does not block', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-lock-choose-'));
    const lockDir = join(dir, '.slipway.lock');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(lockDir);
    const { hostTag } = await import('./owner.js');
    await writeFile(join(lockDir, `c-${hostTag()}-${2 ** 22 + 777}-0-deadbeef`), '');
    expect(await withDirectoryLock(dir, async () => 'ran', { timeoutMs: 5000 })).toBe('ran');
    expect(existsSync(lockDir)).toBe(false);
  });

  it('another host: a ticket with a fresh heartbeat is waited for, one whose heartbeat stopped is taken over', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-lock-foreign-'));
    const lockDir = join(dir, '.slipway.lock');
    const { mkdir, utimes } = await import('node:fs/promises');
    const { hostTag } = await import('./owner.js');
    await mkdir(lockDir);
    const other = hostTag() === 'ffffffff' ? 'eeeeeeee' : 'ffffffff';
    const ticket = join(lockDir, `t-000000000001-${other}-4242-0-abcdef01`);
    await writeFile(ticket, JSON.stringify({ pid: 4242, host: 'build-7', since: Date.now() }));
    // Fresh heartbeat: pid 4242 means nothing here, so the holder is alive as far as anyone can tell.
    await expect(
      withDirectoryLock(dir, async () => 'stolen', { staleMs: 5000, timeoutMs: 300, waitNoticeMs: 1e9 }),
    ).rejects.toMatchObject({
      code: 'LOCK_TIMEOUT',
      hint: expect.stringContaining('process 4242 on build-7'),
    });
    expect(existsSync(ticket)).toBe(true);
    // No heartbeat for longer than the stale time: abandoned.
    const old = new Date(Date.now() - 60_000);
    await utimes(ticket, old, old);
    expect(await withDirectoryLock(dir, async () => 'ran', { staleMs: 5000, timeoutMs: 5000 })).toBe('ran');
    expect(existsSync(ticket)).toBe(false);
  });
});
