import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Real MLflow (pinned in .venv-interop) for the tracking interop tests and the benchmark. */
export const VENV_BIN = resolve(import.meta.dirname, '../../.venv-interop/bin');
// MLflow 3.17 refuses the old default admin password (GHSA-gq3w-7jj3-x7gr), so the test server gets its own.
export const ADMIN = { username: 'admin', password: 'slipway-admin-test-pw' };

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => ok(port));
    });
  });
}

export interface MlflowServer {
  url: string;
  port: number;
  dir: string;
  auth: boolean;
  /** SIGKILL the whole server process group (a crash, not a shutdown). */
  kill(): Promise<void>;
  /** Start again on the same port and database (after kill). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startMlflow(options: { auth?: boolean } = {}): Promise<MlflowServer> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-mlflow-'));
  const port = await freePort();
  const auth = options.auth ?? false;
  const env: NodeJS.ProcessEnv = { ...process.env, MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false' };
  delete env.MLFLOW_TRACKING_URI;
  if (auth) {
    const ini = join(dir, 'auth.ini');
    await writeFile(
      ini,
      [
        '[mlflow]',
        'default_permission = NO_PERMISSIONS',
        `database_uri = sqlite:///${join(dir, 'basic_auth.db')}`,
        `admin_username = ${ADMIN.username}`,
        `admin_password = ${ADMIN.password}`,
        'authorization_function = mlflow.server.auth:authenticate_request_basic_auth',
        '',
      ].join('\n'),
    );
    env.MLFLOW_AUTH_CONFIG_PATH = ini;
    env.MLFLOW_FLASK_SERVER_SECRET_KEY = 'slipway-test-secret';
  }
  const args = [
    'server',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--backend-store-uri',
    `sqlite:///${join(dir, 'mlflow.db')}`,
    '--artifacts-destination',
    join(dir, 'artifacts'),
    '--serve-artifacts',
    '--workers',
    '1',
    ...(auth ? ['--app-name', 'basic-auth'] : []),
  ];
  const url = `http://127.0.0.1:${port}`;
  const log = join(dir, 'server.log');
  let child: ChildProcess | undefined;

  const exited = (c: ChildProcess) =>
    new Promise<void>((ok) =>
      c.exitCode !== null || c.signalCode !== null ? ok() : c.once('exit', () => ok()),
    );

  const start = async () => {
    const fd = openSync(log, 'a');
    // Own process group: the CLI forks uvicorn workers, and kill() must take them all.
    const c = spawn(join(VENV_BIN, 'mlflow'), args, {
      cwd: dir,
      env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    child = c;
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (c.exitCode !== null)
        throw new Error(
          `mlflow server exited (${c.exitCode}):\n${(await readFile(log, 'utf8')).slice(-3000)}`,
        );
      try {
        const res = await fetch(`${url}/health`);
        if (res.ok) return;
      } catch {}
      if (Date.now() > deadline)
        throw new Error(
          `mlflow server did not answer in 120 s:\n${(await readFile(log, 'utf8')).slice(-3000)}`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  const signal = async (sig: NodeJS.Signals, waitMs: number) => {
    const c = child;
    if (!c?.pid || c.exitCode !== null || c.signalCode !== null) return;
    try {
      process.kill(-c.pid, sig);
    } catch {}
    await Promise.race([exited(c), new Promise((r) => setTimeout(r, waitMs))]);
  };

  await start();
  return {
    url,
    port,
    dir,
    auth,
    start,
    async kill() {
      await signal('SIGKILL', 5000);
      // Workers in the group may outlive the parent by a moment; wait until the port is free.
      for (let i = 0; i < 50; i++) {
        try {
          await fetch(`${url}/health`);
        } catch {
          return;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      await signal('SIGTERM', 5000);
      await signal('SIGKILL', 5000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs Python with MLflow's own client (the independent reader): `script` prints one JSON document.
 */
export async function mlflowPython(
  url: string,
  script: string,
  env: Record<string, string> = {},
): Promise<unknown> {
  const { stdout } = await new Promise<{ stdout: string }>((ok, fail) =>
    execFile(
      join(VENV_BIN, 'python'),
      ['-c', script],
      {
        env: { ...process.env, MLFLOW_TRACKING_URI: url, ...env },
        maxBuffer: 256 * 1024 * 1024,
        timeout: 120_000,
      },
      (err, stdout, stderr) =>
        err ? fail(new Error(`python failed: ${err.message}\n${stderr}`)) : ok({ stdout }),
    ),
  );
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last);
}

/** Calls an MLflow REST endpoint as the admin (basic-auth servers): users and permissions. A path without /api/ is under /api/2.0/mlflow. */
export async function adminCall(
  server: MlflowServer,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const res = await fetch(`${server.url}${path.startsWith('/api/') ? path : `/api/2.0/mlflow${path}`}`, {
    method,
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64')}`,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : {};
}
