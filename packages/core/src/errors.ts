/**
 * Every failure a user can cause or fix is a SlipwayError: a stable `code` for scripts and docs,
 * a message that names the file/field/row, and a `hint` that says what to do next.
 */
export class SlipwayError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: number;
  readonly details: unknown;

  constructor(
    code: string,
    message: string,
    options: { hint?: string; cause?: unknown; exitCode?: number; details?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SlipwayError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.Error;
    this.details = options.details;
  }

  toJSON(): { code: string; message: string; hint?: string; details?: unknown } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

/** Exit codes of the `slipway` command (documented in docs/cli.md). */
export const ExitCode = {
  Ok: 0,
  /** The command ran and its check failed: a gate, a validation, a drift test, a refused promotion. */
  CheckFailed: 1,
  /** Bad input, bad config, a missing file, an unreachable server: nothing was judged. */
  Error: 2,
  /** A bug in Slipway: an unexpected exception. */
  Internal: 3,
} as const;

export function isSlipwayError(value: unknown): value is SlipwayError {
  return (
    value instanceof SlipwayError ||
    (value instanceof Error && value.name === 'SlipwayError' && 'code' in value)
  );
}

/** Turns a Node system error (ENOENT, EACCES, ELOOP, …) on `path` into a SlipwayError with a hint. */
export function fsError(err: unknown, path: string, doing: string): SlipwayError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const hints: Record<string, [string, string]> = {
    ENOENT: ['FILE_NOT_FOUND', 'check the path; it is resolved relative to the project directory'],
    EACCES: ['FILE_UNREADABLE', 'check the file permissions (chmod) or run as a user who may read it'],
    EPERM: ['FILE_UNREADABLE', 'check the file permissions'],
    ELOOP: ['SYMLINK_LOOP', 'a symbolic link points back at itself; remove or fix the link'],
    EISDIR: ['IS_A_DIRECTORY', 'give a file path, not a directory'],
    ENOTDIR: ['NOT_A_DIRECTORY', 'a part of the path is a file, not a directory'],
    ENOSPC: ['DISK_FULL', 'free some disk space and try again'],
  };
  const [slipCode, hint] = (code && hints[code]) || ['FILE_ERROR', 'see the underlying error above'];
  return new SlipwayError(
    slipCode,
    `${path}: cannot ${doing} (${code ?? (err as Error)?.message ?? 'error'})`,
    {
      hint,
      cause: err,
    },
  );
}
