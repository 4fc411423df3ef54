/**
 * Bundles the benchmark into standalone files (every dependency inside, Node builtins outside), so it
 * can run where only a `node` binary exists: `node bench/serve/build.ts <outdir>` writes server.mjs,
 * run.mjs and package.json there; then `node <outdir>/run.mjs [seconds]`.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  // Only reached through the default package loader and audit sink, which the benchmark replaces.
  external: ['@slipway/training', '@slipway/tracking', '@slipway/governance', '@duckdb/*'],
  nodePaths: [join(root, 'packages', 'serving', 'node_modules'), join(root, 'node_modules')],
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

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outdir = process.argv[2] ?? join(root, 'bench', 'results', 'serve-bundle');
  await bundleServer(outdir);
  await bundleRunner(outdir);
  process.stdout.write(`wrote ${outdir}/dist/{server,run}.mjs\n`);
}
