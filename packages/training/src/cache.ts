/**
 * The stage cache: `slipway.lock` at the project root records what each stage was built from. When the
 * inputs of `train` are unchanged and its package is still intact, the package is reused.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashJson, SlipwayError, withDirectoryLock, writeJsonAtomic } from '@slipway/core';

export const LOCK_FILE = 'slipway.lock';
export const LOCK_SCHEMA = 'slipway.lock/v1';

export interface TrainInputs {
  datasets: Record<string, { path: string; md5: string }>;
  configHash: string;
  configFileHash: string;
  customCodeHash: string | null;
  slipwayVersion: string;
  backend: string;
  outDir: string | null;
}

export interface TrainLockEntry {
  inputs: TrainInputs;
  inputsHash: string;
  /** Package directory relative to the project root (POSIX separators) or absolute when outside it. */
  package: string;
  hash: string;
  runId: string | null;
  metrics: Record<string, number>;
  at: string;
}

export interface LockFile {
  schema: typeof LOCK_SCHEMA;
  stages: Record<string, unknown> & { train?: TrainLockEntry };
}

export function inputsHash(inputs: TrainInputs): string {
  return hashJson(inputs);
}

export async function readLock(root: string): Promise<LockFile> {
  const path = join(root, LOCK_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { schema: LOCK_SCHEMA, stages: {} };
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as LockFile;
    if (parsed?.schema !== LOCK_SCHEMA || typeof parsed.stages !== 'object' || parsed.stages === null)
      throw new Error(`expected schema "${LOCK_SCHEMA}"`);
    return parsed;
  } catch (err) {
    throw new SlipwayError('LOCK_FILE_INVALID', `${path}: cannot be read (${(err as Error).message})`, {
      hint: `delete ${LOCK_FILE} (it only caches stage results) or restore it from git`,
    });
  }
}

/** Records the train stage, keeping whatever other stages wrote, under a lock shared by processes. */
export async function writeTrainEntry(root: string, entry: TrainLockEntry): Promise<void> {
  await withDirectoryLock(
    join(root, '.slipway'),
    async () => {
      const lock = await readLock(root);
      lock.stages.train = entry;
      await writeJsonAtomic(join(root, LOCK_FILE), lock, { root });
    },
    { name: 'slipway.lock.lock' },
  );
}
