#!/usr/bin/env node
// Bundles one Action (run in its folder: `node ../build.mjs`) into its committed dist/:
//   dist/index.js      the bootstrap (installs pinned native packages on first use, then loads main.js)
//   dist/main.js       src/main.ts with all our packages and pure-JS dependencies inlined
//   dist/package.json  the exact versions of the packages left out of the bundle (native addons, wasm)
// The output is deterministic (no timestamps, no legal comments, sorted keys) so that
// scripts/check-actions-dist.sh can rebuild and compare it byte for byte.
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

// Everything but node_modules/ (the runtime packages a test or a runner installed there) is regenerated.
mkdirSync(dist, { recursive: true });
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
