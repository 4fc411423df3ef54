/** Where audit lines live: a file (embedded store) or the tracking store's logs (local or MLflow). */
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsError, withDirectoryLock } from '@slipway/core';

export interface AuditSink {
  /** Appends one line (no newline inside). */
  append(line: string): Promise<void>;
  /** Every line, in order (empty when the log does not exist yet). */
  read(): Promise<string[]>;
  /** Runs `fn` while no other writer can append; the chain needs read-then-append to be atomic. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** Human name for messages, e.g. the file path. */
  readonly location: string;
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** A JSON-lines file, appended with O_APPEND + fsync under a directory lock. */
export function fileAuditSink(path: string): AuditSink {
  return {
    location: path,
    async append(line) {
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
    },
    async read() {
      try {
        return splitLines(await readFile(path, 'utf8'));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw fsError(err, path, 'read the audit log');
      }
    },
    async exclusive(fn) {
      await mkdir(dirname(path), { recursive: true });
      return withDirectoryLock(dirname(path), fn, { name: '.audit.lock' });
    },
  };
}

/** The store's named append-only logs (@slipway/tracking's AppendLog: local store and MLflow). */
export interface LogStore {
  appendLog(name: string, line: string): Promise<void>;
  /** Every line in append order, each followed by a newline; '' for a log never written. */
  readLog(name: string): Promise<string>;
  readonly kind?: 'local' | 'mlflow';
  readonly uri?: string;
}

export const AUDIT_LOG_NAME = 'audit';

/**
 * Adapts a store's append-only log. Appending reads the head first, so writers must not interleave:
 * for a local store a lock file in the store directory serialises processes; against MLflow, writers in
 * this process are serialised and CI jobs that write the audit log should share a concurrency group.
 */
export function storeAuditSink(store: LogStore, name = AUDIT_LOG_NAME): AuditSink {
  let queue: Promise<unknown> = Promise.resolve();
  const lockDir = store.kind === 'local' && store.uri && !/^[a-z]+:\/\//i.test(store.uri) ? store.uri : null;
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    location: `${store.uri ?? 'store'} (log "${name}")`,
    append: (line) => store.appendLog(name, line),
    read: async () => splitLines(await store.readLog(name)),
    exclusive<T>(fn: () => Promise<T>): Promise<T> {
      if (lockDir) return serial(() => withDirectoryLock(lockDir, fn, { name: `.${name}-audit.lock` }));
      return serial(fn);
    },
  };
}
