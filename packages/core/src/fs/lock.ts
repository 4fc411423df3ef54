import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SlipwayError } from '../errors.js';

export interface LockOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** A lock older than this whose owner cannot be checked is taken over (default 10 min). */
  staleMs?: number;
  /** File name inside the directory (default `.slipway.lock`). */
  name?: string;
}

interface LockInfo {
  pid: number;
  host: string;
  at: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readInfo(file: string): Promise<LockInfo | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

/**
 * Runs `fn` while holding an exclusive lock on `dir`, shared by every process on this machine.
 * The lock is a file created with O_EXCL; a lock left by a dead process is taken over.
 */
export async function withDirectoryLock<T>(
  dir: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const staleMs = options.staleMs ?? 600_000;
  const file = join(dir, options.name ?? '.slipway.lock');
  await mkdir(dir, { recursive: true });
  const started = Date.now();
  let wait = 5;
  for (;;) {
    try {
      const handle = await open(file, 'wx');
      try {
        await handle.writeFile(
          JSON.stringify({ pid: process.pid, host: hostname(), at: Date.now() } satisfies LockInfo),
        );
      } finally {
        await handle.close();
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const info = await readInfo(file);
      const sameHost = info?.host === hostname();
      const dead = info !== undefined && sameHost && !alive(info.pid);
      const stale = info !== undefined && Date.now() - info.at > staleMs;
      // A holder killed between creating the file and writing its owner leaves it empty: after a few
      // seconds (writing the owner takes microseconds) nobody is coming back for it.
      const orphan =
        info === undefined &&
        Date.now() - ((await stat(file).catch(() => undefined))?.mtimeMs ?? Date.now()) > 5000;
      if (dead || stale || orphan) {
        // Rename first so that two processes cannot both decide to break the same lock.
        const grave = `${file}.${process.pid}.stale`;
        try {
          await rename(file, grave);
          await rm(grave, { force: true });
        } catch {}
        continue;
      }
      if (Date.now() - started > timeoutMs) {
        throw new SlipwayError('LOCK_TIMEOUT', `${dir}: still locked after ${timeoutMs} ms`, {
          hint: info
            ? `process ${info.pid} on ${info.host} holds ${file}; wait for it, or delete the file if that process is gone`
            : `delete ${file} if no Slipway process is running`,
        });
      }
      await new Promise((r) => setTimeout(r, wait + Math.random() * wait));
      wait = Math.min(wait * 2, 200);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(file, { force: true });
  }
}
