/**
 * The start of every Slipway Action (its dist/index.js). The runner runs an Action's committed bundle
 * without `npm install`, and a native addon (DuckDB's 68 MB binding) can be neither inlined in a bundle
 * nor sensibly committed. So the bundle leaves those few packages out, `dist/package.json` pins their
 * exact versions, `dist/package-lock.json` pins every transitive package with its integrity hash, and
 * this bootstrap installs exactly that tree with `npm ci` on first use (the runner keeps the Action's
 * folder for the whole job), then loads `dist/main.js`. Nothing is resolved at job time: without a
 * lockfile, or with an entry that has no integrity hash, it refuses to install.
 *
 * Kept free of dependencies: it must run before anything is installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface RuntimeManifest {
  dependencies?: Record<string, string>;
}

/** Workflow-command escaping (`%`, CR, LF) so a multi-line message stays one annotation. */
function escapeCommand(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

function fail(message: string): never {
  process.stdout.write(`::error title=Slipway::${escapeCommand(message)}\n`);
  process.exit(1);
}

/** Why the runtime packages cannot be installed (printed as the step's error by runAction). */
export class RuntimeInstallError extends Error {
  override name = 'RuntimeInstallError';
}

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
}

/**
 * The lockfile next to the runtime manifest, checked: it must pin exactly the manifest's dependencies and
 * give every installed package a registry tarball with an sha512 integrity hash.
 */
export function checkRuntimeLock(distDir: string, deps: Record<string, string>): void {
  const lockPath = join(distDir, 'package-lock.json');
  if (!existsSync(lockPath)) {
    throw new RuntimeInstallError(
      `${lockPath} is missing: this Action's runtime packages would be resolved at job time; refusing to install (rebuild the Action with actions/build.mjs, which writes the lockfile)`,
    );
  }
  let lock: {
    lockfileVersion?: number;
    packages?: Record<string, LockEntry & { dependencies?: Record<string, string> }>;
  };
  try {
    lock = JSON.parse(readFileSync(lockPath, 'utf8'));
  } catch (err) {
    throw new RuntimeInstallError(`${lockPath}: not valid JSON (${(err as Error).message})`);
  }
  const packages = lock.packages ?? {};
  if ((lock.lockfileVersion ?? 0) < 2 || !packages['']) {
    throw new RuntimeInstallError(`${lockPath}: not an npm lockfile v2/v3 (no "packages" section)`);
  }
  const pinned = packages['']?.dependencies ?? {};
  const want = JSON.stringify(Object.entries(deps).sort());
  if (JSON.stringify(Object.entries(pinned).sort()) !== want) {
    throw new RuntimeInstallError(
      `${lockPath} pins ${JSON.stringify(pinned)} but package.json asks for ${JSON.stringify(deps)}; rebuild the Action`,
    );
  }
  for (const [path, entry] of Object.entries(packages)) {
    if (!path.startsWith('node_modules/') || entry.link) continue;
    // `resolved` may be left out (npm then fetches from the configured registry); the hash may not.
    if (!entry.integrity?.startsWith('sha512-')) {
      throw new RuntimeInstallError(
        `${lockPath}: ${path} has no sha512 integrity hash; every runtime package must be pinned by content`,
      );
    }
  }
}

/** npm next to this Node (official tarballs ship it), else npm on PATH. */
function npmCommand(): { cmd: string; args: string[] } | null {
  const bin = dirname(process.execPath);
  for (const cli of [
    join(bin, '../lib/node_modules/npm/bin/npm-cli.js'),
    join(bin, 'node_modules/npm/bin/npm-cli.js'),
  ]) {
    if (existsSync(cli)) return { cmd: process.execPath, args: [cli] };
  }
  const probe = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['--version'], {
    encoding: 'utf8',
  });
  if (probe.status === 0) return { cmd: process.platform === 'win32' ? 'npm.cmd' : 'npm', args: [] };
  return null;
}

/** Installs the pinned runtime packages of the Action whose bundle is at `distDir`, when missing. */
export function ensureRuntimeDependencies(distDir: string): void {
  const manifestPath = join(distDir, 'package.json');
  if (!existsSync(manifestPath)) return;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as RuntimeManifest;
  const deps = Object.entries(manifest.dependencies ?? {});
  const missing = deps.filter(([name]) => !existsSync(join(distDir, 'node_modules', name, 'package.json')));
  if (missing.length === 0) return;
  checkRuntimeLock(distDir, manifest.dependencies ?? {});
  const npm = npmCommand();
  if (!npm) {
    throw new RuntimeInstallError(
      `this Action needs ${missing.map(([n, v]) => `${n}@${v}`).join(', ')} and found no npm to install it. ` +
        'Add `actions/setup-node` before this step (GitHub-hosted runners have npm already).',
    );
  }
  process.stdout.write(`::group::Installing ${missing.map(([n, v]) => `${n}@${v}`).join(', ')}\n`);
  // npm ci installs the lockfile's tree exactly (and checks every tarball against its integrity hash).
  const res = spawnSync(
    npm.cmd,
    [...npm.args, 'ci', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts'],
    {
      cwd: distDir,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, npm_config_update_notifier: 'false' },
    },
  );
  process.stdout.write('::endgroup::\n');
  if (res.status !== 0) {
    throw new RuntimeInstallError(
      `npm could not install ${missing.map(([n]) => n).join(', ')} (exit ${res.status ?? res.signal}). ` +
        'The runner needs access to the npm registry (or an npm mirror configured in .npmrc / NPM_CONFIG_REGISTRY).',
    );
  }
}

/** dist/index.js of an Action: `await runAction(import.meta.url)`. */
export async function runAction(entryUrl: string): Promise<void> {
  const distDir = dirname(fileURLToPath(entryUrl));
  try {
    ensureRuntimeDependencies(distDir);
  } catch (err) {
    if (err instanceof RuntimeInstallError) fail(err.message);
    throw err;
  }
  await import(pathToFileURL(join(distDir, 'main.js')).href);
}
