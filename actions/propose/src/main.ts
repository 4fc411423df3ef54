/**
 * The `propose` Action: the retraining job's changes → @slipway/github `commitToBranch` → one pull
 * request per model (`upsertPullRequest`) whose body carries the reason, the candidate and its
 * evaluation report.
 */
import { resolve } from 'node:path';
import * as core from '@actions/core';
import { readEvalReport, renderMarkdown } from '@slipway/eval';
import {
  appendJobSummary,
  commitToBranch,
  defaultProposalPaths,
  formatActionError,
  GitHubClient,
  loadActionProject,
  readActionContext,
  renderProposal,
  upsertPullRequest,
} from '@slipway/github';

async function run(): Promise<void> {
  const {
    workspace,
    cwd,
    token,
    loaded,
    modelName: name,
  } = await loadActionProject({ getInput: core.getInput });
  const context = readActionContext();
  const report = await readEvalReport(resolve(workspace, core.getInput('report', { required: true })));
  const dispatchInputs = (context.payload.inputs ?? {}) as Record<string, unknown>;
  const reason =
    core.getInput('reason') || (typeof dispatchInputs.reason === 'string' ? dispatchInputs.reason : '');
  const base = core.getInput('base') || context.defaultBranch || 'main';
  const branch = core.getInput('branch') || `slipway/retrain-${name}`;

  const proposal = renderProposal({
    model: name,
    reason,
    modelHash: core.getInput('model-hash') || report.candidate.packageHash || null,
    verdict: report.verdict,
    reportMarkdown: renderMarkdown(report, { title: 'Candidate evaluation' }),
    runUrl: context.runUrl,
  });
  // Nothing listed: only the versioned data, its .dvc files and slipway.lock are proposed.
  const listed = core.getMultilineInput('paths');
  const paths =
    listed.length > 0
      ? listed
      : defaultProposalPaths({ root: loaded.root, cwd, versioned: loaded.config.data.versioned });
  core.info(`proposing changes under: ${paths.join(', ')}`);
  const pushed = await commitToBranch({
    cwd,
    paths,
    skipMissing: listed.length === 0,
    branch,
    message: proposal.commitMessage,
    token,
  });
  core.info(`pushed ${pushed.commit.slice(0, 12)} to ${branch} (${pushed.files.length} file(s) changed)`);
  const pr = await upsertPullRequest(GitHubClient.fromEnv(token), {
    owner: context.owner,
    repo: context.repo,
    head: branch,
    base,
    title: proposal.title,
    body: proposal.body(pushed.files),
    draft: core.getBooleanInput('draft'),
    labels: core
      .getInput('labels')
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean),
    fullReportUrl: context.runUrl,
  });
  core.info(`${pr.action} pull request #${pr.number}: ${pr.url}`);
  core.setOutput('pull-request-number', String(pr.number));
  core.setOutput('pull-request-url', pr.url);
  core.setOutput('action', pr.action);
  core.setOutput('commit', pushed.commit);
  core.setOutput('branch', branch);
  await appendJobSummary(
    `## Slipway retraining proposal: ${name}\n\n${pr.action} [#${pr.number}](${pr.url}) from \`${branch}\` (${report.verdict.toUpperCase()})\n`,
  );
}

try {
  await run();
} catch (err) {
  core.setFailed(formatActionError(err));
}
