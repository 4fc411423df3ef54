// A tree package in a real Chromium: the browser-safe bundle opens trees.json from the package files and
// predicts what the Node loader predicts: the same raw scores bit for bit, probabilities to 1e-15.
import { readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  applyFeatures,
  type FeaturesJson,
  loadModelPackage,
  predictRaw,
  type Row,
  train,
} from '@slipway/training';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { makeProject, syntheticRows } from '../packages/training/src/project.fixture.js';

const trainingDir = resolve('packages/training');
const dirs: string[] = [];

afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('tree package in the browser', () => {
  it('predicts in Chromium what the Node loader predicts (raw scores bit for bit)', async () => {
    const p = await makeProject({
      train: syntheticRows(500, 1, 3) as never,
      eval: syntheticRows(100, 2, 3) as never,
      config: {
        model: {
          task: 'multiclass',
          type: 'gbdt',
          gbdt: { iterations: 25, maxLeaves: 8, minSamplesLeaf: 5 },
        },
      },
    });
    dirs.push(p.dir);
    const { packageDir } = await train({ loaded: await p.load() });
    const pkg = await loadModelPackage(packageDir);
    const rows: Row[] = syntheticRows(40, 9, 3).map((r, i) => ({ ...r, x1: i % 7 === 0 ? null : r.x1 }));
    const expected = await pkg.predictRows(rows);
    const files = Object.fromEntries(
      await Promise.all(
        [
          'manifest.json',
          'signature.json',
          'lineage.json',
          'features.json',
          'profile.json',
          'trees.json',
        ].map(async (f) => [f, JSON.parse(await readFile(join(packageDir, f), 'utf8'))] as const),
      ),
    );
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
      const got = await page.evaluate(
        async ({ files, rows }) => {
          const s = (globalThis as unknown as { Slipway: typeof import('@slipway/training/browser') })
            .Slipway;
          const opened = await s.openModelPackage({
            dir: 'browser',
            manifest: files['manifest.json'],
            signature: files['signature.json'],
            lineage: files['lineage.json'],
            features: files['features.json'],
            profile: files['profile.json'],
            trees: files['trees.json'],
          });
          const out = await opened.predictRows(rows);
          const m = s.applyFeatures(files['features.json'], rows);
          const raw = s.predictRaw(files['trees.json'], m.matrix, m.rows, m.width);
          return {
            values: Array.from(out.values),
            probabilities: Array.from(out.probabilities ?? []),
            raw: Array.from(raw),
          };
        },
        { files, rows },
      );
      // The trees' raw scores are bit-identical; the softmax goes through Math.exp, which may differ in
      // the last bit between V8 builds (Chromium's and Node's), so probabilities agree to 1e-15.
      const m = applyFeatures(pkg.features as FeaturesJson, rows);
      expect(got.raw).toEqual(Array.from(predictRaw(pkg.trees!, m.matrix, m.rows, m.width)));
      expect(got.values).toEqual(Array.from(expected.values));
      expect(got.probabilities).toHaveLength(40 * 3);
      got.probabilities.forEach((p, i) => {
        expect(Math.abs(p - expected.probabilities![i]!)).toBeLessThan(1e-15);
      });
    } finally {
      await browser.close();
    }
  });
});
