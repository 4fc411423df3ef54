#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
// Bundles one Action (run in its folder: `node ../build.mjs`) into its committed dist/:
//   dist/index.js      the bootstrap (installs pinned native packages on first use, then loads main.js)
//   dist/main.js       src/main.ts with all our packages and pure-JS dependencies inlined
//   dist/package.json  the exact versions of the packages left out of the bundle (native addons, wasm)
//   dist/package-lock.json  every transitive package of those, with its tarball and sha512 integrity, so
//                      the bootstrap's `npm ci` resolves nothing at job time
// The output is deterministic (no timestamps, no legal comments, sorted keys) so that
// scripts/check-actions-dist.sh can rebuild and compare it byte for byte. The lockfile is resolved once
// (npm, at build time) and kept as long as the pinned runtime packages do not change.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { build } from 'esbuild';

// Package scopes that cannot live inside a bundle: DuckDB is a native addon; tfjs-backend-wasm loads its
// .wasm files from its own folder and registers itself with the one tfjs-core it finds, so all of tfjs
// must come from the same installed tree (a bundled tfjs-core beside an installed one gives two registries).
const RUNTIME_SCOPES = ['@duckdb/', '@tensorflow/'];
const packageName = (path) => path.split('/').slice(0, 2).join('/');

const actionDir = resolve(process.argv[2] ?? process.cwd());
const dist = join(actionDir, 'dist');
const name = JSON.parse(readFileSync(join(actionDir, 'package.json'), 'utf8')).name;

const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  conditions: ['@slipway/source'],
  mainFields: ['module', 'main'],
  legalComments: 'none',
  charset: 'utf8',
  minifySyntax: true,
  minifyWhitespace: true,
  keepNames: true,
  logLevel: 'warning',
  absWorkingDir: actionDir,
  // CommonJS dependencies call require() for Node built-ins; an ESM bundle needs one to exist.
  banner: {
    js: "import { createRequire as __slipwayCreateRequire } from 'node:module'; const require = __slipwayCreateRequire(import.meta.url);",
  },
};

// Everything but node_modules/ (the runtime packages a test or a runner installed there) is regenerated;
// the lockfile is kept aside and reused when it still pins the same runtime packages.
mkdirSync(dist, { recursive: true });
const lockPath = join(dist, 'package-lock.json');
const previousLock = existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null;
for (const entry of readdirSync(dist)) {
  if (entry !== 'node_modules') rmSync(join(dist, entry), { recursive: true, force: true });
}

await build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js' });
const main = await build({
  ...common,
  entryPoints: ['src/main.ts'],
  outfile: 'dist/main.js',
  external: RUNTIME_SCOPES.map((scope) => `${scope}*`),
  metafile: true,
});

// Which runtime packages main.js imports, and the exact version installed for its importer. The inputs list
// every module of the graph, tree-shaken ones included; only what survives in main.js gets installed.
const kept = new Set(
  Object.values(main.metafile.outputs)
    .flatMap((out) => out.imports)
    .filter((imp) => imp.external && imp.kind !== 'dynamic-import')
    .map((imp) => packageName(imp.path)),
);
const runtime = {};
for (const [input, info] of Object.entries(main.metafile.inputs)) {
  for (const imp of info.imports) {
    if (!imp.external || !RUNTIME_SCOPES.some((scope) => imp.path.startsWith(scope))) continue;
    // A dynamic import() is an optional peer (tfjs-node): tried at run time, never installed for it.
    if (imp.kind === 'dynamic-import') continue;
    const pkg = packageName(imp.path);
    if (!kept.has(pkg)) continue;
    const version = versionFrom(join(actionDir, input), pkg);
    if (runtime[pkg] && runtime[pkg] !== version) {
      throw new Error(`${pkg}: two versions imported (${runtime[pkg]} and ${version}); align them`);
    }
    runtime[pkg] = version;
  }
}
const manifest = {
  name: `${name}-runtime`,
  private: true,
  type: 'module',
  dependencies: Object.fromEntries(Object.entries(runtime).sort(([a], [b]) => a.localeCompare(b))),
};
writeFileSync(join(dist, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
writeLockfile(manifest);

/** The lockfile of the runtime packages: the previous one while it pins the same packages, else npm's. */
function writeLockfile(runtimeManifest) {
  const sorted = (o) => JSON.stringify(Object.entries(o ?? {}).sort());
  if (previousLock) {
    const root = JSON.parse(previousLock).packages?.[''];
    if (
      root?.name === runtimeManifest.name &&
      sorted(root.dependencies) === sorted(runtimeManifest.dependencies)
    ) {
      writeFileSync(lockPath, previousLock);
      return;
    }
  }
  const npmCli = join(dirname(process.execPath), '../lib/node_modules/npm/bin/npm-cli.js');
  const [cmd, args] = existsSync(npmCli) ? [process.execPath, [npmCli]] : ['npm', []];
  const res = spawnSync(
    cmd,
    [
      ...args,
      'install',
      '--package-lock-only',
      '--ignore-scripts',
      '--omit=dev',
      '--no-audit',
      '--no-fund',
      // The same lockfile on every machine: public registry URLs written out, whatever the local npmrc says.
      '--registry=https://registry.npmjs.org/',
      '--omit-lockfile-registry-resolved=false',
    ],
    {
      cwd: dist,
      // A registry that stops answering fails the build instead of hanging it.
      timeout: 300_000,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, npm_config_update_notifier: 'false' },
    },
  );
  if (res.status !== 0 || !existsSync(lockPath)) {
    throw new Error(`${name}: npm could not resolve the runtime lockfile (exit ${res.status ?? res.signal})`);
  }
  const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (path.startsWith('node_modules/') && !entry.link && !entry.integrity?.startsWith('sha512-')) {
      throw new Error(`${name}: ${path} resolved without an sha512 integrity hash`);
    }
  }
}

function versionFrom(importer, pkg) {
  let dir = dirname(importer);
  for (;;) {
    const candidate = join(dir, 'node_modules', pkg, 'package.json');
    if (existsSync(candidate)) return JSON.parse(readFileSync(realpathSync(candidate), 'utf8')).version;
    const up = dirname(dir);
    if (up === dir) throw new Error(`${pkg}: not installed for ${relative(actionDir, importer)}`);
    dir = up;
  }
}
