import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { main } from '@slipway/cli';
import { dataVersionCommands } from '../../packages/cli/src/commands/data-version.js';
import { freePort } from './mlflow.js';

const run = promisify(execFile);

/** Real DVC (pinned with dvc-s3 in .venv-interop) and moto, for the DVC interop tests. */
export const VENV_BIN = resolve(import.meta.dirname, '../../.venv-interop/bin');
export const DVC = join(VENV_BIN, 'dvc');

export const S3_ENV = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: 'us-east-1',
} as const;

export async function dvc(cwd: string, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await run(DVC, args, {
      cwd,
      env: { ...process.env, ...S3_ENV, DVC_NO_ANALYTICS: '1' },
      maxBuffer: 1 << 26,
    });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`dvc ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json<T = unknown>(): T;
}

/** `slipway <args>` through the real CLI entry (`main`), with only the data-versioning verbs loaded. */
export async function slipway(cwd: string, ...args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: {
      write(s: string) {
        stdout += s;
        return true;
      },
      isTTY: false,
    },
    stderr: {
      write(s: string) {
        stderr += s;
        return true;
      },
      isTTY: false,
    },
  } as unknown as Parameters<typeof main>[1];
  const code = await main([...args, '--cwd', cwd], io, dataVersionCommands);
  return { code, stdout, stderr, json: <T>() => JSON.parse(stdout) as T };
}

/** Files, directories, nested directories, empty files and unicode names. */
export function makeData(root: string): void {
  mkdirSync(join(root, 'data', 'nested', 'deeper'), { recursive: true });
  mkdirSync(join(root, 'data', 'ünïcødé'), { recursive: true });
  writeFileSync(join(root, 'foo.txt'), 'foo\n');
  writeFileSync(join(root, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  writeFileSync(join(root, 'empty.bin'), '');
  writeFileSync(join(root, 'naïve café.csv'), 'a,b\r\n1,2\r\n');
  writeFileSync(join(root, 'data', 'a.csv'), 'x,y\n1,2\n3,4\n');
  writeFileSync(join(root, 'data', 'empty'), '');
  writeFileSync(join(root, 'data', 'nested', 'b.json'), '{"k": [1, 2, 3]}');
  writeFileSync(join(root, 'data', 'nested', 'deeper', 'c.bin'), Buffer.from([0, 1, 2, 255, 254]));
  writeFileSync(join(root, 'data', 'ünïcødé', '日本語.txt'), 'こんにちは');
  writeFileSync(join(root, 'data', 'ünïcødé', '😀 smile.txt'), 'emoji');
  writeFileSync(join(root, 'data', 'ünïcødé', '\uFFFDreplacement'), 'sorted after BMP, before emoji');
}

export const TRACKED = ['foo.txt', 'run.sh', 'empty.bin', 'naïve café.csv', 'data'];

/** relpath → md5 of content, for every file under `root` except DVC/git internals and .dvc files. */
export function snapshot(root: string, skip: (rel: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const abs = join(dir, name);
      const rel = relative(root, abs).split(sep).join('/');
      if (
        name === '.dvc' ||
        name === '.git' ||
        name.endsWith('.dvc') ||
        name === '.gitignore' ||
        name === '.dvcignore' ||
        skip(rel)
      )
        continue;
      if (statSync(abs).isDirectory()) walk(abs);
      else out[rel] = createHash('md5').update(readFileSync(abs)).digest('hex');
    }
  };
  walk(root);
  return out;
}

/** A fresh checkout of a project: its `.dvc` files and `.dvc/config`, no data and no cache. */
export function cloneProject(from: string, to: string): void {
  mkdirSync(join(to, '.dvc'), { recursive: true });
  for (const f of ['config', 'config.local']) {
    try {
      cpSync(join(from, '.dvc', f), join(to, '.dvc', f));
    } catch {}
  }
  for (const name of readdirSync(from))
    if (name.endsWith('.dvc') && name !== '.dvc') cpSync(join(from, name), join(to, name));
}

// Resolves `./x.js` to `./x.ts` so a plain `node` child can run workspace sources.
const TS_HOOK =
  "data:text/javascript,import{registerHooks}from'node:module';registerHooks({resolve(s,c,n){try{return n(s,c)}catch(e){if(s.startsWith('.')&&s.endsWith('.js'))return n(s.slice(0,-3)+'.ts',c);throw e}}})";
const ADD_MODULE = resolve(import.meta.dirname, '../../packages/data/src/versioning/add.ts');

/** `addPaths` in a separate Node process (its own pid, so the project lock is really contended). */
export function addInChild(
  cwd: string,
  ...paths: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const script = `const m = await import(${JSON.stringify(ADD_MODULE)}); const r = await m.addPaths(${JSON.stringify(paths)}, { cwd: ${JSON.stringify(cwd)} }); console.log(JSON.stringify(r));`;
  return new Promise((ok) => {
    execFile(
      process.execPath,
      ['--import', TS_HOOK, '--conditions=@slipway/source', '--input-type=module', '-e', script],
      { cwd },
      (err, stdout, stderr) => ok({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

export interface Moto {
  endpoint: string;
  stop(): Promise<void>;
}

/** moto's S3 server on 127.0.0.1 with one bucket. */
export async function startMoto(bucket: string): Promise<Moto> {
  const port = await freePort();
  const child: ChildProcess = spawn(join(VENV_BIN, 'moto_server'), ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
    detached: true,
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(`${endpoint}/${bucket}`, { method: 'PUT' });
      if (res.ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`moto did not start on ${endpoint}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    endpoint,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(-(child.pid as number), 'SIGTERM');
      await exited;
    },
  };
}
