/** features.json: the fitted transforms. Plain JSON, so that serving in a browser applies the same thing. */
import type { ColumnKind } from '@slipway/data';

export const FEATURES_SCHEMA = 'slipway.features/v1';

export type DatetimePart = 'hour' | 'dayOfWeek' | 'month' | 'dayOfMonth' | 'year';

export type FittedTransform =
  | { transform: 'standardize'; mean: number; std: number }
  | { transform: 'minmax'; min: number; max: number }
  | { transform: 'log1p' }
  | { transform: 'clip'; min: number; max: number }
  | { transform: 'bucketize'; boundaries: number[] }
  /** The last output slot is the out-of-vocabulary bucket. */
  | { transform: 'oneHot'; vocabulary: string[] }
  | { transform: 'hash'; buckets: number }
  | { transform: 'datetime'; parts: DatetimePart[]; cyclical: boolean; yearMin: number }
  | { transform: 'passthrough' }
  /** `source` is the function's code, bundled so that the package can apply it without the project. */
  | { transform: 'custom'; customName: string; source: string; sha256: string };

export type FittedFeature = FittedTransform & {
  /** Output name (`as`, else the column). */
  name: string;
  /** Raw input column. */
  column: string;
  missing: 'impute' | 'error';
  /** The value a missing input is replaced with (fitted on the training split); null: none needed. */
  fill: number | string | null;
  /** First column of this feature in the model's input matrix, and how many it takes. */
  offset: number;
  width: number;
};

export interface FeaturesJson {
  schema: typeof FEATURES_SCHEMA;
  /** Columns of the model's input matrix. */
  width: number;
  /** Names of the matrix columns, in order (e.g. `origin=ATL`, `origin=<oov>`, `distance`). */
  outputs: string[];
  /** Raw input columns and the kind they had in the training data. */
  inputs: { name: string; kind: ColumnKind }[];
  features: FittedFeature[];
  /** Rows the transforms were fitted on (the training split, validation rows excluded). */
  fittedRows: number;
}

/** A custom transform: pure, one raw value in, a number or a fixed-length vector out. */
export type CustomTransform = (value: string | number | boolean | null) => number | number[];
