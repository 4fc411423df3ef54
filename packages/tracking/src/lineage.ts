import { userInfo } from 'node:os';
import { basename } from 'node:path';
import { ciFacts, gitFacts } from '@slipway/core';

/** MLflow's reserved run tags (mlflow/utils/mlflow_tags.py) that Slipway fills in. */
export const TAG = {
  runName: 'mlflow.runName',
  user: 'mlflow.user',
  sourceType: 'mlflow.source.type',
  sourceName: 'mlflow.source.name',
  parentRunId: 'mlflow.parentRunId',
  gitCommit: 'mlflow.source.git.commit',
  gitBranch: 'mlflow.source.git.branch',
  gitRepoURL: 'mlflow.source.git.repoURL',
  gitDirty: 'mlflow.source.git.dirty',
  datasetContext: 'mlflow.data.context',
} as const;

function currentUser(env: NodeJS.ProcessEnv): string {
  if (env.GITHUB_ACTOR) return env.GITHUB_ACTOR;
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? env.USERNAME ?? 'unknown';
  }
}

/** The tags every new run gets unless the caller sets them: who, and what kind of program started it. */
export function defaultRunTags(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const script = process.argv[1];
  return {
    [TAG.user]: currentUser(env),
    [TAG.sourceType]: env.GITHUB_ACTIONS === 'true' ? 'JOB' : 'LOCAL',
    [TAG.sourceName]: script ? basename(script) : 'slipway',
  };
}

/**
 * Lineage tags for a run started in `cwd`: git commit/branch/origin/dirty and, in GitHub Actions, the job's
 * URL as the source name. Credentials in the origin URL are stripped. Missing facts are left out.
 */
export async function lineageTags(
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Record<string, string>> {
  const env = options.env ?? process.env;
  const git = await gitFacts(options.cwd ?? process.cwd());
  const ci = await ciFacts(env);
  const tags: Record<string, string> = { ...defaultRunTags(env) };
  if (git.commit) tags[TAG.gitCommit] = git.commit;
  else if (ci.sha) tags[TAG.gitCommit] = ci.sha;
  if (git.branch) tags[TAG.gitBranch] = git.branch;
  if (git.remoteUrl) tags[TAG.gitRepoURL] = git.remoteUrl;
  if (git.dirty !== null) tags[TAG.gitDirty] = String(git.dirty);
  if (ci.runUrl) tags[TAG.sourceName] = ci.runUrl;
  return tags;
}

/** The tags a new run is created with: defaults, then the caller's tags, then name and parent. */
export function composeRunTags(options: {
  name?: string;
  tags?: Record<string, string>;
  parentRunId?: string;
}): Record<string, string> {
  const tags: Record<string, string> = { ...defaultRunTags(), ...(options.tags ?? {}) };
  if (options.name !== undefined) tags[TAG.runName] = options.name;
  if (options.parentRunId !== undefined) tags[TAG.parentRunId] = options.parentRunId;
  return tags;
}
