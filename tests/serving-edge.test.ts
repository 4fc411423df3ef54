/**
 * Edge: a model package trained by @slipway/training is served by `slipway serve` (real loader) and
 * loaded in headless Chromium by examples/edge (esbuild bundle of @slipway/training/browser + tfjs);
 * both must predict the same values for the same rows.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { configSchema } from '@slipway/core';
import { createLoader, type ServingServer, startServer } from '@slipway/serving';
import { train } from '@slipway/training';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEdge } from '../examples/edge/build.ts';
import { makeProject, syntheticRows } from '../packages/training/src/project.fixture.js';

const edgeDir = resolve('examples/edge');
let work: string;
let packageDir: string;
let srv: ServingServer;
let files: Server;
let browser: Browser;
let base: string;

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.json': 'application/json',
};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'slipway-edge-'));
  const project = await makeProject();
  packageDir = (await train({ loaded: await project.load(), outDir: join(work, 'package') })).packageDir;
  srv = await startServer({
    config: {
      ...configSchema.shape.serving.unwrap().parse({}),
      port: 0,
      predictionLog: false,
      stateDir: join(work, 'state'),
    },
    root: project.dir,
    models: [{ source: packageDir }],
    load: createLoader({ cwd: project.dir }),
    defaultMetrics: false,
  });
  const bundle = await buildEdge(join(work, 'dist', 'edge.js'));
  // The page, its bundle and the package files, as a static site would serve them.
  files = createServer(async (req, res) => {
    const path = normalize(new URL(req.url ?? '/', 'http://x').pathname);
    const file =
      path === '/dist/edge.js'
        ? bundle
        : path.startsWith('/package/')
          ? join(packageDir, path.slice(9))
          : join(edgeDir, path);
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await srv?.close();
  await new Promise((r) => files?.close(r));
  await rm(work, { recursive: true, force: true });
});

describe('edge: the model package in a browser', () => {
  it('predicts in headless Chromium exactly what the server predicts', async () => {
    const rows = syntheticRows(40, 99).map(({ label: _label, ...r }, i) => ({
      ...r,
      x1: i % 7 === 0 ? null : r.x1,
    }));
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/index.html?package=/package/`);
    await page.waitForFunction(
      () => (globalThis as unknown as { slipwayEdge?: unknown }).slipwayEdge !== undefined,
    );
    const inBrowser = await page.evaluate(async (r) => {
      const edge = (
        globalThis as unknown as {
          slipwayEdge: { ready: Promise<void>; predict(x: unknown[]): Promise<number[]> };
        }
      ).slipwayEdge;
      await edge.ready;
      return edge.predict(r);
    }, rows);
    expect(errors).toEqual([]);
    expect(await page.textContent('#status')).toMatch(/^loaded /);
    const res = await fetch(`${srv.url}/predict`, { method: 'POST', body: JSON.stringify({ rows }) });
    expect(res.status).toBe(200);
    const served = (await res.json()) as { predictions: number[]; version: string };
    expect(inBrowser).toHaveLength(rows.length);
    expect(inBrowser).toEqual(served.predictions);
    const manifest = JSON.parse(await readFile(join(packageDir, 'manifest.json'), 'utf8')) as {
      hash: string;
    };
    expect(served.version).toBe(manifest.hash.slice(0, 12));
  });
});
