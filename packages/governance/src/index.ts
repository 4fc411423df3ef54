export { recordAuditEvent } from './audit/events.js';
export {
  type AppendOptions,
  AUDIT_SCHEMA,
  type AuditEntry,
  type AuditEvent,
  type AuditHead,
  type AuditLayout,
  type AuditProblem,
  type AuditRecord,
  type AuditRecordSource,
  appendAudit,
  auditKeyFromEnv,
  GENESIS_HASH,
  layoutSegments,
  parseAuditLines,
  parseCheckpoint,
  readVerifiedAudit,
  startAuditSegment,
  type VerifyResult,
  verifyAudit,
  verifyAuditLines,
  verifyLayout,
} from './audit/log.js';
export { type ReplayedState, replayAudit } from './audit/replay.js';
export { type AuditFilter, filterAuditEntries, renderAuditTable } from './audit/show.js';
export {
  AUDIT_LOG_NAME,
  type AuditLine,
  type AuditSegment,
  type AuditSink,
  chainLines,
  fileAuditSink,
  type LogStore,
  storeAuditSink,
  UNKEYED_LOG_NAME,
} from './audit/sink.js';
export {
  buildModelCard,
  type CardApproval,
  type CardInput,
  type CardMetric,
  type CardPromotion,
  EU_AI_ACT_TERMS,
  MODEL_CARD_SCHEMA,
  type ModelCard,
} from './card/build.js';
export { cardForPackage, cardForVersion, refreshModelCard } from './card/generate.js';
export { type ProfileSummary, summarizeProfile } from './card/profile.js';
export { huggingFaceMetadata, modelCardToolkitJson, renderModelCardMarkdown } from './card/render.js';
export { CARD_JSON, CARD_MARKDOWN, type WrittenCard, writeModelCard } from './card/write.js';
export { type LineageChain, type LineageOptions, lineageChain, renderLineage } from './lineage/chain.js';
export {
  type ReproduceCheck,
  type ReproduceOptions,
  type ReproduceResult,
  reproduce,
} from './lineage/reproduce.js';
export {
  type AuthorizeInput,
  actionMatch,
  authorize,
  type Decision,
  globMatch,
  type MembershipResult,
  roleMembership,
} from './policy/authorize.js';
export {
  type Answer,
  createGitHubLookup,
  type FetchLookupOptions,
  type GitHubLookup,
  offlineLookup,
  permissionAtLeast,
} from './policy/github.js';
export {
  type Identity,
  type IdentitySource,
  type PullRequestFacts,
  type ResolveIdentityOptions,
  resolveIdentity,
} from './policy/identity.js';
export {
  type LoadedPolicy,
  loadPolicy,
  loadPolicyFromRef,
  type PolicyProblem,
  parsePolicy,
} from './policy/load.js';
export { loadPolicyFor, type PolicyLocation } from './policy/resolve.js';
export {
  DEFAULT_POLICY_PATH,
  resolveTrustedInputs,
  type TrustedInputOptions,
  type TrustedInputs,
  trustedPolicy,
} from './policy/trusted.js';
export { type GateConfig, type GateRecheck, loadGateConfigFor, recheckGates } from './promote/gates.js';
export {
  type ApprovalRecord,
  type ApproveInput,
  type ApproveResult,
  approve,
  type Check,
  type PromoteInput,
  type PromoteResult,
  promote,
} from './promote/promote.js';
export { type RegisterInput, type RegisterResult, registerVersion } from './register/register.js';
export {
  type ReplaceReportInput,
  type ReplaceReportResult,
  replaceEvalReport,
} from './register/replace-report.js';
export { boundEvalDigest } from './version/eval-binding.js';
export {
  CARD_ARTIFACT_DIR,
  cachedVersionPackage,
  EVAL_REPORT_ARTIFACT,
  evalReportDigest,
  evalReportMac,
  fetchVersionPackage,
  type GovernanceStore,
  type PackageFacts,
  readEvalReport,
  readModelCard,
  readPackageFacts,
  recordEvalReport,
  recordModelCard,
  type Stored,
  VERSION_TAGS,
} from './version/store.js';
