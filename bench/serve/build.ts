/**
 * Bundles the benchmark into standalone files (every dependency inside, Node builtins outside), so it
 * can run where only a `node` binary exists: `node bench/serve/build.ts <outdir>` writes
 * dist/server.mjs, dist/run.mjs and a trained dist/package there; then `node <outdir>/dist/run.mjs [seconds]`.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

const common = {
  bundle: true,
  platform: 'node' as const,
  format: 'esm' as const,
  target: 'node22',
  conditions: ['@slipway/source'],
  // Bundled CommonJS (tfjs, prom-client, autocannon) calls require() for Node builtins.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'error' as const,
  external: ['@duckdb/*'],
  plugins: [
    {
      // Only reached through the default package loader and audit sink, which the benchmark replaces;
      // exact names, so that @slipway/training/browser (no Node API, no DuckDB) is bundled.
      name: 'lazy-workspace',
      setup(b: {
        onResolve(
          o: { filter: RegExp },
          f: (a: { path: string }) => { path: string; external: boolean },
        ): void;
      }) {
        b.onResolve({ filter: /^@slipway\/(training|tracking|governance)$/ }, (a) => ({
          path: a.path,
          external: true,
        }));
      },
    },
  ],
  nodePaths: [
    join(root, 'packages', 'serving', 'node_modules'),
    join(root, 'packages', 'training', 'node_modules'),
    join(root, 'node_modules'),
  ],
};

/** Writes `<outdir>/server.mjs` (and the package.json @slipway/core reads its version from, one level up). */
export async function bundleServer(outdir: string): Promise<string> {
  await mkdir(join(outdir, 'dist'), { recursive: true });
  await writeFile(
    join(outdir, 'package.json'),
    await readFile(join(root, 'packages', 'core', 'package.json')),
  );
  const outfile = join(outdir, 'dist', 'server.mjs');
  await build({ ...common, entryPoints: [join(here, 'server.ts')], outfile });
  return outfile;
}

export async function bundleRunner(outdir: string): Promise<string> {
  const outfile = join(outdir, 'dist', 'run.mjs');
  await build({
    ...common,
    entryPoints: [join(here, 'run.ts')],
    outfile,
    external: [...common.external, 'esbuild', './build.ts'],
  });
  return outfile;
}

/**
 * Trains the benchmark package into `<outdir>/dist/package`. The trainer is bundled next to
 * @slipway/data's DuckDB binding (packages/data/node_modules), the one dependency that stays native.
 */
export async function trainPackage(outdir: string): Promise<string> {
  const cache = join(root, 'packages', 'data', 'node_modules', '.cache', 'slipway-bench-train');
  await mkdir(join(cache, 'dist'), { recursive: true });
  await writeFile(
    join(cache, 'package.json'),
    await readFile(join(root, 'packages', 'core', 'package.json')),
  );
  const trainer = join(cache, 'dist', 'train.mjs');
  await build({ ...common, plugins: [], entryPoints: [join(here, 'train.ts')], outfile: trainer });
  const target = resolve(outdir, 'dist', 'package');
  await rm(target, { recursive: true, force: true });
  await promisify(execFile)(process.execPath, [trainer, target], { maxBuffer: 16 << 20 });
  return target;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outdir = process.argv[2] ?? join(root, 'bench', 'results', 'serve-bundle');
  await bundleServer(outdir);
  await bundleRunner(outdir);
  await trainPackage(outdir);
  process.stdout.write(`wrote ${outdir}/dist/{server,run}.mjs and ${outdir}/dist/package\n`);
}
