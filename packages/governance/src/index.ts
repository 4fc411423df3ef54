export { recordAuditEvent } from './audit/events.js';
export {
  type AppendOptions,
  AUDIT_SCHEMA,
  type AuditEntry,
  type AuditEvent,
  type AuditProblem,
  type AuditRecord,
  appendAudit,
  auditKeyFromEnv,
  GENESIS_HASH,
  parseAuditLines,
  readVerifiedAudit,
  type VerifyResult,
  verifyAudit,
  verifyAuditLines,
} from './audit/log.js';
export {
  AUDIT_LOG_NAME,
  type AuditSink,
  fileAuditSink,
  type LogStore,
  storeAuditSink,
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
  CARD_ARTIFACT_DIR,
  cachedVersionPackage,
  EVAL_REPORT_ARTIFACT,
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
