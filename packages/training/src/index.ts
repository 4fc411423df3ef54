export {
  availableBackends,
  BACKEND_NAMES,
  type BackendAvailability,
  type BackendChoice,
  type BackendName,
  type ConcreteBackend,
  currentBackend,
  ensureBackend,
  selectBackend,
  type TrainedOn,
} from './backend.js';
export { LOCK_FILE, type LockFile, readLock, type TrainInputs, type TrainLockEntry } from './cache.js';
export * from './contract.js';
export { PackageError } from './errors.js';
export { type ApplyOptions, applyFeatures, type FeatureMatrix } from './features/apply.js';
export { customCodeHash, fitFeatures } from './features/fit.js';
export {
  type CustomTransform,
  type DatetimePart,
  FEATURES_SCHEMA,
  type FeaturesJson,
  type FittedFeature,
} from './features/types.js';
export { type BoostInput, type BoostResult, boost, lossFor } from './gbdt/boost.js';
export { leafOf, predictRaw, predictTrees } from './gbdt/predict.js';
export { serializeTrees, treesProblem } from './gbdt/serialize.js';
export { gbdtParams } from './gbdt/train-trees.js';
export { type GbdtParams, TREES_SCHEMA, type Tree, type TreeLoss, type TreesJson } from './gbdt/types.js';
export { rocAuc } from './metrics.js';
export { buildModel } from './model.js';
export {
  loadModelPackage,
  MANIFEST_FILE,
  type PackageKeyOptions,
  packageHash,
  serializeModel,
  verifyModelPackage,
  writeModelPackage,
} from './package/files.js';
export {
  type ModelJson,
  modelFromParts,
  openModelPackage,
  type PackageParts,
  predictMatrix,
  predictTreeMatrix,
} from './package/open.js';
export {
  keyIdOf,
  type PackageSignature,
  SIGNING_KEY_ENV,
  signingKeyFromEnv,
  signManifest,
  verifySignature,
} from './package/signing.js';
export {
  allowPackageCode,
  disallowPackageCode,
  type PackageCodeHandler,
  type PackageCodeUse,
  packageCodeAllowed,
} from './package-code.js';
export {
  type PredictBatchOptions,
  type PredictBatchResult,
  predictBatch,
  predictionColumns,
} from './predict.js';
export {
  type ModelFactory,
  type ModelFactoryContext,
  registeredModels,
  registeredTransforms,
  registerModel,
  registerTransform,
  unregisterTransform,
} from './registry.js';
export { type TrainOptions, type TrainResult, train } from './train.js';
export { type EpochLogs, trainModel } from './trainer.js';
