/**
 * Bundles examples/edge/src/main.ts for the browser with esbuild: `node examples/edge/build.ts`.
 * platform "browser" makes the build fail if anything reachable imports a Node built-in.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

export async function buildEdge(outfile = join(here, 'dist', 'edge.js')): Promise<string> {
  await build({
    entryPoints: [join(here, 'src', 'main.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@slipway/source'],
    // tfjs comes from @slipway/training's own dependency.
    nodePaths: [join(root, 'packages', 'training', 'node_modules')],
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`wrote ${await buildEdge()}\n`);
}
