/**
 * A model package in memory → a LoadedModelPackage that predicts. Shared by the Node loader and by a
 * browser that fetched the package files itself; no Node API here.
 */
import type { Lineage, ModelPackageManifest } from '@slipway/core';
import type { Table } from '@slipway/data';
import * as tf from '@tensorflow/tfjs';
import type { LoadedModelPackage, Predictions, Row, Signature } from '../contract.js';
import { PackageError } from '../errors.js';
import { applyFeatures } from '../features/apply.js';
import type { FeaturesJson } from '../features/types.js';
import { predictTrees } from '../gbdt/predict.js';
import { treesProblem } from '../gbdt/serialize.js';
import type { TreesJson } from '../gbdt/types.js';
import { admitPackageCode } from '../package-code.js';

/** model.json as written by Slipway (the layout tfjs's own file writer uses). */
export interface ModelJson {
  modelTopology: tf.io.ModelArtifacts['modelTopology'];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

export interface PackageParts {
  dir: string;
  manifest: ModelPackageManifest;
  signature: Signature;
  lineage: Lineage;
  features: FeaturesJson;
  profile: unknown;
  /** tfjs packages: model.json and the bytes of weights.bin. */
  modelJson?: ModelJson;
  weights?: ArrayBuffer;
  /** Tree packages: trees.json (then modelJson and weights are absent). */
  trees?: TreesJson;
}

/**
 * Rows per predict call. tfjs-wasm's matmul slows sharply with tall inputs (measured on a 240-wide MLP:
 * ~190k rows/s in chunks of 128, ~60k at 1,024, ~13k at 8,192); other backends prefer larger chunks.
 */
export function predictChunk(): number {
  return tf.getBackend() === 'wasm' ? 128 : 4096;
}

/** Rebuilds the tfjs model from model.json + weights.bin bytes (what tf.loadLayersModel does over HTTP). */
export async function modelFromParts(modelJson: ModelJson, weights: ArrayBuffer): Promise<tf.LayersModel> {
  const specs = modelJson.weightsManifest.flatMap((g) => g.weights);
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: specs,
      weightData: weights,
      ...(modelJson.format ? { format: modelJson.format } : {}),
      ...(modelJson.generatedBy ? { generatedBy: modelJson.generatedBy } : {}),
    }),
  );
}

/** Runs the model over a feature matrix in chunks and shapes the output as Predictions. */
export function predictMatrix(
  model: tf.LayersModel,
  signature: Signature,
  matrix: Float32Array,
  rows: number,
  width: number,
): Predictions {
  const units = signature.task === 'multiclass' ? (signature.classes?.length ?? 0) : 1;
  const raw = new Float32Array(rows * units);
  const chunk = predictChunk();
  for (let start = 0; start < rows; start += chunk) {
    const n = Math.min(chunk, rows - start);
    const out = tf.tidy(() => {
      const x = tf.tensor2d(matrix.subarray(start * width, (start + n) * width), [n, width]);
      return (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
    });
    raw.set(out, start * units);
  }
  if (signature.task !== 'multiclass')
    return { task: signature.task, n: rows, values: Float64Array.from(raw) };
  const values = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let k = 1; k < units; k++) if (raw[i * units + k]! > raw[i * units + best]!) best = k;
    values[i] = best;
  }
  return { task: 'multiclass', n: rows, values, probabilities: Float64Array.from(raw) };
}

/** Shapes tree outputs (P(positive), class probabilities or values) as Predictions. */
export function predictTreeMatrix(
  trees: TreesJson,
  signature: Signature,
  matrix: Float32Array,
  rows: number,
  width: number,
): Predictions {
  const out = predictTrees(trees, matrix, rows, width);
  if (signature.task !== 'multiclass') return { task: signature.task, n: rows, values: out };
  const k = trees.outputs;
  const values = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (out[i * k + c]! > out[i * k + best]!) best = c;
    values[i] = best;
  }
  return { task: 'multiclass', n: rows, values, probabilities: out };
}

function openTreePackage(parts: PackageParts, trees: TreesJson): LoadedModelPackage {
  const { signature, features } = parts;
  const problem = treesProblem(trees, features.width);
  const units = signature.task === 'multiclass' ? (signature.classes?.length ?? 0) : 1;
  if (problem || trees.outputs !== units) {
    throw new PackageError(
      'MODEL_PACKAGE_CORRUPT',
      `${parts.dir}/trees.json: ${problem ?? `has ${trees.outputs} output(s); signature.json needs ${units}`}`,
      { hint: 'the package is damaged or was written by an incompatible version; retrain it' },
    );
  }
  const predict = (input: Table | Row[], source: string): Predictions => {
    const { matrix, rows, width } = applyFeatures(features, input, { source });
    return predictTreeMatrix(trees, signature, matrix, rows, width);
  };
  return {
    dir: parts.dir,
    manifest: parts.manifest,
    signature,
    lineage: parts.lineage,
    features,
    profile: parts.profile,
    trees,
    hash: parts.manifest.hash,
    async predictTable(table: Table) {
      return predict(table, 'input table');
    },
    async predictRows(rows: Row[]) {
      return predict(rows, 'input rows');
    },
    dispose() {},
  };
}

export async function openModelPackage(parts: PackageParts): Promise<LoadedModelPackage> {
  // Before anything else: a package whose custom code this host neither registered nor admitted is refused.
  await admitPackageCode(parts.features, { dir: parts.dir, packageHash: parts.manifest.hash });
  if (parts.trees) return openTreePackage(parts, parts.trees);
  let model: tf.LayersModel | null;
  try {
    if (!parts.modelJson || !parts.weights) throw new Error('model.json and weights.bin are required');
    model = await modelFromParts(parts.modelJson, parts.weights);
  } catch (err) {
    throw new PackageError(
      'MODEL_PACKAGE_CORRUPT',
      `${parts.dir}/model.json: tfjs could not build the model (${(err as Error).message})`,
      { hint: 'the package is damaged or was written by an incompatible version; retrain it' },
    );
  }
  const { signature, features } = parts;
  const predict = (input: Table | Row[], source: string): Predictions => {
    if (!model) throw new PackageError('MODEL_DISPOSED', `${parts.dir}: the model was disposed`, {});
    const { matrix, rows, width } = applyFeatures(features, input, { source });
    return predictMatrix(model, signature, matrix, rows, width);
  };
  return {
    dir: parts.dir,
    manifest: parts.manifest,
    signature,
    lineage: parts.lineage,
    features,
    profile: parts.profile,
    hash: parts.manifest.hash,
    async predictTable(table: Table) {
      return predict(table, 'input table');
    },
    async predictRows(rows: Row[]) {
      return predict(rows, 'input rows');
    },
    dispose() {
      model?.dispose();
      model = null;
    },
  };
}
