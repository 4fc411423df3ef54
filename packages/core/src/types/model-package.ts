import { z } from 'zod';

export const MODEL_PACKAGE_SCHEMA = 'slipway.model-package/v1';

/** The files every model package holds (design.md, "The model package"). */
export const MODEL_PACKAGE_FILES = [
  'model.json',
  'weights.bin',
  'features.json',
  'signature.json',
  'lineage.json',
  'profile.json',
] as const;

/** The model itself, by family: a tfjs layers model, or a gradient-boosted tree ensemble (trees.json). */
export const MODEL_FAMILY_FILES = {
  tfjs: ['model.json', 'weights.bin'],
  gbdt: ['trees.json'],
} as const;

export type ModelFamily = keyof typeof MODEL_FAMILY_FILES;

/** Files of every package whatever its family. */
export const MODEL_PACKAGE_COMMON_FILES = [
  'features.json',
  'signature.json',
  'lineage.json',
  'profile.json',
] as const;

/** The family whose model files a manifest lists (trees.json → gbdt; otherwise tfjs). */
export function modelFamilyOf(manifest: { files: { path: string }[] }): ModelFamily {
  return manifest.files.some((f) => f.path === 'trees.json') ? 'gbdt' : 'tfjs';
}

/** The files a package of `family` must hold. */
export function modelPackageFiles(family: ModelFamily): string[] {
  return [...MODEL_FAMILY_FILES[family], ...MODEL_PACKAGE_COMMON_FILES];
}

export const modelPackageManifestSchema = z.object({
  schema: z.literal(MODEL_PACKAGE_SCHEMA),
  name: z.string(),
  task: z.enum(['binary', 'multiclass', 'regression']),
  /** sha256 over the sorted (path, sha256) list of the files below. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  files: z.array(
    z.object({ path: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), size: z.int().min(0) }),
  ),
  createdAt: z.iso.datetime(),
  /**
   * The trainer's keyed MAC over name, task, hash and createdAt (HMAC-SHA256 with the signing key): the
   * hash proves the files belong together, the signature proves who wrote them. Absent when unsigned.
   */
  signature: z
    .strictObject({
      alg: z.literal('hmac-sha256'),
      /** First 16 hex digits of sha256 of the key, to tell which key signed it. */
      keyId: z.string().regex(/^[0-9a-f]{16}$/),
      mac: z.string().regex(/^[0-9a-f]{64}$/),
    })
    .optional(),
});

export type ModelPackageManifest = z.infer<typeof modelPackageManifestSchema>;
