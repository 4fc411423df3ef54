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
