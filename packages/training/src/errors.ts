/**
 * A user-facing error that needs no Node API, for the modules that also run in a browser (applying
 * features, predicting). It is recognised as a SlipwayError by `isSlipwayError` from @slipway/core
 * (same `name`, `code`, `hint`, exit code), so the CLI prints it the same way.
 */
export class PackageError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode = 2;
  readonly details: unknown;

  constructor(code: string, message: string, options: { hint?: string; details?: unknown } = {}) {
    super(message);
    this.name = 'SlipwayError';
    this.code = code;
    this.hint = options.hint;
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
