/**
 * Test helper (not part of the published API): small real tfjs models written as model packages
 * (model.json + weights.bin + features.json + signature.json) and loaded into objects implementing
 * LoadedModelPackage, so serving can be tested before @slipway/training's loader is wired in.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { hashDirectory, SlipwayError } from '@slipway/core';
import type { Table } from '@slipway/data';
import type { LoadedModelPackage, Predictions, Row, Signature } from '@slipway/training';
import * as tf from '@tensorflow/tfjs';

await tf.setBackend('cpu');

export interface TinyFeatures {
  numeric: { name: string; mean: number; std: number }[];
  categorical: { name: string; vocabulary: string[] }[];
}

export const TINY_SIGNATURE: Signature = {
  schema: 'slipway.signature/v1',
  name: 'tiny',
  task: 'binary',
  inputs: [
    { name: 'distance', kind: 'number' },
    { name: 'hour', kind: 'number' },
    { name: 'carrier', kind: 'string' },
  ],
  label: 'delayed',
  classes: [0, 1],
  threshold: 0.5,
};

const FEATURES: TinyFeatures = {
  numeric: [
    { name: 'distance', mean: 800, std: 400 },
    { name: 'hour', mean: 12, std: 5 },
  ],
  categorical: [{ name: 'carrier', vocabulary: ['AA', 'DL', 'UA'] }],
};

/** Writes a package; different seeds give different weights (a different model version). */
export async function writeTinyPackage(dir: string, seed = 1, name = 'tiny'): Promise<string> {
  await mkdir(dir, { recursive: true });
  const width =
    FEATURES.numeric.length + FEATURES.categorical.reduce((s, c) => s + c.vocabulary.length + 1, 0);
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [width],
        units: 8,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
        biasInitializer: tf.initializers.constant({ value: 0.1 }),
      }),
      tf.layers.dense({
        units: 1,
        activation: 'sigmoid',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1000 }),
      }),
    ],
  });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData as ArrayBuffer;
      await writeFile(join(dir, 'weights.bin'), new Uint8Array(weightData));
      await writeFile(
        join(dir, 'model.json'),
        JSON.stringify({
          format: 'layers-model',
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        }),
      );
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  await writeFile(join(dir, 'features.json'), JSON.stringify(FEATURES));
  await writeFile(join(dir, 'signature.json'), JSON.stringify({ ...TINY_SIGNATURE, name }));
  return dir;
}

/** Input rows → the feature matrix, exactly as features.json says. */
export function encodeRows(features: TinyFeatures, signature: Signature, rows: Row[]): Float32Array {
  const width =
    features.numeric.length + features.categorical.reduce((s, c) => s + c.vocabulary.length + 1, 0);
  const out = new Float32Array(rows.length * width);
  rows.forEach((row, r) => {
    let o = r * width;
    for (const input of signature.inputs) {
      if (!(input.name in row) || row[input.name] === undefined) {
        throw new SlipwayError('MISSING_INPUT', `row ${r}: missing input column "${input.name}"`, {
          hint: `send every input of the signature: ${signature.inputs.map((i) => i.name).join(', ')}`,
        });
      }
    }
    for (const f of features.numeric) {
      const v = row[f.name];
      out[o++] = v === null ? 0 : (Number(v) - f.mean) / f.std;
    }
    for (const c of features.categorical) {
      const v = row[c.name];
      const idx = typeof v === 'string' ? c.vocabulary.indexOf(v) : -1;
      out[o + (idx === -1 ? c.vocabulary.length : idx)] = 1;
      o += c.vocabulary.length + 1;
    }
  });
  return out;
}

export interface TinyOptions {
  /** Every prediction throws (a broken canary). */
  fail?: boolean;
  /** Each call takes this many times as long as the real model call. */
  slowFactor?: number;
  /** Adds this much latency to each call (ms). */
  extraDelayMs?: number;
}

export async function loadTinyPackage(dir: string, options: TinyOptions = {}): Promise<LoadedModelPackage> {
  const abs = resolve(dir);
  let modelJson: { modelTopology: unknown; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    modelJson = JSON.parse(await readFile(join(abs, 'model.json'), 'utf8'));
  } catch (err) {
    throw new SlipwayError(
      'BAD_MODEL_PACKAGE',
      `${join(abs, 'model.json')}: cannot read the model (${(err as Error).message})`,
      {
        hint: 'the package is incomplete or corrupt; re-create it',
      },
    );
  }
  const weights = await readFile(join(abs, 'weights.bin'));
  const features = JSON.parse(await readFile(join(abs, 'features.json'), 'utf8')) as TinyFeatures;
  const signature = JSON.parse(await readFile(join(abs, 'signature.json'), 'utf8')) as Signature;
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology as object,
      weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  );
  const { hash } = await hashDirectory(abs);
  const width = (model.inputs[0]?.shape[1] as number) ?? 0;
  const run = (x: Float32Array, n: number): Float64Array => {
    const out = tf.tidy(() => model.predict(tf.tensor2d(x, [n, width])) as tf.Tensor);
    const data = out.dataSync();
    out.dispose();
    return Float64Array.from(data);
  };
  const predictRows = async (rows: Row[]): Promise<Predictions> => {
    const x = encodeRows(features, signature, rows);
    return { task: 'binary', n: rows.length, values: run(x, rows.length) };
  };
  const pkg: LoadedModelPackage = {
    dir: abs,
    manifest: {
      schema: 'slipway.model-package/v1',
      name: signature.name,
      task: 'binary',
      hash,
      files: [],
      createdAt: new Date().toISOString(),
    },
    signature,
    lineage: {} as LoadedModelPackage['lineage'],
    features,
    profile: null,
    hash,
    predictRows,
    async predictTable(table: Table): Promise<Predictions> {
      const rows: Row[] = [];
      for (let r = 0; r < table.rowCount; r++) {
        const row: Row = {};
        for (const c of table.columns) {
          const v = c.values[r];
          row[c.name] = c.kind === 'boolean' ? v === 1 : (v as string | number | null);
        }
        rows.push(row);
      }
      return predictRows(rows);
    },
    dispose() {
      model.dispose();
    },
  };
  return withFaults(pkg, options);
}

/**
 * Wraps any package (tiny or trained) with injected faults: every call throws, or takes `slowFactor`
 * times as long as the real call (plus `extraDelayMs`). The real model still runs first.
 */
export function withFaults(pkg: LoadedModelPackage, options: TinyOptions): LoadedModelPackage {
  if (!options.fail && !options.slowFactor && !options.extraDelayMs) return pkg;
  const slowed = async <T>(call: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const out = await call();
    if (options.fail) throw new Error('canary model is broken (test fault)');
    const spent = performance.now() - t0;
    const wait = (options.slowFactor ? spent * (options.slowFactor - 1) : 0) + (options.extraDelayMs ?? 0);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    return out;
  };
  return {
    ...pkg,
    predictRows: (rows) => slowed(() => pkg.predictRows(rows)),
    predictTable: (table) => slowed(() => pkg.predictTable(table)),
    dispose: () => pkg.dispose(),
  };
}
