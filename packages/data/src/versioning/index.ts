export { type AddReport, type AddResult, addPaths, type VersioningOptions } from './add.js';
export { type CheckoutEntry, type CheckoutOptions, type CheckoutReport, dataCheckout } from './checkout.js';
export { type DvcConfig, parseDvcConfig } from './config.js';
export { type DataDigest, dataDigest } from './digest.js';
export { type DvcFile, type DvcOut, parseDvcFile, readDvcFile, renderDvcFile } from './dvcfile.js';
export { type ManifestEntry, manifestOid, parseManifest, serializeManifest } from './manifest.js';
export { type DvcRepo, findRepoRoot, initRepo, openRepo, resolveRepo } from './repo.js';
export { dataStatus, type OutState, type StatusEntry, type StatusReport } from './status.js';
export {
  dataPull,
  dataPush,
  type PullReport,
  type PushReport,
  type TransferOptions,
  type TransferResult,
} from './transfer.js';
