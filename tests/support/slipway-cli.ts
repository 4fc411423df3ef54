// The built `slipway` binary as a user runs it: one process per command, `--json` on stdout, the
// embedded store (no tracking server from the environment), a local actor, and `slipway serve` as a child process.
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const SLIPWAY_BIN = resolve('packages/cli/dist/bin.js');

export interface CliResult<T> {
  code: number;
  json: T;
  stdout: string;
  stderr: string;
}

/** The environment every command of a test project gets: embedded store, a known admin token. */
export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, SLIPWAY_ADMIN_TOKEN: 'lifecycle-admin-token', ...extra };
  delete env.SLIPWAY_TRACKING_URI;
  delete env.MLFLOW_TRACKING_URI;
  // A local user: the policy's `@local` member is the actor even when the suite itself runs in Actions.
  delete env.GITHUB_ACTIONS;
  return env;
}

/** Runs `slipway <args> --json --cwd <dir>` and parses stdout; a non-JSON stdout throws with stderr. */
export async function slipwayJson<T = Record<string, unknown>>(
  dir: string,
  args: string[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<CliResult<T>> {
  const child = spawn(process.execPath, [SLIPWAY_BIN, ...args, '--json', '--cwd', dir], {
    env: cliEnv(extraEnv),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number>((done) => child.on('close', (c) => done(c ?? 1)));
  try {
    return { code, json: JSON.parse(stdout) as T, stdout, stderr };
  } catch {
    throw new Error(`slipway ${args.join(' ')} exited ${code} without JSON on stdout:\n${stdout}\n${stderr}`);
  }
}

export interface Served {
  url: string;
  child: ChildProcess;
  stop(): Promise<number | null>;
}

/** `slipway serve <source> --port 0` in `dir`; resolves with the URL it printed once it listens. */
export async function slipwayServe(dir: string, source: string): Promise<Served> {
  const child = spawn(
    process.execPath,
    [SLIPWAY_BIN, 'serve', source, '--port', '0', '--json', '--cwd', dir],
    {
      env: cliEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const url = await new Promise<string>((done, fail) => {
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      try {
        const parsed = JSON.parse(stdout) as { url?: string };
        if (parsed.url) done(parsed.url);
        else fail(new Error(`slipway serve printed no url: ${stdout}`));
      } catch {}
    });
    child.once('exit', (code) =>
      fail(new Error(`slipway serve exited ${code} before listening:\n${stderr}`)),
    );
  });
  return {
    url,
    child,
    stop: async () => {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      return exited;
    },
  };
}
