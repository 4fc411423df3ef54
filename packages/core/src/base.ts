/**
 * The dependency-free part of @slipway/core (errors, atomic writes, locks, hashing, progress): what a
 * command that never reads the project config needs. `slipway data add` and the CLI's start-up import
 * this instead of the index, which also loads the config schemas (zod, yaml).
 */

export { displayPath } from './display-path.js';
export { ExitCode, fsError, isSlipwayError, SlipwayError } from './errors.js';
export {
  commitTemp,
  reserveTemp,
  type WriteOptions,
  writeFileAtomic,
  writeJsonAtomic,
  writeTargetKind,
} from './fs/atomic.js';
export { describeHolder, type LockHolder, type LockOptions, withDirectoryLock } from './fs/lock.js';
export { isStdout, writeOutput } from './fs/output.js';
export { currentOwner, hostTag, type Owner, ownerGone, ownerTag, processStart } from './fs/owner.js';
export {
  assertSafeWritePath,
  componentsBelow,
  findRepositoryRoot,
  isGitDirName,
  mkdirInside,
} from './fs/safe-path.js';
export { isAbandonedTemp, sweepTemps, tempName, tempPathFor } from './fs/temp.js';
export {
  canonicalJson,
  type DirectoryEntryHash,
  type HashAlgorithm,
  hashBytes,
  hashDirectory,
  hashFile,
  hashJson,
  listFiles,
  md5File,
  sha256File,
} from './hash.js';
export { htmlText, mdCode, mdRow, mdTable, mdText, mermaidLabel } from './markdown.js';
export {
  createProgress,
  formatBytes,
  formatDuration,
  type Progress,
  type ProgressOptions,
  type ProgressTask,
  silentProgress,
} from './progress.js';
export { didYouMean, editDistance, suggest } from './suggest.js';
export { SLIPWAY_VERSION } from './version.js';
