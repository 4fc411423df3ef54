import { z } from 'zod';

export const LINEAGE_SCHEMA = 'slipway.lineage/v1';

export const datasetRef = z.object({
  /** Role of the dataset in this run: train, eval, reference, … */
  name: z.string(),
  path: z.string(),
  /** DVC-compatible md5 (of the file, or of the .dir manifest for a directory). */
  md5: z.string(),
  /** Short digest for MLflow dataset inputs (≤ 36 characters). */
  digest: z.string().max(36),
  /** Rows the run used (after sampling and dropping unlabelled rows). */
  rows: z.int().min(0).optional(),
  /** Rows in the file; more than `rows` when training read a seeded sample (training.maxRows). */
  fileRows: z.int().min(0).optional(),
  /** Rows left out because their label was null (data.missingLabel "drop"); absent when none. */
  unlabelledRows: z.int().min(1).optional(),
});

export const lineageSchema = z.object({
  schema: z.literal(LINEAGE_SCHEMA),
  datasets: z.array(datasetRef),
  code: z.object({
    commit: z.string().nullable(),
    branch: z.string().nullable(),
    dirty: z.boolean().nullable(),
    remoteUrl: z.string().nullable(),
  }),
  configHash: z.string(),
  configFileHash: z.string(),
  /** Hash of registered custom transform code, when any. */
  customCodeHash: z.string().nullable().optional(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  backend: z.string(),
  seed: z.int(),
  actor: z.string().nullable(),
  ci: z
    .object({ runUrl: z.string().nullable(), event: z.string().nullable(), prNumber: z.int().nullable() })
    .nullable(),
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime(),
  parent: z.object({ name: z.string(), version: z.string() }).nullable(),
  slipwayVersion: z.string(),
  runId: z.string().nullable().optional(),
});

export type DatasetRef = z.infer<typeof datasetRef>;
export type Lineage = z.infer<typeof lineageSchema>;
