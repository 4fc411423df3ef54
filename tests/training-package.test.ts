// The model package outside the trainer's process: stock tf.loadLayersModel over HTTP, the browser-safe
// bundle in a fresh Node process and in a real Chromium, and `slipway predict` through the built CLI.
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { readTable } from '@slipway/data';
import {
  applyFeatures,
  type FeaturesJson,
  type LoadedModelPackage,
  loadModelPackage,
  type Row,
  train,
} from '@slipway/training';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, syntheticRows } from '../packages/training/src/project.fixture.js';

const run = promisify(execFile);
const trainingDir = resolve('packages/training');
// Inside packages/training so that the bundle's external imports (@tensorflow/*) resolve from there.
const work = join(trainingDir, 'node_modules', '.slipway-test');

let dir: string;
let packageDir: string;
let pkg: LoadedModelPackage;
let rows: Row[];
let server: Server;
let base: string;

beforeAll(async () => {
  await mkdir(work, { recursive: true });
  const p = await makeProject({
    config: {
      features: [
        { column: 'x1', transform: 'standardize' },
        { column: 'x2', transform: 'clip', quantiles: [0.05, 0.95] },
        { column: 'cat', transform: 'oneHot' },
        { column: 'cat', as: 'cat_hash', transform: 'hash', buckets: 16 },
        { column: 'when', transform: 'datetime', parts: ['hour', 'dayOfWeek', 'month'], cyclical: true },
      ],
      model: { task: 'binary', type: 'mlp', hidden: [16, 8], batchNorm: true, dropout: 0.1 },
      training: { backend: 'wasm', epochs: 2, batchSize: 32, seed: 11, validationSplit: 0.2 },
    },
  });
  dir = p.dir;
  packageDir = (await train({ loaded: await p.load() })).packageDir;
  pkg = await loadModelPackage(packageDir);
  rows = syntheticRows(50, 77).map((r, i) => ({ ...r, x1: i % 9 === 0 ? null : r.x1 }));
  server = createServer(async (req, res) => {
    try {
      const body = await readFile(join(packageDir, new URL(req.url ?? '/', 'http://x').pathname));
      res.writeHead(200).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  pkg?.dispose();
  await new Promise((r) => server?.close(r));
  await rm(work, { recursive: true, force: true });
});

describe('model package interop', () => {
  it('loads with stock tf.loadLayersModel over HTTP and predicts what the package predicts', async () => {
    const features = pkg.features as FeaturesJson;
    const { matrix, width } = applyFeatures(features, rows);
    const script = join(work, 'stock.mjs');
    await writeFile(
      script,
      `import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
await tf.setBackend('wasm');
const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const model = await tf.loadLayersModel('${base}/model.json');
const out = model.predict(tf.tensor2d(Float32Array.from(input.matrix), [input.rows, input.width]));
process.stdout.write(JSON.stringify(Array.from(out.dataSync())));
`,
    );
    const inputFile = join(work, 'input.json');
    await writeFile(inputFile, JSON.stringify({ matrix: Array.from(matrix), rows: rows.length, width }));
    const { stdout } = await run(process.execPath, [script, inputFile], { cwd: trainingDir });
    const stock = JSON.parse(stdout) as number[];
    const ours = await pkg.predictRows(rows);
    expect(stock).toEqual(Array.from(ours.values));
  });

  it('applies features bit for bit and predicts identically from the browser-safe bundle in a fresh process', async () => {
    // platform "browser": the build fails if anything reachable imports a Node built-in.
    await build({
      entryPoints: [join(trainingDir, 'src/browser.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      conditions: ['@slipway/source'],
      external: ['@tensorflow/*'],
      outfile: join(work, 'browser.mjs'),
      logLevel: 'silent',
    });
    const script = join(work, 'fresh.mjs');
    await writeFile(
      script,
      `import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyFeatures, openModelPackage } from './browser.mjs';
await tf.setBackend('wasm');
const [dir, rowsFile] = process.argv.slice(2);
const json = (f) => JSON.parse(readFileSync(join(dir, f), 'utf8'));
const w = readFileSync(join(dir, 'weights.bin'));
const pkg = await openModelPackage({
  dir, manifest: json('manifest.json'), signature: json('signature.json'), lineage: json('lineage.json'),
  features: json('features.json'), profile: json('profile.json'), modelJson: json('model.json'),
  weights: w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength),
});
const rows = JSON.parse(readFileSync(rowsFile, 'utf8'));
const m = applyFeatures(pkg.features, rows).matrix;
const p = await pkg.predictRows(rows);
process.stdout.write(JSON.stringify({ bits: Buffer.from(m.buffer, m.byteOffset, m.byteLength).toString('base64'), values: Array.from(p.values) }));
`,
    );
    const rowsFile = join(work, 'rows.json');
    await writeFile(rowsFile, JSON.stringify(rows));
    const { stdout } = await run(process.execPath, [script, packageDir, rowsFile], { cwd: trainingDir });
    const fresh = JSON.parse(stdout) as { bits: string; values: number[] };
    const table = await readTable(join(dir, 'eval.csv'));
    expect(table.rowCount).toBe(100);
    const training = applyFeatures(pkg.features as FeaturesJson, rows).matrix;
    expect(fresh.bits).toBe(
      Buffer.from(training.buffer, training.byteOffset, training.byteLength).toString('base64'),
    );
    expect(fresh.values).toEqual(Array.from((await pkg.predictRows(rows)).values));
  });

  it('applies features.json in Chromium bit for bit as in training', async () => {
    const bundle = await build({
      entryPoints: [join(trainingDir, 'src/browser.ts')],
      bundle: true,
      format: 'iife',
      globalName: 'Slipway',
      platform: 'browser',
      conditions: ['@slipway/source'],
      write: false,
      logLevel: 'silent',
    });
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.setContent('<!doctype html><title>slipway</title>');
      await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
      const bits = await page.evaluate(
        ({ features, rows }) => {
          const s = (globalThis as unknown as { Slipway: { applyFeatures: typeof applyFeatures } }).Slipway;
          const m = s.applyFeatures(features, rows).matrix;
          return Array.from(new Uint8Array(m.buffer, m.byteOffset, m.byteLength));
        },
        { features: pkg.features as FeaturesJson, rows },
      );
      const training = applyFeatures(pkg.features as FeaturesJson, rows).matrix;
      expect(
        Buffer.from(bits).equals(Buffer.from(training.buffer, training.byteOffset, training.byteLength)),
      ).toBe(true);
    } finally {
      await browser.close();
    }
  });
});
