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
});

export type ModelPackageManifest = z.infer<typeof modelPackageManifestSchema>;
