/**
 * A directory lock shared by every process (and, on a shared file system, every host) that uses the
 * same directory. It is a ticket lock in the manner of Lamport's bakery algorithm, because removing a
 * dead holder's lock file by name can always race with a new holder that reused the name:
 *
 *   <dir>/<name>/c-<owner>-<rand>         "choosing": exists while its owner picks a ticket number,
 *                                         then is renamed to its ticket
 *   <dir>/<name>/t-<seq>-<owner>-<rand>   a ticket; the lowest live ticket holds the lock
 *
 * Names are unique and carry their owner (host, pid, process start), so a ticket or choosing file of a
 * process that is gone can be removed by anyone at any time without ever touching a live one. A holder
 * refreshes its ticket's mtime while it holds it, which is how other hosts (where a pid means nothing)
 * tell a live holder from an abandoned ticket. Nothing is ever taken from a live process on this host.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, readFile, rename, rmdir, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SlipwayError } from '../errors.js';
import { formatDuration } from '../progress.js';
import { hostTag, OWNER_TAG_SOURCE, ownerGone, ownerTag, parseOwnerTag } from './owner.js';

export interface LockHolder {
  pid: number;
  /** Host name as the holder wrote it (a hash prefix when it wrote none yet). */
  host: string;
  /** The holder's command line, shortened. */
  command?: string;
  /** When it took its ticket (ms since the epoch). */
  since?: number;
  /** The lock directory. */
  lock: string;
}

export interface LockOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /**
   * A ticket written on another host whose heartbeat is older than this is taken for abandoned
   * (default 60 s; holders refresh theirs every quarter of it). On this host only a process that is
   * gone loses its ticket, however long it holds it.
   */
  staleMs?: number;
  /** Name of the lock directory inside `dir` (default `.slipway.lock`). */
  name?: string;
  /**
   * Called once when the wait passes `waitNoticeMs` (default 1 s), with the holder. By default a line
   * on stderr says who holds the lock.
   */
  onWait?: (holder: LockHolder) => void;
  waitNoticeMs?: number;
}

const TICKET_RE = new RegExp(`^t-(\\d{12})-${OWNER_TAG_SOURCE}-[0-9a-f]{8}$`);
const CHOOSING_RE = new RegExp(`^c-${OWNER_TAG_SOURCE}-[0-9a-f]{8}$`);

interface TicketInfo {
  pid: number;
  host: string;
  command: string;
  since: number;
}

function ticketInfo(): TicketInfo {
  const command = process.argv
    .slice(1)
    .map((a) => a.replace(/^.*[/\\]/, ''))
    .join(' ');
  return { pid: process.pid, host: hostname(), command: command.slice(0, 200), since: Date.now() };
}

async function createExclusive(path: string, content = ''): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    if (content) await handle.writeFile(content);
  } finally {
    await handle.close();
  }
}

const ignore = (codes: string[]) => (err: unknown) => {
  if (!codes.includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
};

/** Whether the owner of entry `name` (matched by `re`) is gone; foreign hosts are judged by mtime. */
async function entryGone(dir: string, name: string, m: RegExpExecArray, offset: number, staleMs: number) {
  const owner = parseOwnerTag(m[offset] as string, m[offset + 1] as string, m[offset + 2] as string);
  let lastSignMs: number | undefined;
  if (owner.host !== hostTag()) {
    const st = await lstat(join(dir, name)).catch(() => undefined);
    if (!st) return true;
    lastSignMs = st.mtimeMs;
  }
  return ownerGone(owner, { lastSignMs, staleMs });
}

/**
 * Live entries that come before `mine`: every choosing file, and every ticket ordered before it.
 * Entries of owners that are gone are removed on the way (their names are never reused).
 */
async function blockers(dir: string, mine: string, staleMs: number): Promise<string[]> {
  const names = await readdir(dir);
  const live: string[] = [];
  for (const name of names) {
    if (name === mine) continue;
    const c = CHOOSING_RE.exec(name);
    const t = c ? null : TICKET_RE.exec(name);
    if (!c && !(t && name < mine)) continue;
    const m = (c ?? t) as RegExpExecArray;
    if (await entryGone(dir, name, m, c ? 1 : 2, staleMs)) {
      await unlink(join(dir, name)).catch(ignore(['ENOENT']));
      continue;
    }
    live.push(name);
  }
  return live.sort();
}

async function describe(dir: string, blocking: string[]): Promise<LockHolder | undefined> {
  const ticket = blocking.find((n) => n.startsWith('t-')) ?? blocking[0];
  if (!ticket) return undefined;
  const m = (TICKET_RE.exec(ticket) ?? CHOOSING_RE.exec(ticket)) as RegExpExecArray;
  const offset = ticket.startsWith('t-') ? 2 : 1;
  const info = await readFile(join(dir, ticket), 'utf8')
    .then((t) => JSON.parse(t) as Partial<TicketInfo>)
    .catch(() => ({}) as Partial<TicketInfo>);
  return {
    pid: Number(m[offset + 1]),
    host: info.host ?? m[offset] ?? '?',
    ...(info.command ? { command: info.command } : {}),
    ...(info.since ? { since: info.since } : {}),
    lock: dir,
  };
}

export function describeHolder(h: LockHolder): string {
  const what = h.command ? ` (${h.command})` : '';
  const since = h.since ? `, for ${formatDuration(Date.now() - h.since)}` : '';
  return `process ${h.pid} on ${h.host}${what}${since}`;
}

/**
 * A lock file of an older Slipway (one JSON file at the lock path): removed once its writer is gone, as
 * it was then; otherwise waited for.
 */
async function legacyFileBlocks(path: string): Promise<boolean> {
  const st = await lstat(path).catch(() => undefined);
  if (!st || st.isDirectory()) return false;
  if (st.isSymbolicLink())
    throw new SlipwayError('SYMLINK_IN_PATH', `${path}: the lock is a symbolic link`, {
      hint: 'remove the link; Slipway does not follow links in the directories it writes',
    });
  let info: { pid?: number; host?: string } = {};
  try {
    info = JSON.parse(await readFile(path, 'utf8'));
  } catch {}
  const gone =
    typeof info.pid === 'number'
      ? info.host === hostname() && ownerGone({ host: hostTag(), pid: info.pid, start: 0 })
      : Date.now() - st.mtimeMs > 5000;
  if (!gone) return true;
  await unlink(path).catch(ignore(['ENOENT', 'EISDIR', 'EPERM']));
  return false;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Held {
  ticket: string;
  stop(): Promise<boolean>;
}

async function acquire(
  dir: string,
  options: Required<Pick<LockOptions, 'timeoutMs' | 'staleMs'>> & LockOptions,
): Promise<Held> {
  const started = Date.now();
  const rand = randomBytes(4).toString('hex');
  const me = ownerTag();
  const choosing = join(dir, `c-${me}-${rand}`);
  let wait = 2;
  const timedOut = async (blocking: string[]) => {
    const holder = await describe(dir, blocking);
    return new SlipwayError('LOCK_TIMEOUT', `${dir}: still locked after ${options.timeoutMs} ms`, {
      hint: holder
        ? `${describeHolder(holder)} holds it; wait for it to finish (a lock whose process is gone is taken over by itself)`
        : 'try again',
      details: holder ? { holder } : undefined,
    });
  };
  // Announce that a number is being chosen. The same file then becomes the ticket by a rename, so from
  // now until release one of the two names always exists. A releaser may remove the empty directory
  // meanwhile (ENOENT: create it again); a file there is the lock of an older Slipway (ENOTDIR).
  const info = JSON.stringify(ticketInfo());
  // The last holder removed the directory, most likely: create it first rather than fail once.
  await mkdir(dir, { recursive: true }).catch(() => {});
  for (;;) {
    try {
      await createExclusive(choosing, info);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') await mkdir(dir, { recursive: true }).catch(ignore(['EEXIST']));
      else if (code !== 'ENOTDIR') throw err;
      else if (await legacyFileBlocks(dir)) {
        if (Date.now() - started > options.timeoutMs) throw await timedOut([]);
        await sleep(wait + Math.random() * wait);
        wait = Math.min(wait * 2, 100);
      }
    }
  }
  let ticket: string;
  try {
    let max = 0;
    for (const name of await readdir(dir)) {
      const t = TICKET_RE.exec(name);
      if (t) max = Math.max(max, Number(t[1]));
    }
    ticket = `t-${String(max + 1).padStart(12, '0')}-${me}-${rand}`;
    await rename(choosing, join(dir, ticket));
  } catch (err) {
    await unlink(choosing).catch(ignore(['ENOENT']));
    throw err;
  }
  const path = join(dir, ticket);
  let lost = false;
  const beat = setInterval(
    () => {
      const now = new Date();
      utimes(path, now, now).catch(() => {
        lost = true;
      });
    },
    Math.max(50, Math.floor(options.staleMs / 4)),
  );
  beat.unref();
  const release = async () => {
    clearInterval(beat);
    await unlink(path).catch(ignore(['ENOENT']));
    // The directory goes when the last ticket does; a newcomer that loses it re-creates it.
    await rmdir(dir).catch(ignore(['ENOENT', 'ENOTEMPTY', 'EEXIST', 'EBUSY']));
  };
  let noticed = false;
  try {
    for (;;) {
      const blocking = await blockers(dir, ticket, options.staleMs);
      if (blocking.length === 0) {
        // Twice in a row: a listing may miss an entry created and another removed while it ran.
        if ((await blockers(dir, ticket, options.staleMs)).length === 0) break;
        continue;
      }
      const waited = Date.now() - started;
      if (waited > options.timeoutMs) throw await timedOut(blocking);
      if (!noticed && waited > (options.waitNoticeMs ?? 1000)) {
        noticed = true;
        const holder = await describe(dir, blocking);
        if (holder) {
          if (options.onWait) options.onWait(holder);
          else
            process.stderr.write(`slipway: waiting for the lock ${dir}: held by ${describeHolder(holder)}\n`);
        }
      }
      await sleep(wait + Math.random() * wait);
      wait = Math.min(wait * 2, 100);
    }
  } catch (err) {
    await release();
    throw err;
  }
  return {
    ticket: path,
    async stop() {
      await release();
      return lost;
    },
  };
}

/**
 * Runs `fn` while holding an exclusive lock on `dir`, shared by every process that locks the same
 * directory. A holder is never displaced while its process runs, however long it takes; the lock of a
 * process that was killed is taken over by the next one without a race.
 */
export async function withDirectoryLock<T>(
  dir: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const lockDir = join(dir, options.name ?? '.slipway.lock');
  const held = await acquire(lockDir, {
    ...options,
    timeoutMs: options.timeoutMs ?? 30_000,
    staleMs: options.staleMs ?? 60_000,
  });
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    await held.stop();
    throw err;
  }
  if (await held.stop()) {
    throw new SlipwayError('LOCK_LOST', `${lockDir}: the lock was taken over while this process held it`, {
      hint: 'another host took this process for gone (it was paused for longer than the stale time); check the result and run again',
    });
  }
  return result;
}
