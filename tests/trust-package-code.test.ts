/**
 * Issue 20, case 1 reproduced through the built CLI: a package planted in a store whose features.json
 * carries JavaScript that reads SLIPWAY_ADMIN_TOKEN. `slipway serve` refuses it by default, runs it only
 * with --allow-package-code (a loud warning and an audit entry first), and with a signing key refuses
 * any package the key did not sign, opted in or not.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { hashBytes, type ModelPackageManifest } from '@slipway/core';
import { storeAuditSink } from '@slipway/governance';
import { openStore } from '@slipway/tracking';
import {
  packageHash,
  registerTransform,
  SIGNING_KEY_ENV,
  train,
  unregisterTransform,
} from '@slipway/training';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject } from '../packages/training/src/project.fixture.js';

const run = promisify(execFile);
const BIN = resolve('packages/cli/dist/bin.js');
const TOKEN = 'admin-token-the-package-must-not-see';
const KEY = 'trainer-signing-key-0123456789';
let dir: string;
let stolen: string;
const env = { ...process.env, SLIPWAY_ADMIN_TOKEN: TOKEN, SLIPWAY_TRACKING_URI: '', SLIPWAY_SIGNING_KEY: '' };

const band = (v: unknown) => (typeof v === 'number' ? [v < 0 ? 1 : 0, v > 1 ? 1 : 0] : [0, 0]);

async function trainPackage(out: string, signingKey: string | null): Promise<void> {
  registerTransform('band', band);
  const p = await makeProject({
    config: {
      features: [
        { column: 'x1', transform: 'custom', name: 'band' },
        { column: 'x2', transform: 'minmax' },
      ],
      model: { task: 'binary', type: 'gbdt', gbdt: { iterations: 3, minSamplesLeaf: 5 } },
    },
  });
  const before = process.env[SIGNING_KEY_ENV];
  if (signingKey) process.env[SIGNING_KEY_ENV] = signingKey;
  else delete process.env[SIGNING_KEY_ENV];
  try {
    await train({ loaded: await p.load(), outDir: out });
  } finally {
    if (before === undefined) delete process.env[SIGNING_KEY_ENV];
    else process.env[SIGNING_KEY_ENV] = before;
    unregisterTransform('band');
    await rm(p.dir, { recursive: true, force: true });
  }
}

/** The attacker's edit: code in features.json, every hash recomputed (they have no signing key). */
async function plant(pkg: string, source: string): Promise<void> {
  const features = JSON.parse(await readFile(join(pkg, 'features.json'), 'utf8'));
  for (const f of features.features)
    if (f.transform === 'custom') Object.assign(f, { source, sha256: hashBytes(source) });
  const body = `${JSON.stringify(features, null, 2)}\n`;
  await writeFile(join(pkg, 'features.json'), body);
  const manifest = JSON.parse(await readFile(join(pkg, 'manifest.json'), 'utf8')) as ModelPackageManifest;
  const entry = manifest.files.find((f) => f.path === 'features.json')!;
  Object.assign(entry, { sha256: hashBytes(body), size: Buffer.byteLength(body) });
  manifest.hash = packageHash(manifest.files);
  await writeFile(join(pkg, 'manifest.json'), JSON.stringify(manifest, null, 2));
}

const cli = (args: string[], extra: Record<string, string> = {}) =>
  run(process.execPath, [BIN, ...args, '--cwd', dir], { env: { ...env, ...extra }, timeout: 60_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

/** Starts `slipway serve`; resolves with its URL once it listens, or with its exit and stderr. */
function serve(
  args: string[],
  extra: Record<string, string> = {},
): Promise<{ url: string | null; stderr: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args, '--port', '0', '--json', '--cwd', dir], {
    env: { ...env, ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((ok) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      try {
        const parsed = JSON.parse(out) as { url?: unknown };
        if (typeof parsed.url === 'string') ok({ url: parsed.url, stderr, child });
      } catch {}
    });
    // A refusal is printed as JSON on stdout (--json) and as text on stderr: keep both.
    child.once('exit', () => ok({ url: null, stderr: `${stderr}${out}`, child }));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-trust-code-'));
  stolen = join(dir, 'stolen.txt');
  const evil = `(v) => { process.getBuiltinModule('node:fs').writeFileSync(${JSON.stringify(stolen)}, String(process.env.SLIPWAY_ADMIN_TOKEN)); return [0, 0]; }`;
  await trainPackage(join(dir, 'planted'), null);
  await plant(join(dir, 'planted'), evil);
  await trainPackage(join(dir, 'signed-then-planted'), KEY);
  await plant(join(dir, 'signed-then-planted'), evil);
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const row = { x1: 2, x2: 10 };

describe('a model package is data (issue 20, case 1)', () => {
  it('slipway serve refuses a package carrying code it has not registered', async () => {
    const r = await serve(['planted']);
    expect(r.url).toBeNull();
    expect(r.stderr).toMatch(/PACKAGE_CODE_REFUSED/);
    expect(r.stderr).toMatch(/--allow-package-code/);
    expect(existsSync(stolen)).toBe(false);
    // slipway predict loads the same way.
    await writeFile(join(dir, 'rows.csv'), 'x1,x2\n2,10\n');
    const p = await cli(['predict', '--model', 'planted', '--input', 'rows.csv', '--output', 'out.csv']);
    expect(`${p.stdout}${p.stderr}`).toMatch(/PACKAGE_CODE_REFUSED/);
    expect(p.code).not.toBe(0);
    expect(existsSync(stolen)).toBe(false);
  }, 60_000);

  it('runs it only when the operator opts in, after a warning and an audit entry', async () => {
    const r = await serve(['planted', '--allow-package-code']);
    try {
      expect(r.url).not.toBeNull();
      expect(r.stderr).toMatch(/WARNING: running code from a model package/);
      expect(r.stderr).toMatch(/custom transform code for "band"/);
      const store = await openStore(join(dir, '.slipway'), { cwd: dir });
      const entries = (await storeAuditSink(store).read()).map((l) => JSON.parse(l));
      await store.close();
      const entry = entries.find((e) => e.event === 'package-code');
      expect(entry).toMatchObject({
        outcome: 'allowed',
        data: { transforms: [{ name: 'band', feature: 'x1' }] },
      });
      // The opt-in is exactly what it says: the package's code runs in the server.
      const res = await fetch(`${r.url}/predict`, { method: 'POST', body: JSON.stringify({ rows: [row] }) });
      expect(res.status).toBe(200);
      expect(await readFile(stolen, 'utf8')).toBe(TOKEN);
    } finally {
      r.child.kill('SIGKILL');
      await rm(stolen, { force: true });
    }
  }, 60_000);

  it('with a signing key, a package the key did not sign never loads, opted in or not', async () => {
    for (const pkg of ['planted', 'signed-then-planted']) {
      const r = await serve([pkg, '--allow-package-code'], { SLIPWAY_SIGNING_KEY: KEY });
      if (r.url) r.child.kill('SIGKILL');
      expect(r.url).toBeNull();
      expect(r.stderr).toMatch(pkg === 'planted' ? /PACKAGE_UNSIGNED/ : /PACKAGE_SIGNATURE_INVALID/);
    }
    expect(existsSync(stolen)).toBe(false);
  }, 60_000);
});
