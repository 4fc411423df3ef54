/**
 * Who owns a lock ticket or a temp file: host, process id and (on Linux) the process's start time, so a
 * recycled pid is not mistaken for the process that wrote the name. Encoded in file names, so a name alone
 * says whether its writer is still running.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export interface Owner {
  /** First 8 hex digits of sha256(hostname). */
  host: string;
  pid: number;
  /** Start time in clock ticks since boot (Linux), 0 where unknown. */
  start: number;
}

let hostTagCache: string | undefined;
export function hostTag(): string {
  hostTagCache ??= createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
  return hostTagCache;
}

/** Field 22 of /proc/<pid>/stat; 0 where /proc does not exist. */
export function processStart(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]) || 0;
  } catch {
    return 0;
  }
}

let selfCache: Owner | undefined;
export function currentOwner(): Owner {
  if (selfCache?.pid !== process.pid)
    selfCache = { host: hostTag(), pid: process.pid, start: processStart(process.pid) };
  return selfCache;
}

/** `<host>-<pid>-<start>`: the form used inside file names. */
export function ownerTag(owner: Owner = currentOwner()): string {
  return `${owner.host}-${owner.pid}-${owner.start}`;
}

export const OWNER_TAG_SOURCE = '([0-9a-f]{8})-(\\d+)-(\\d+)';

export function parseOwnerTag(host: string, pid: string, start: string): Owner {
  return { host, pid: Number(pid), start: Number(start) };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether `owner` is known to be gone. On this host: its pid is not running, or runs a process that
 * started at another time. On another host nothing can be asked, so only `lastSignMs` (a heartbeat's
 * mtime) older than `staleMs` counts as gone.
 */
export function ownerGone(owner: Owner, options: { lastSignMs?: number; staleMs?: number } = {}): boolean {
  if (owner.host === hostTag()) {
    if (owner.pid === process.pid) return false;
    if (!pidAlive(owner.pid)) return true;
    if (owner.start === 0) return false;
    const start = processStart(owner.pid);
    return start !== 0 && start !== owner.start;
  }
  if (options.lastSignMs === undefined || options.staleMs === undefined) return false;
  return Date.now() - options.lastSignMs > options.staleMs;
}
