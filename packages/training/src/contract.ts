/**
 * The model package as other packages use it (eval, governance, serving, cli). @slipway/training
 * implements these; their shape is shared so that every stage reads a package the same way.
 */
import type { Lineage, ModelPackageManifest, Task } from '@slipway/core';
import type { ColumnKind, Table } from '@slipway/data';
import type { TreesJson } from './gbdt/types.js';

export const SIGNATURE_SCHEMA = 'slipway.signature/v1';

/** signature.json: what goes in and what comes out. */
export interface Signature {
  schema: typeof SIGNATURE_SCHEMA;
  name: string;
  task: Task;
  /** Raw input columns the package needs (before features.json is applied), with their kinds. */
  inputs: { name: string; kind: ColumnKind }[];
  /** The label column in training data. */
  label: string;
  /** binary: [negative, positive]; multiclass: all classes in output order; regression: null. */
  classes: (string | number)[] | null;
  /** binary decision threshold; null otherwise. */
  threshold: number | null;
}

/** Model output for n rows. */
export interface Predictions {
  task: Task;
  n: number;
  /**
   * binary: P(positive class) per row; regression: the predicted value per row;
   * multiclass: the index of the most probable class per row.
   */
  values: Float64Array;
  /** multiclass only: n × k probabilities, row-major, classes in `Signature.classes` order. */
  probabilities?: Float64Array;
}

/** One raw input row by column name (what `POST /predict` and the browser receive). */
export type Row = Record<string, string | number | boolean | null | undefined>;

export interface LoadedModelPackage {
  /** Absolute directory of the package. */
  dir: string;
  manifest: ModelPackageManifest;
  signature: Signature;
  lineage: Lineage;
  /** features.json, as written by the trainer (opaque to other packages; pass it back to training). */
  features: unknown;
  /** profile.json: the training split's reference profile (produced by @slipway/data profiles). */
  profile: unknown;
  /** trees.json of a gradient-boosted tree package (explanations walk it: TreeSHAP); absent for tfjs models. */
  trees?: TreesJson;
  /** Content hash over the package files (manifest.hash). */
  hash: string;
  /** Applies features.json and the model to a columnar table (extra columns are ignored). */
  predictTable(table: Table): Promise<Predictions>;
  /** Same, for rows by name; a missing input column is an error naming it. */
  predictRows(rows: Row[]): Promise<Predictions>;
  /** Frees the tfjs model (nothing to free for trees). */
  dispose(): void;
}
