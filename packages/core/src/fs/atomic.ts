import { lstatSync, statSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsError, isSlipwayError, SlipwayError } from '../errors.js';
import { assertSafeWritePath, componentsBelow, mkdirInside } from './safe-path.js';
import { tempPathFor } from './temp.js';

export interface WriteOptions {
  mode?: number;
  /**
   * The project root. A target inside it must not pass through a symbolic link (nor be one) and may not
   * be in `.git`; its missing directories are created without following links. A target outside the
   * root is the user's explicit choice: only the target itself is checked.
   */
  root?: string;
  /** The path as the user wrote it, for messages. */
  given?: string;
}

/**
 * What is at a target: nothing or a regular file (replaced by a rename), or a character device or FIFO
 * (`/dev/null`, `/dev/stdout`, a pipe), which is written through as Unix tools do; never replaced.
 * Anything else (a directory, a link to a file, a socket, a block device) is refused.
 */
export function writeTargetKind(path: string, given: string = path): 'replace' | 'write-through' {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st || st.isFile()) return 'replace';
  const streamLike = (s: { isCharacterDevice(): boolean; isFIFO(): boolean }) =>
    s.isCharacterDevice() || s.isFIFO();
  if (streamLike(st)) return 'write-through';
  if (st.isSymbolicLink()) {
    const target = statSync(path, { throwIfNoEntry: false });
    // /dev/stdout and friends are links to a stream; that is what the user asked for.
    if (target && streamLike(target)) return 'write-through';
    throw new SlipwayError(
      'SYMLINK_OUTPUT',
      `${given}: is a symbolic link; Slipway does not write through it`,
      {
        hint: 'remove the link or write to another path (a link can point anywhere, e.g. into ~/.ssh)',
      },
    );
  }
  if (st.isDirectory())
    throw new SlipwayError('IS_A_DIRECTORY', `${given}: is a directory`, { hint: 'give a file path' });
  throw new SlipwayError('NOT_A_REGULAR_FILE', `${given}: exists and is not a regular file`, {
    hint: 'Slipway only replaces regular files (devices, sockets and the like are left alone); choose another path',
  });
}

async function fsyncDir(dir: string): Promise<void> {
  // Makes the rename itself durable; some platforms refuse to open a directory, which is fine.
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {}
}

async function prepareDir(path: string, options: WriteOptions): Promise<void> {
  const given = options.given ?? path;
  if (options.root && componentsBelow(options.root, path)) {
    assertSafeWritePath(options.root, path, given);
    mkdirInside(options.root, dirname(path), given);
  } else {
    await mkdir(dirname(path), { recursive: true });
  }
}

async function writeTo(
  handle: Awaited<ReturnType<typeof open>>,
  data: string | Uint8Array | AsyncIterable<Uint8Array | string>,
): Promise<void> {
  if (typeof data === 'string' || data instanceof Uint8Array) {
    await handle.writeFile(data);
  } else {
    for await (const chunk of data)
      await handle.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
}

/**
 * Writes a file so that readers see either the old content or the new one, never a mix:
 * temp file in the same directory, fsync, rename over the target, fsync the directory. A device or
 * FIFO target is written through instead (`-o /dev/null` writes nothing), never replaced.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array | AsyncIterable<Uint8Array | string>,
  options: WriteOptions = {},
): Promise<void> {
  const given = options.given ?? path;
  try {
    await prepareDir(path, options);
  } catch (err) {
    throw isSlipwayError(err) ? err : fsError(err, given, 'write the file');
  }
  if (writeTargetKind(path, given) === 'write-through') {
    const handle = await open(path, 'w').catch((err: unknown) => {
      throw fsError(err, given, 'write to it');
    });
    try {
      await writeTo(handle, data);
    } finally {
      await handle.close();
    }
    return;
  }
  const dir = dirname(path);
  const tmp = tempPathFor(path);
  try {
    const handle = await open(tmp, 'wx', options.mode ?? 0o644);
    try {
      await writeTo(handle, data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
    await fsyncDir(dir);
  } catch (err) {
    await rm(tmp, { force: true });
    throw fsError(err, given, 'write the file');
  }
}

export async function writeJsonAtomic(
  path: string,
  value: unknown,
  options: WriteOptions = {},
): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, options);
}

/**
 * Temp path next to `path` for callers that stream into it themselves and then `commitTemp`. Checks
 * the target first, so a refused target fails before any work.
 */
export function reserveTemp(path: string, options: { root?: string; given?: string } = {}): string {
  const given = options.given ?? path;
  if (options.root && componentsBelow(options.root, path)) {
    assertSafeWritePath(options.root, path, given);
    mkdirInside(options.root, dirname(path), given);
  }
  writeTargetKind(path, given);
  return tempPathFor(path);
}

/** Renames a reserved temp over `path`; a device or FIFO target gets the content written into it. */
export async function commitTemp(tmp: string, path: string): Promise<void> {
  let kind: 'replace' | 'write-through';
  try {
    kind = writeTargetKind(path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  if (kind === 'write-through') {
    try {
      const handle = await open(path, 'w');
      try {
        await handle.writeFile(await readFile(tmp));
      } finally {
        await handle.close();
      }
    } finally {
      await rm(tmp, { force: true });
    }
    return;
  }
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}
