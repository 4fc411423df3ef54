/**
 * trees.json: a fitted gradient-boosted tree ensemble as plain JSON, so that Node, the server and a
 * browser predict from the same document (and TreeSHAP can walk it).
 */

export const TREES_SCHEMA = 'slipway.trees/v1';

export type TreeLoss = 'log_loss' | 'softmax' | 'squared_error';

/**
 * One regression tree in flat arrays, node 0 the root. An internal node sends a row left when
 * `!(x[feature] > threshold)` (so a NaN goes left, as in binning); a leaf has feature −1.
 */
export interface Tree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  /** Leaf output (shrinkage applied); 0 on internal nodes. */
  value: number[];
  /** Training rows that reached the node (TreeSHAP's path-dependent weights). */
  cover: number[];
}

/** The hyper-parameters a tree ensemble was grown with (model.gbdt after defaults). */
export interface GbdtParams {
  iterations: number;
  learningRate: number;
  maxLeaves: number;
  /** null: unlimited. */
  maxDepth: number | null;
  minSamplesLeaf: number;
  minHessianLeaf: number;
  l2: number;
  maxBins: number;
  minGainToSplit: number;
}

export interface TreesJson {
  schema: typeof TREES_SCHEMA;
  loss: TreeLoss;
  /** Trees per boosting iteration: the class count for softmax, else 1. Tree t belongs to output t % k. */
  outputs: number;
  /** Raw score every row starts from, one per output. */
  baseScore: number[];
  /** Columns of the feature matrix (features.json `width`). */
  width: number;
  /** Iterations kept (the best one when early stopping ran). */
  iterations: number;
  params: GbdtParams;
  trees: Tree[];
}
