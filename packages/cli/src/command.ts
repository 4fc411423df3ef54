import type { Progress } from '@slipway/core';

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  description: string;
  /** Shown in help as the value name, e.g. `<file>`. */
  value?: string;
  default?: string | boolean;
}

export interface CommandContext {
  /** Absolute working directory (after --cwd). */
  cwd: string;
  json: boolean;
  debug: boolean;
  flags: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  progress: Progress;
  /** Human output on stdout (suppressed with --json). */
  print(text: string): void;
  /** Raw bytes on stdout, with or without --json: the data of an output given as `-`. */
  stdout(text: string): void;
  /** Structured result: JSON on stdout with --json, else rendered by `human`. */
  output(data: unknown, human?: (data: unknown) => string): void;
  stdoutIsTTY: boolean;
}

export interface Command {
  /** Words that select it, e.g. `data add`. */
  name: string;
  summary: string;
  /** Positional usage, e.g. `<path...>`. */
  args?: string;
  flags?: Record<string, FlagSpec>;
  /** Longer help text. */
  description?: string;
  /** Returns the exit code (default 0). */
  run(ctx: CommandContext): Promise<unknown>;
}
