import { resolve } from 'node:path';
import { writeFileAtomic } from './atomic.js';

/** Whether an output argument means standard output, as `-` does for Unix tools. */
export const isStdout = (given: string): boolean => given === '-';

/**
 * Writes a command's output file as Unix tools do: `-` goes to standard output, a device or FIFO
 * (`/dev/null`) is written through, anything else is written atomically under the rules of
 * `writeFileAtomic` (no symbolic links below `root`). Returns the absolute path, or `-`.
 */
export async function writeOutput(
  given: string,
  data: string | Uint8Array,
  options: { cwd: string; root?: string; stdout?: (data: string | Uint8Array) => void },
): Promise<string> {
  if (isStdout(given)) {
    if (options.stdout) options.stdout(data);
    else await new Promise<void>((ok, fail) => process.stdout.write(data, (err) => (err ? fail(err) : ok())));
    return '-';
  }
  const abs = resolve(options.cwd, given);
  await writeFileAtomic(abs, data, { given, ...(options.root ? { root: options.root } : {}) });
  return abs;
}
