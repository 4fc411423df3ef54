/**
 * The start of every Slipway Action (its dist/index.js). The runner runs an Action's committed bundle
 * without `npm install`, and a native addon (DuckDB's 68 MB binding) can be neither inlined in a bundle
 * nor sensibly committed. So the bundle leaves those few packages out, `dist/package.json` pins their
 * exact versions, and this bootstrap installs them next to the bundle with npm on first use (the
 * runner keeps the Action's folder for the whole job), then loads `dist/main.js`.
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
  const npm = npmCommand();
  if (!npm) {
    fail(
      `this Action needs ${missing.map(([n, v]) => `${n}@${v}`).join(', ')} and found no npm to install it. ` +
        'Add `actions/setup-node` before this step (GitHub-hosted runners have npm already).',
    );
  }
  process.stdout.write(`::group::Installing ${missing.map(([n, v]) => `${n}@${v}`).join(', ')}\n`);
  const res = spawnSync(
    npm.cmd,
    [
      ...npm.args,
      'install',
      '--omit=dev',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      '--ignore-scripts',
    ],
    {
      cwd: distDir,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, npm_config_update_notifier: 'false' },
    },
  );
  process.stdout.write('::endgroup::\n');
  if (res.status !== 0) {
    fail(
      `npm could not install ${missing.map(([n]) => n).join(', ')} (exit ${res.status ?? res.signal}). ` +
        'The runner needs access to the npm registry (or an npm mirror configured in .npmrc / NPM_CONFIG_REGISTRY).',
    );
  }
}

/** dist/index.js of an Action: `await runAction(import.meta.url)`. */
export async function runAction(entryUrl: string): Promise<void> {
  const distDir = dirname(fileURLToPath(entryUrl));
  ensureRuntimeDependencies(distDir);
  await import(pathToFileURL(join(distDir, 'main.js')).href);
}
