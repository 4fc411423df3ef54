/**
 * The server under test for bench/serve/run.ts (bundled by run.ts with esbuild, run in its own process).
 * argv: <packageDir> <batching on|off> <routing off|stable|canary50>. A trained package (manifest.json)
 * is opened with @slipway/training; otherwise the directory holds the tiny test package.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configSchema } from '@slipway/core';
import { startServer } from '@slipway/serving';
import { type LoadedModelPackage, openModelPackage } from '@slipway/training/browser';
import { loadTinyPackage } from '../../packages/serving/src/testing/tiny-package.ts';

/** A trained package, opened with @slipway/training's own (browser-safe) code from its files. */
async function openTrained(dir: string): Promise<LoadedModelPackage> {
  const json = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8'));
  const w = readFileSync(join(dir, 'weights.bin'));
  return openModelPackage({
    dir,
    manifest: json('manifest.json'),
    signature: json('signature.json'),
    lineage: json('lineage.json'),
    features: json('features.json'),
    profile: json('profile.json'),
    modelJson: json('model.json'),
    weights: w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength) as ArrayBuffer,
  });
}

const [dir, batching, routing] = process.argv.slice(2) as [string, string, string];
const defaults = configSchema.shape.serving.unwrap().parse({});
const load = async (source: string) => {
  const pkg = existsSync(join(source, 'manifest.json'))
    ? await openTrained(source)
    : await loadTinyPackage(source);
  return { pkg, version: pkg.hash.slice(0, 12), source };
};
const srv = await startServer({
  config: {
    ...defaults,
    port: 0,
    predictionLog: false,
    stateDir: `${dir}/.state-${process.pid}`,
    // Packages here are opened in-process (browser loader), so predictions stay on the event loop.
    workers: 0,
    microBatch: batching === 'on' ? { maxDelayMs: 2, maxBatchSize: 64 } : false,
  },
  root: dir,
  models: [{ source: dir }],
  load,
  routing: routing !== 'off',
});
if (routing === 'canary50') {
  const d = [...srv.deployments.values()][0];
  await d?.setCanary(await load(dir), 50);
}
process.stdout.write(`READY ${srv.url}\n`);
process.on('SIGTERM', () => {
  srv.close(2000).then(() => process.exit(0));
});
