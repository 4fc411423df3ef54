/**
 * Where audit lines live: a file (embedded store) or the tracking store's logs (local or MLflow).
 *
 * A log is one or more segments. Segment 1 is the log itself; `slipway audit segment` starts segment k + 1
 * (a new file / store log) whose first entry anchors the last good entry of segment k, so a log whose tail
 * was poisoned (a junk line at a far position in MLflow, where params cannot be deleted) can go on.
 * Appends are compare-and-set on a position: a writer that lost the race re-reads and rebuilds its entry.
 */
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsError, SlipwayError, withDirectoryLock } from '@slipway/core';

export interface AuditLine {
  /** 1-based position inside its segment. */
  position: number;
  line: string;
}

export interface AuditSegment {
  /** 1 for the log itself, then 2, 3, … */
  index: number;
  /** Where it is kept (file path or store log name), for messages. */
  location: string;
  lines: AuditLine[];
}

export interface AuditSink {
  /** Appends one line (no newline inside) at the end of the last segment, without a position check. */
  append(line: string): Promise<void>;
  /** Every line of the logical chain, in order (segments joined where each next one anchors). */
  read(): Promise<string[]>;
  /** Every segment with the positions of its lines (empty list when the log does not exist yet). */
  readSegments(): Promise<AuditSegment[]>;
  /**
   * Writes `line` at 1-based `position` of segment `segment` only when that position is the next free
   * one; otherwise throws `AUDIT_POSITION_TAKEN` (another writer appended first).
   */
  appendAt(segment: number, position: number, line: string): Promise<void>;
  /** Runs `fn` while no other writer in reach can append (a lock file locally; this process for MLflow). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * The separate log where writers without the audit key record events once the chain is keyed, so an
   * unsigned line never lands in (and never poisons) the keyed chain.
   */
  unkeyed(): AuditSink;
  /** Human name for messages, e.g. the file path. */
  readonly location: string;
}

export const POSITION_TAKEN = 'AUDIT_POSITION_TAKEN';

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

function positionTaken(location: string, position: number, held: number): SlipwayError {
  return new SlipwayError(
    POSITION_TAKEN,
    `${location}: position ${position} is taken (the log holds ${held} line(s)); another writer appended first`,
    { hint: 're-read the log and build the entry again' },
  );
}

/** Reads segments 1, 2, … until one is empty (a segment k + 1 only exists after segment k). */
async function readAllSegments(
  read: (index: number) => Promise<AuditLine[]>,
  locate: (index: number) => string,
): Promise<AuditSegment[]> {
  const out: AuditSegment[] = [];
  for (let index = 1; ; index++) {
    const lines = await read(index);
    if (lines.length === 0) return out;
    out.push({ index, location: locate(index), lines });
  }
}

/** The lines of the logical chain: each segment up to where the next one's first entry anchors it. */
export function chainLines(segments: AuditSegment[]): string[] {
  const out: string[] = [];
  for (const [i, seg] of segments.entries()) {
    let lines = seg.lines;
    const next = segments[i + 1]?.lines.find((l) => l.position === 1);
    const anchorSeq = next ? seqOf(next.line) : null;
    if (anchorSeq !== null) {
      const keep = anchorSeq - 1 - out.length;
      if (keep >= 0) lines = lines.filter((l) => l.position <= keep);
    }
    // Stop at a gap: what follows it is not part of a chain anyone appended to in order.
    let expected = 1;
    for (const l of lines) {
      if (l.position !== expected) return out;
      out.push(l.line);
      expected++;
    }
  }
  return out;
}

function seqOf(line: string): number | null {
  try {
    const seq = (JSON.parse(line) as { seq?: unknown }).seq;
    return typeof seq === 'number' && Number.isInteger(seq) && seq >= 1 ? seq : null;
  } catch {
    return null;
  }
}

function segmentPath(path: string, index: number): string {
  if (index === 1) return path;
  const m = /^(.*?)(\.[A-Za-z0-9]+)?$/.exec(path)!;
  return `${m[1]}.${index}${m[2] ?? ''}`;
}

async function readFileLines(path: string): Promise<string[]> {
  try {
    return splitLines(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw fsError(err, path, 'read the audit log');
  }
}

async function appendFileLine(path: string, line: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'a', 0o644);
    await handle.write(`${line}\n`);
    await handle.sync();
  } catch (err) {
    throw fsError(err, path, 'append to the audit log');
  } finally {
    await handle?.close();
  }
}

/** A JSON-lines file, appended with O_APPEND + fsync under a directory lock. */
export function fileAuditSink(path: string): AuditSink {
  const lockName = `.${path.split('/').at(-1)}.lock`;
  const segments = () =>
    readAllSegments(
      async (i) => (await readFileLines(segmentPath(path, i))).map((line, n) => ({ position: n + 1, line })),
      (i) => segmentPath(path, i),
    );
  const sink: AuditSink = {
    location: path,
    async append(line) {
      const segs = await segments();
      await appendFileLine(segmentPath(path, segs.at(-1)?.index ?? 1), line);
    },
    read: async () => chainLines(await segments()),
    readSegments: segments,
    async appendAt(segment, position, line) {
      const file = segmentPath(path, segment);
      // The position check and the write happen under one lock, whoever else holds this sink.
      await withDirectoryLock(
        dirname(path),
        async () => {
          const held = (await readFileLines(file)).length;
          if (held + 1 !== position) throw positionTaken(file, position, held);
          await appendFileLine(file, line);
        },
        { name: `${lockName}.append` },
      );
    },
    async exclusive(fn) {
      await mkdir(dirname(path), { recursive: true });
      // One lock per log file: the unkeyed side log is written while the main one's lock is held.
      return withDirectoryLock(dirname(path), fn, { name: lockName });
    },
    unkeyed: () => fileAuditSink(path.replace(/(\.[A-Za-z0-9]+)?$/, '.unkeyed$1')),
  };
  return sink;
}

/** The store's named append-only logs (@slipway/tracking's AppendLog: local store and MLflow). */
export interface LogStore {
  appendLog(name: string, line: string, options?: { at?: number }): Promise<void>;
  /** Every line in append order, each followed by a newline; '' for a log never written. */
  readLog(name: string): Promise<string>;
  /** The lines with their 1-based positions (a store without it is read as gap-free). */
  readLogLines?(name: string): Promise<AuditLine[]>;
  readonly kind?: 'local' | 'mlflow';
  readonly uri?: string;
}

export const AUDIT_LOG_NAME = 'audit';
/** Where writers without the audit key go once the audit chain is keyed. */
export const UNKEYED_LOG_NAME = 'audit-unkeyed';

function segmentLogName(name: string, index: number): string {
  return index === 1 ? name : `${name}.${index}`;
}

/**
 * Adapts a store's append-only log. Appends are compare-and-set on the position (the store refuses a
 * taken one: a lock-guarded check locally, MLflow's write-once params remotely), so concurrent writers in
 * any number of processes never fork the chain; the loser re-reads and rebuilds. For a local store a lock
 * file in the store directory also serialises whole read-decide-write sections (promote: entry + alias).
 */
export function storeAuditSink(store: LogStore, name = AUDIT_LOG_NAME): AuditSink {
  let queue: Promise<unknown> = Promise.resolve();
  const lockDir = store.kind === 'local' && store.uri && !/^[a-z]+:\/\//i.test(store.uri) ? store.uri : null;
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
  const location = (index: number) => `${store.uri ?? 'store'} (log "${segmentLogName(name, index)}")`;
  const readSegment = async (index: number): Promise<AuditLine[]> => {
    const log = segmentLogName(name, index);
    if (store.readLogLines) return store.readLogLines(log);
    return splitLines(await store.readLog(log)).map((line, n) => ({ position: n + 1, line }));
  };
  const segments = () => readAllSegments(readSegment, location);
  return {
    location: location(1),
    async append(line) {
      const segs = await segments();
      await store.appendLog(segmentLogName(name, segs.at(-1)?.index ?? 1), line);
    },
    read: async () => chainLines(await segments()),
    readSegments: segments,
    async appendAt(segment, position, line) {
      try {
        await store.appendLog(segmentLogName(name, segment), line, { at: position });
      } catch (err) {
        if ((err as { code?: string }).code === 'TRACKING_LOG_POSITION_TAKEN')
          throw positionTaken(location(segment), position, position - 1);
        throw err;
      }
    },
    exclusive<T>(fn: () => Promise<T>): Promise<T> {
      if (lockDir) return serial(() => withDirectoryLock(lockDir, fn, { name: `.${name}-audit.lock` }));
      return serial(fn);
    },
    unkeyed: () => storeAuditSink(store, name === UNKEYED_LOG_NAME ? name : UNKEYED_LOG_NAME),
  };
}
