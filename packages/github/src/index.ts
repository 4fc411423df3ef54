export {
  type ActionProject,
  type ActionStore,
  type ActionStoreOptions,
  formatActionError,
  loadActionProject,
  prepareActionStore,
  STORE_SYNCED_ENV,
  syncStoreOnce,
} from './action-kit.js';
export {
  type CommitToBranchOptions,
  type CommitToBranchResult,
  commitToBranch,
  validProposalBranch,
} from './branch-commit.js';
export {
  ANNOTATIONS_PER_REQUEST,
  type Annotation,
  type AnnotationLevel,
  CHECK_TEXT_MAX,
  type CheckConclusion,
  type CheckRunOptions,
  type CheckRunResult,
  createCheckRun,
  locateCsvRow,
  locateLine,
} from './checks.js';
export {
  GitHubApiError,
  GitHubClient,
  type GitHubClientOptions,
  type GitHubResponse,
  type RequestOptions,
} from './client.js';
export {
  ACTIONS_BOT_LOGIN,
  COMMENT_MAX_CHARS,
  carriesMarker,
  commentMarker,
  type IssueComment,
  resolveIdentity,
  truncateMarkdown,
  type UpsertCommentOptions,
  type UpsertCommentResult,
  upsertComment,
} from './comment.js';
export {
  type ActionContext,
  isForkPullRequest,
  type PullRequestFacts,
  pullRequestFacts,
  readActionContext,
} from './context.js';
export {
  type CreateDeploymentOptions,
  createDeployment,
  type Deployment,
  type DeploymentState,
  type DeploymentStatusOptions,
  setDeploymentStatus,
} from './deployments.js';
export { type DispatchOptions, dispatchWorkflow } from './dispatch.js';
export { gitAuthEnv } from './git.js';
export {
  getRepositoryPermission,
  getTeamMembership,
  type PermissionResult,
  type RepositoryPermission,
  type TeamMembership,
} from './identity.js';
export { issueMarker, type UpsertIssueOptions, type UpsertIssueResult, upsertIssue } from './issue.js';
export { type MonitorIssueInput, type MonitorIssueText, renderMonitorIssue } from './monitor-issue.js';
export { type Proposal, type ProposalInput, renderProposal } from './proposal.js';
export { defaultProposalPaths } from './proposal-scope.js';
export { type PublishReportOptions, type PublishReportResult, publishReport } from './publish.js';
export {
  type UpsertPullRequestOptions,
  type UpsertPullRequestResult,
  upsertPullRequest,
} from './pull-request.js';
export {
  AUDIT_HEAD_TRAILER,
  type PushResult,
  pushStoreToBranch,
  readStoreCheckpoint,
  type StoreBranchOptions,
  type SyncResult,
  syncStoreFromBranch,
} from './store-branch.js';
export { appendJobSummary, SUMMARY_MAX_BYTES, type SummaryResult } from './summary.js';
