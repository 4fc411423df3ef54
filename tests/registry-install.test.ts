// A new team's first hour, as they would have it: the public packages packed as they are published,
// served by a local npm registry started here (Verdaccio on 127.0.0.1), installed with npm and with pnpm
// into a fresh directory outside this checkout, then exactly the shell blocks of docs/getting-started.md:
// init → doctor → data add → schema infer → validate → train → eval (PASS) → register → card → promote →
// serve → predict over HTTP → monitor. The guide cannot drift from the product without this failing.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type LocalRegistry,
  packPublicPackages,
  publicPackages,
  publishTarballs,
  startLocalRegistry,
} from '../scripts/local-registry.ts';

const exec = promisify(execFile);
const repo = resolve(import.meta.dirname, '..');
const guide = join(repo, 'docs', 'getting-started.md');

/** The guide's runnable blocks for one package manager: ```sh (both) and ```sh <pm> (that one only). */
function guideBlocks(markdown: string, pm: 'npm' | 'pnpm'): string[] {
  const blocks: string[] = [];
  const fence = /^```([^\n]*)\n([\s\S]*?)^```$/gm;
  for (const m of markdown.matchAll(fence)) {
    const [lang, tag] = m[1]!.trim().split(/\s+/);
    if (lang !== 'sh') continue;
    if (tag === undefined || tag === pm) blocks.push(m[2]!);
  }
  return blocks;
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

/**
 * The environment of a user's shell: no variable pnpm or npm set for this test run, and no directory of
 * this checkout on PATH (so `npx slipway` can only find the installed package).
 */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|PNPM_|NODE_PATH|NODE_OPTIONS|VITEST|INIT_CWD)/i.test(k)) continue;
    env[k] = v;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((p) => p && !resolve(p).startsWith(repo))
    .join(delimiter);
  return { ...env, CI: '', ...extra };
}

function runScript(
  script: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    // A process group of its own: whatever the guide starts in the background ends with it.
    const child = spawn('bash', ['-c', script], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {}
      setTimeout(() => done({ code, out }), 500);
    });
  });
}

describe('installed from a registry, the getting-started guide runs as written', () => {
  let work: string;
  let registry: LocalRegistry;
  let tarballs: string[];

  beforeAll(async () => {
    if (!existsSync(join(repo, 'packages', 'cli', 'dist', 'bin.js')))
      throw new Error('build the packages first (pnpm build): the packed tarballs carry dist/');
    work = await mkdtemp(join(tmpdir(), 'slipway-registry-'));
    registry = await startLocalRegistry(join(work, 'registry'));
    tarballs = await packPublicPackages(join(work, 'tarballs'));
    await publishTarballs(registry, tarballs, join(work, 'registry'));
  }, 300_000);

  afterAll(async () => {
    await registry?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('packs every public package with its bin, files, exports and engines, no workspace: ranges', async () => {
    const pkgs = await publicPackages();
    expect(tarballs).toHaveLength(pkgs.length);
    const dir = join(work, 'unpacked');
    for (const tarball of tarballs) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      await exec('tar', ['xzf', tarball, '-C', dir]);
      const root = join(dir, 'package');
      const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
        name: string;
        engines?: { node?: string };
        bin?: Record<string, string>;
        exports: Record<string, string | Record<string, string>>;
        dependencies?: Record<string, string>;
      };
      expect(manifest.engines?.node, manifest.name).toBe('>=22');
      expect(JSON.stringify(manifest.dependencies ?? {}), manifest.name).not.toContain('workspace:');
      // A pattern export (./schemas/*) needs its directory; a plain one its file.
      for (const target of Object.values(manifest.exports).flatMap((e) =>
        typeof e === 'string' ? [e] : Object.values(e),
      ))
        expect(
          existsSync(join(root, target.includes('*') ? target.slice(0, target.indexOf('*')) : target)),
          `${manifest.name}: ${target}`,
        ).toBe(true);
      for (const bin of Object.values(manifest.bin ?? {}))
        expect(existsSync(join(root, bin)), `${manifest.name}: bin ${bin}`).toBe(true);
      expect((await readdir(root)).filter((f) => f.endsWith('.test.ts'))).toEqual([]);
    }
    const cli = JSON.parse(
      (await exec('npm', ['view', '@slipway/cli', '--json', '--registry', registry.url], { cwd: work }))
        .stdout,
    ) as { bin: Record<string, string> };
    expect(cli.bin).toEqual({ slipway: 'dist/bin.js' });
  });

  it('changesets releases every public package together', async () => {
    const config = JSON.parse(await readFile(join(repo, '.changeset', 'config.json'), 'utf8')) as {
      fixed: string[][];
      ignore: string[];
    };
    expect(config.fixed).toEqual([['@slipway/*']]);
    const pkgs = await publicPackages();
    for (const name of config.ignore) expect(pkgs.map((p) => p.name)).not.toContain(name);
    const out = join(work, 'changeset-status.json');
    await exec('pnpm', ['exec', 'changeset', 'status', `--output=${out}`], { cwd: repo });
    const status = JSON.parse(await readFile(out, 'utf8')) as {
      releases: { name: string; newVersion: string }[];
    };
    // With changesets pending, the next version bumps them all to one version (fixed group).
    if (status.releases.length > 0) {
      const released = status.releases.filter((r) => pkgs.some((p) => p.name === r.name));
      expect(released.map((r) => r.name).sort()).toEqual(pkgs.map((p) => p.name).sort());
      expect(new Set(released.map((r) => r.newVersion)).size).toBe(1);
    }
  }, 120_000);

  for (const pm of ['npm', 'pnpm'] as const) {
    it(`${pm}: install, then every step of the guide, in a directory with no checkout above it`, async () => {
      const dir = join(await mkdtemp(join(tmpdir(), `slipway-first-hour-${pm}-`)), 'my-model');
      await mkdir(dir);
      const blocks = guideBlocks(await readFile(guide, 'utf8'), pm);
      expect(blocks.join('\n')).toMatch(/slipway init[\s\S]*slipway eval[\s\S]*slipway monitor/);
      const port = await freePort();
      const env = userEnv({
        // What the guide's `export` line sets (npm reads the first, pnpm 11+ the second).
        npm_config_registry: registry.url,
        pnpm_config_registry: registry.url,
        npm_config_cache: join(work, `${pm}-cache`),
        pnpm_config_store_dir: join(work, 'pnpm-store'),
        npm_config_update_notifier: 'false',
        PORT: String(port),
        GIT_AUTHOR_NAME: 'New Team',
        GIT_AUTHOR_EMAIL: 'team@example.com',
        GIT_COMMITTER_NAME: 'New Team',
        GIT_COMMITTER_EMAIL: 'team@example.com',
      });
      await exec('git', ['init', '-q'], { cwd: dir, env });
      await exec('git', ['config', 'user.name', 'New Team'], { cwd: dir, env });
      // Each block as written, in one shell like a reader's terminal; a failing command stops the run.
      const script = [
        'set -euo pipefail',
        `trap 'kill $(jobs -p) 2>/dev/null || true' EXIT`,
        ...blocks.map((b, i) => `echo "=== block ${i + 1}"\n${b}`),
        // Where the command came from: the project's own node_modules, not this checkout.
        `node -e "console.log('resolved ' + require.resolve('@slipway/cli/package.json'))"`,
      ].join('\n');
      await writeFile(join(dir, '..', 'guide.sh'), script);
      const { code, out } = await runScript(script, dir, env);
      expect(code, out.slice(-6000)).toBe(0);
      expect(out).toContain('All required checks passed.');
      expect(out).toMatch(/✔ valid: .*data\/eval\.csv/);
      expect(out).toMatch(/^PASS: my-model vs no baseline/m);
      expect(out).toMatch(/registered my-model version 1 \(package [0-9a-f]{12}, eval report stored\)/);
      expect(out).toMatch(/my-model@champion: v\(unset\) → v1/);
      expect(out).toMatch(/"predictions":\[0\.\d+/);
      expect(out).toContain('No alert: my-model v1');
      // pnpm resolves to its store layout (node_modules/.pnpm/…), still inside the project.
      const resolved = /^resolved (.*)$/m.exec(out)?.[1] ?? '';
      expect(resolved.startsWith(join(dir, 'node_modules'))).toBe(true);
      expect(resolved.endsWith(join('@slipway', 'cli', 'package.json'))).toBe(true);
      expect(existsSync(join(dir, 'slipway-out', 'card', 'MODEL_CARD.md'))).toBe(true);
      expect(
        await readFile(join(dir, '.github', 'workflows', 'slipway.yml'), 'utf8'),
        'the workflow installs with the package manager the repository uses',
      ).toMatch(
        pm === 'npm' ? /install-command: "npm ci"/ : /install-command: "npx --yes pnpm@[\d.]+ install/,
      );
    }, 600_000);
  }
});
