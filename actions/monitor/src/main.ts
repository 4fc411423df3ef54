/**
 * The `monitor` Action: the production model (a package or a registry alias) and data windows →
 * @slipway/eval `monitorWindow` per window → reports, job summary, and on an alert a workflow_dispatch
 * of the retraining workflow.
 */
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import * as core from '@actions/core';
import { mdText, resolveProjectPath, SlipwayError } from '@slipway/core';
import { monitorWindow, renderMonitorMarkdown, writeMonitorReports } from '@slipway/eval';
import {
  appendJobSummary,
  dispatchWorkflow,
  formatActionError,
  GitHubClient,
  loadActionProject,
  readActionContext,
  renderMonitorIssue,
  resolveIdentity,
  upsertIssue,
} from '@slipway/github';
import { fetchVersionPackage } from '@slipway/governance';
import { openStore } from '@slipway/tracking';
import { loadModelPackage } from '@slipway/training';

async function run(): Promise<void> {
  const {
    workspace,
    cwd,
    token,
    loaded,
    tracking,
    modelName: name,
  } = await loadActionProject({ getInput: core.getInput, log: core, store: true });

  // The model: a package directory, else an alias or a version of the project's registered model.
  const ref = core.getInput('model') || 'champion';
  let packageDir = resolve(cwd, ref);
  let version: string | null = null;
  if (!existsSync(join(packageDir, 'signature.json'))) {
    const store = await openStore(tracking.uri, { cwd: loaded.root });
    const mv = /^\d+$/.test(ref)
      ? await store.getModelVersion(name, ref)
      : await store.getVersionByAlias(name, ref);
    if (!mv) {
      throw new SlipwayError('MODEL_ALIAS_NOT_SET', `model "${name}" has no version with alias "${ref}"`, {
        hint: 'promote a version first (the promote Action), or pass a package directory as `model`',
      });
    }
    packageDir = await fetchVersionPackage(
      store,
      mv,
      await mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), 'slipway-monitor-')),
    );
    version = mv.version;
    await store.close();
  }
  const model = await loadModelPackage(packageDir);

  const listed = core.getMultilineInput('windows');
  const windows: [string, string][] =
    listed.length > 0
      ? listed.map((w) => [basename(w).replace(/\.[^.]+$/, ''), resolve(cwd, w)])
      : Object.entries(loaded.config.data.monitor).map(([n, p]) => [n, resolveProjectPath(loaded.root, p)]);
  if (windows.length === 0) {
    throw new SlipwayError('MONITOR_NO_WINDOWS', 'no data windows to monitor', {
      hint: 'pass `windows:` or set data.monitor in slipway.config.ts',
    });
  }
  const outRoot = resolve(cwd, core.getInput('out-dir') || 'slipway-report/monitor');
  const labels = core.getInput('labels') ? resolve(cwd, core.getInput('labels')) : undefined;
  const reasons: string[] = [];
  const sections: string[] = [];
  for (const [windowName, path] of windows) {
    const report = await monitorWindow({
      model,
      window: relative(process.cwd(), path),
      name: windowName,
      labels,
      version,
      config: loaded.config,
      root: loaded.root,
    });
    await writeMonitorReports(report, join(outRoot, windowName));
    reasons.push(...report.reasons.map((r) => `${windowName}: ${r}`));
    sections.push(renderMonitorMarkdown(report));
    core.info(`${windowName}: ${report.alert ? `ALERT (${report.reasons.join('; ')})` : 'ok'}`);
  }
  const alert = reasons.length > 0;

  const context = alert ? readActionContext() : null;
  const runUrl = context?.runUrl ?? null;
  const heading = `${name}${version ? ` v${version}` : ''}`;

  // One open issue per model: a nightly schedule updates it (and comments) while the drift lasts.
  let issue: { number: number; url: string } | null = null;
  if (context && core.getBooleanInput('issue')) {
    const client = GitHubClient.fromEnv(token);
    const labels = core
      .getInput('issue-labels')
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean);
    const text = renderMonitorIssue({ model: name, version: version ?? null, reasons, sections, runUrl });
    const res = await upsertIssue(client, {
      owner: context.owner,
      repo: context.repo,
      key: `monitor/${name}`,
      title: text.title,
      body: text.body,
      labels,
      identity: await resolveIdentity(client),
      updateComment: text.updateComment,
      fullReportUrl: runUrl,
    });
    issue = { number: res.number, url: res.url };
    core.info(`${res.action} issue #${res.number}: ${res.url}`);
  }

  let dispatched = false;
  const workflow = core.getInput('dispatch-workflow');
  if (context && workflow) {
    const ref2 = core.getInput('dispatch-ref') || context.defaultBranch || 'main';
    await dispatchWorkflow(GitHubClient.fromEnv(token), {
      owner: context.owner,
      repo: context.repo,
      workflow,
      ref: ref2,
      inputs: { reason: reasons.join('; ').slice(0, 1000) },
    });
    dispatched = true;
    core.info(`dispatched ${workflow} on ${ref2}`);
  }
  core.setOutput('alert', String(alert));
  core.setOutput('reasons', JSON.stringify(reasons));
  core.setOutput('dispatched', String(dispatched));
  core.setOutput('issue-number', issue ? String(issue.number) : '');
  core.setOutput('issue-url', issue?.url ?? '');
  core.setOutput('report-dir', relative(workspace, outRoot));
  await appendJobSummary(
    `## ${alert ? '⚠️' : '✅'} Slipway monitor: ${mdText(heading)}${dispatched ? ` — retraining dispatched (${workflow})` : ''}${issue ? ` — [issue #${issue.number}](${issue.url})` : ''}\n\n${sections.join('\n')}`,
  );
  if (alert && core.getBooleanInput('fail-on-alert')) core.setFailed(`monitor alert: ${reasons.join('; ')}`);
}

try {
  await run();
} catch (err) {
  core.setFailed(formatActionError(err));
}
