// How the example demos call the `slipway` CLI: the built bin, spawned with --json, in the directory the
// demo runs in. The demos use it exactly as a user or the Actions do, so nothing here imports the packages.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI (`pnpm demo` builds @slipway/cli and its dependencies before it starts a demo). */
const bin = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages', 'cli', 'dist', 'bin.js');

/** A step that cannot go on: the demo prints its message (no stack) and exits 2. */
export class StepFailed extends Error {}

/** Where the CLI runs and with which environment. */
export interface Cli {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The demo's environment: SLIPWAY_DEMO_CHANGE for the app's slipway.config.ts, a fresh admin token for the
 * canary's admin API, and the embedded store unless SLIPWAY_DEMO_TRACKING_URI names a server (so a
 * tracking URI exported in the user's shell does not leak into the demo).
 */
export function demoEnv(change: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SLIPWAY_DEMO_CHANGE: change ? '1' : '0',
    SLIPWAY_ADMIN_TOKEN: randomBytes(24).toString('hex'),
  };
  const server = env.SLIPWAY_DEMO_TRACKING_URI;
  delete env.SLIPWAY_TRACKING_URI;
  delete env.MLFLOW_TRACKING_URI;
  if (server) env.SLIPWAY_TRACKING_URI = server;
  return env;
}

/** Starts `slipway <args> --json`; stdout (the JSON result) is piped, progress on stderr goes to the terminal. */
export function spawnSlipway(cli: Cli, args: string[]): ChildProcess {
  return spawn(process.execPath, [bin, ...args, '--json'], {
    cwd: cli.cwd,
    env: cli.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** Runs `slipway <args> --json` to the end and returns its JSON result; exit codes not allowed fail the step. */
export async function slipway<T = Record<string, unknown>>(
  cli: Cli,
  args: string[],
  options: { allowExit?: number[] } = {},
): Promise<{ code: number; result: T }> {
  const child = spawnSlipway(cli, args);
  let stdout = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const code = await new Promise<number>((done) => child.on('close', (c) => done(c ?? 1)));
  let result: T;
  try {
    result = JSON.parse(stdout) as T;
  } catch {
    throw new StepFailed(`slipway ${args.join(' ')} exited ${code} without a JSON result:\n${stdout}`);
  }
  if (code !== 0 && !(options.allowExit ?? []).includes(code)) {
    const err = (result as { error?: { message: string; hint?: string } }).error;
    throw new StepFailed(
      `slipway ${args.join(' ')} exited ${code}${err ? `: ${err.message}${err.hint ? `\n  hint: ${err.hint}` : ''}` : ''}`,
    );
  }
  return { code, result };
}
