/** Writing and reading model packages on disk (Node). */
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  hashBytes,
  type Lineage,
  lineageSchema,
  MODEL_PACKAGE_SCHEMA,
  type ModelPackageManifest,
  modelFamilyOf,
  modelPackageFiles,
  modelPackageManifestSchema,
  SlipwayError,
  type Task,
  writeFileAtomic,
  writeJsonAtomic,
} from '@slipway/core';
import * as tf from '@tensorflow/tfjs';
import { ensureBackend } from '../backend.js';
import { type LoadedModelPackage, SIGNATURE_SCHEMA, type Signature } from '../contract.js';
import { FEATURES_SCHEMA, type FeaturesJson } from '../features/types.js';
import { serializeTrees } from '../gbdt/serialize.js';
import type { TreesJson } from '../gbdt/types.js';
import { type ModelJson, openModelPackage } from './open.js';
import { signingKeyFromEnv, signManifest, verifySignature } from './signing.js';

export const MANIFEST_FILE = 'manifest.json';

/** sha256 over the sorted "path\0sha256\n" lines: the same rule as core's hashDirectory. */
export function packageHash(files: { path: string; sha256: string }[]): string {
  return hashBytes(
    [...files]
      .sort((a, b) => (a.path < b.path ? -1 : 1))
      .map((f) => `${f.path}\0${f.sha256}\n`)
      .join(''),
  );
}

/** model.json + weights.bin bytes, produced by tfjs's own serializer through a save handler (no tfjs-node). */
export async function serializeModel(
  model: tf.LayersModel,
): Promise<{ json: ModelJson; weights: Uint8Array }> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
  );
  if (!artifacts?.weightData || !artifacts.weightSpecs) throw new Error('tfjs returned no weights');
  const data = artifacts.weightData;
  const weights = Array.isArray(data)
    ? new Uint8Array(tf.io.concatenateArrayBuffers(data))
    : new Uint8Array(data as ArrayBuffer);
  return {
    json: {
      modelTopology: artifacts.modelTopology,
      format: artifacts.format ?? 'layers-model',
      generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
      convertedBy: artifacts.convertedBy ?? null,
      weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
    },
    weights,
  };
}

export interface PackageContents {
  name: string;
  task: Task;
  /** The model: a tfjs layers model, or (tree family) the fitted ensemble. Exactly one of the two. */
  model?: tf.LayersModel;
  trees?: TreesJson;
  features: FeaturesJson;
  signature: Signature;
  lineage: Lineage;
  profile: unknown;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export interface PackageKeyOptions {
  /** Signing key; default SLIPWAY_SIGNING_KEY. `null`: no key (write unsigned / verify integrity only). */
  signingKey?: string | null;
}

/**
 * Writes every file of the package into `dir` (atomically, file by file) and then its manifest, signed
 * when a signing key is set.
 */
export async function writeModelPackage(
  dir: string,
  contents: PackageContents,
  options: PackageKeyOptions = {},
): Promise<ModelPackageManifest> {
  const key = options.signingKey === undefined ? signingKeyFromEnv() : options.signingKey;
  const bodies: Record<string, string | Uint8Array> = {};
  if (contents.trees) bodies['trees.json'] = serializeTrees(contents.trees);
  else if (contents.model) {
    const { json: modelJson, weights } = await serializeModel(contents.model);
    bodies['model.json'] = json(modelJson);
    bodies['weights.bin'] = weights;
  } else throw new Error('writeModelPackage: contents need a model or trees');
  Object.assign(bodies, {
    'features.json': json(contents.features),
    'signature.json': json(contents.signature),
    'lineage.json': json(lineageSchema.parse(contents.lineage)),
    'profile.json': json(contents.profile),
  });
  const files: ModelPackageManifest['files'] = [];
  for (const path of modelPackageFiles(contents.trees ? 'gbdt' : 'tfjs')) {
    const body = bodies[path]!;
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    await writeFileAtomic(join(dir, path), bytes);
    files.push({ path, sha256: hashBytes(bytes), size: bytes.byteLength });
  }
  const manifest: ModelPackageManifest = {
    schema: MODEL_PACKAGE_SCHEMA,
    name: contents.name,
    task: contents.task,
    hash: packageHash(files),
    files,
    createdAt: new Date().toISOString(),
  };
  if (key) manifest.signature = signManifest(manifest, key);
  await writeJsonAtomic(join(dir, MANIFEST_FILE), manifest);
  return manifest;
}

async function readPackageFile(dir: string, path: string): Promise<Buffer> {
  try {
    return await readFile(join(dir, path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SlipwayError(
      code === 'ENOENT' ? 'MODEL_PACKAGE_INCOMPLETE' : 'MODEL_PACKAGE_UNREADABLE',
      `${join(dir, path)}: ${code === 'ENOENT' ? 'missing from the model package' : `cannot be read (${code})`}`,
      {
        hint: 'a model package needs manifest.json and the files it lists; retrain or copy the whole directory',
      },
    );
  }
}

function parseJson(dir: string, path: string, bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new SlipwayError(
      'MODEL_PACKAGE_CORRUPT',
      `${join(dir, path)}: not valid JSON (${(err as Error).message})`,
      {
        hint: 'the package was damaged; retrain or copy it again',
      },
    );
  }
}

/**
 * Reads manifest.json and verifies every file against it and, when a signing key is set, the trainer's
 * signature; returns the verified bytes by path.
 */
export async function verifyModelPackage(
  dir: string,
  options: PackageKeyOptions = {},
): Promise<{
  manifest: ModelPackageManifest;
  bytes: Map<string, Buffer>;
  signature: 'verified' | 'unverified';
}> {
  const abs = resolve(dir);
  const key = options.signingKey === undefined ? signingKeyFromEnv() : options.signingKey;
  try {
    if (!(await stat(abs)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new SlipwayError('MODEL_PACKAGE_NOT_FOUND', `${abs}: not a model package directory`, {
      hint: 'pass the directory `slipway train` printed (it holds manifest.json, model.json, weights.bin, …)',
    });
  }
  const parsed = modelPackageManifestSchema.safeParse(
    parseJson(abs, MANIFEST_FILE, await readPackageFile(abs, MANIFEST_FILE)),
  );
  if (!parsed.success) {
    throw new SlipwayError(
      'MODEL_PACKAGE_CORRUPT',
      `${join(abs, MANIFEST_FILE)}: not a ${MODEL_PACKAGE_SCHEMA} manifest (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`,
      { hint: 'the package was damaged or written by another tool; retrain it' },
    );
  }
  const manifest = parsed.data;
  const bytes = new Map<string, Buffer>();
  for (const required of modelPackageFiles(modelFamilyOf(manifest))) {
    if (!manifest.files.some((f) => f.path === required)) {
      throw new SlipwayError(
        'MODEL_PACKAGE_INCOMPLETE',
        `${join(abs, MANIFEST_FILE)}: does not list ${required}`,
        {
          hint: 'retrain the model; every package holds its model (model.json + weights.bin, or trees.json), features.json, signature.json, lineage.json and profile.json',
        },
      );
    }
  }
  // Every file must be present before any content is judged, so a missing file is named as missing.
  for (const file of manifest.files) bytes.set(file.path, await readPackageFile(abs, file.path));
  for (const file of manifest.files) {
    const body = bytes.get(file.path)!;
    if (body.byteLength !== file.size || hashBytes(body) !== file.sha256) {
      throw new SlipwayError(
        'MODEL_PACKAGE_CORRUPT',
        `${join(abs, file.path)}: content does not match manifest.json (expected ${file.size} bytes with sha256 ${file.sha256.slice(0, 12)}…, found ${body.byteLength} bytes with ${hashBytes(body).slice(0, 12)}…)`,
        { hint: 'the file was changed or truncated after training; restore it or retrain' },
      );
    }
  }
  const hash = packageHash(manifest.files);
  if (hash !== manifest.hash) {
    throw new SlipwayError(
      'MODEL_PACKAGE_CORRUPT',
      `${join(abs, MANIFEST_FILE)}: package hash ${manifest.hash.slice(0, 12)}… does not match its files (${hash.slice(0, 12)}…)`,
      { hint: 'the manifest was edited; retrain the model' },
    );
  }
  const signature = verifySignature(manifest, key, join(abs, MANIFEST_FILE));
  return { manifest, bytes, signature };
}

/**
 * Loads a model package from disk after verifying its content hash and (with a signing key) its
 * signature; ready to predict. Custom-transform code bundled in it runs only as package-code.ts allows.
 */
export async function loadModelPackage(
  dir: string,
  options: PackageKeyOptions = {},
): Promise<LoadedModelPackage> {
  const abs = resolve(dir);
  const { manifest, bytes } = await verifyModelPackage(abs, options);
  const read = (path: string) => parseJson(abs, path, bytes.get(path)!);
  const signature = read('signature.json') as Signature;
  if (signature?.schema !== SIGNATURE_SCHEMA) {
    throw new SlipwayError(
      'MODEL_PACKAGE_CORRUPT',
      `${join(abs, 'signature.json')}: not a ${SIGNATURE_SCHEMA} document`,
      {
        hint: 'retrain the model with this version of Slipway',
      },
    );
  }
  const features = read('features.json') as FeaturesJson;
  if (features?.schema !== FEATURES_SCHEMA) {
    throw new SlipwayError(
      'MODEL_PACKAGE_CORRUPT',
      `${join(abs, 'features.json')}: not a ${FEATURES_SCHEMA} document`,
      {
        hint: 'retrain the model with this version of Slipway',
      },
    );
  }
  const lineage = lineageSchema.safeParse(read('lineage.json'));
  if (!lineage.success) {
    throw new SlipwayError(
      'MODEL_PACKAGE_CORRUPT',
      `${join(abs, 'lineage.json')}: not a valid lineage document`,
      {
        hint: 'retrain the model with this version of Slipway',
      },
    );
  }
  if (modelFamilyOf(manifest) === 'gbdt') {
    return openModelPackage({
      dir: abs,
      manifest,
      signature,
      lineage: lineage.data,
      features,
      profile: read('profile.json'),
      trees: read('trees.json') as TreesJson,
    });
  }
  const modelJson = read('model.json') as ModelJson;
  if (!modelJson?.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
    throw new SlipwayError('MODEL_PACKAGE_CORRUPT', `${join(abs, 'model.json')}: not a tfjs layers model`, {
      hint: 'retrain the model',
    });
  }
  const weightsFile = bytes.get('weights.bin')!;
  const weights = weightsFile.buffer.slice(
    weightsFile.byteOffset,
    weightsFile.byteOffset + weightsFile.byteLength,
  ) as ArrayBuffer;
  await ensureBackend();
  return openModelPackage({
    dir: abs,
    manifest,
    signature,
    lineage: lineage.data,
    features,
    profile: read('profile.json'),
    modelJson,
    weights,
  });
}
