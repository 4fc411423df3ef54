/**
 * The browser-safe surface: apply features.json and predict from package files already in memory.
 * Nothing reachable from here imports a Node API (tests/training-browser-safe.test.ts checks the bundle).
 */
export * from './contract.js';
export { PackageError } from './errors.js';
export { type ApplyOptions, applyFeatures, type FeatureMatrix } from './features/apply.js';
export { FEATURES_SCHEMA, type FeaturesJson, type FittedFeature } from './features/types.js';
export { leafOf, predictRaw, predictTrees } from './gbdt/predict.js';
export { treesProblem } from './gbdt/serialize.js';
export { TREES_SCHEMA, type Tree, type TreeLoss, type TreesJson } from './gbdt/types.js';
export {
  type ModelJson,
  modelFromParts,
  openModelPackage,
  type PackageParts,
  predictMatrix,
  predictTreeMatrix,
} from './package/open.js';
export {
  allowPackageCode,
  disallowPackageCode,
  type PackageCodeHandler,
  type PackageCodeUse,
} from './package-code.js';
export { registerTransform } from './registry.js';
