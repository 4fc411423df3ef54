/**
 * The server under test for bench/serve/run.ts (bundled by run.ts with esbuild, run in its own process).
 * argv: <packageDir> <batching on|off> <routing off|stable|canary50>
 */
import { configSchema } from '@slipway/core';
import { startServer } from '@slipway/serving';
import { loadTinyPackage } from '../../packages/serving/src/testing/tiny-package.ts';

const [dir, batching, routing] = process.argv.slice(2) as [string, string, string];
const defaults = configSchema.shape.serving.unwrap().parse({});
const load = async (source: string) => {
  const pkg = await loadTinyPackage(source);
  return { pkg, version: pkg.hash.slice(0, 12), source };
};
const srv = await startServer({
  config: {
    ...defaults,
    port: 0,
    predictionLog: false,
    stateDir: `${dir}/.state-${process.pid}`,
    microBatch: batching === 'on' ? { maxDelayMs: 2, maxBatchSize: 64 } : false,
  },
  root: dir,
  models: [{ source: dir }],
  load,
  routing: routing !== 'off',
});
if (routing === 'canary50') {
  const d = srv.deployments.get('tiny');
  await d?.setCanary(await load(dir), 50);
}
process.stdout.write(`READY ${srv.url}\n`);
process.on('SIGTERM', () => {
  srv.close(2000).then(() => process.exit(0));
});
