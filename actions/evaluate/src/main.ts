/**
 * The `evaluate` Action: the candidate package and the baseline (registry alias) → @slipway/eval
 * `evaluate` → reports on disk, the job summary, one PR comment edited in place, a check run whose
 * failed-gate annotations point at the gate's line in the config.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import * as core from '@actions/core';
import { loadConfig, resolveProjectPath } from '@slipway/core';
import { evaluate, renderMarkdown, writeReports } from '@slipway/eval';
import {
  type Annotation,
  formatActionError,
  GitHubClient,
  locateLine,
  publishReport,
  readActionContext,
  STORE_SYNCED_ENV,
  syncStoreOnce,
} from '@slipway/github';
import { fetchVersionPackage } from '@slipway/governance';
import { isNotFound, openStore, resolveTrackingUri } from '@slipway/tracking';
import { loadModelPackage } from '@slipway/training';

async function run(): Promise<void> {
  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const cwd = resolve(workspace, core.getInput('working-directory') || '.');
  const token = core.getInput('github-token');
  const loaded = await loadConfig({ cwd, file: core.getInput('config') || undefined });
  // As the CLI: the input, then SLIPWAY_TRACKING_URI / MLFLOW_TRACKING_URI, then tracking.uri of the config.
  const trackingUri =
    core.getInput('tracking-uri') ||
    process.env.SLIPWAY_TRACKING_URI ||
    process.env.MLFLOW_TRACKING_URI ||
    loaded.config.tracking.uri;
  const branch = core.getInput('store-branch');
  const target = resolveTrackingUri(trackingUri, { cwd: loaded.root });
  if (branch && target.kind === 'local') {
    const synced = await syncStoreOnce({ cwd: loaded.root, storeDir: target.uri, branch, token });
    if (synced.synced) core.exportVariable(STORE_SYNCED_ENV, branch);
  }
  const store = await openStore(trackingUri, { cwd: loaded.root });
  const candidate = await loadModelPackage(resolve(workspace, core.getInput('model', { required: true })));

  const modelName = core.getInput('model-name') || loaded.config.model.name || loaded.config.project.name;
  const alias = core.getInput('baseline-alias');
  let baseline = null;
  let baselineVersion: string | null = null;
  if (alias) {
    // A model that was never registered has no baseline yet: the first PR is judged on thresholds alone.
    const version = await store.getVersionByAlias(modelName, alias).catch((err: unknown) => {
      if (isNotFound(err)) return null;
      throw err;
    });
    if (version) {
      const dir = await fetchVersionPackage(
        store,
        version,
        await mkdtemp(join(tmpdir(), 'slipway-baseline-')),
      );
      baseline = await loadModelPackage(dir);
      baselineVersion = version.version;
      core.info(`baseline: ${modelName}@${alias} = version ${version.version}`);
    } else {
      core.info(`baseline: ${modelName} has no "${alias}" alias yet; only absolute thresholds apply`);
    }
  }
  const context = readActionContext();
  // Relative to the workspace (the step's cwd): the report shows the path as the repository knows it.
  const data = relative(
    process.cwd(),
    core.getInput('data')
      ? resolve(cwd, core.getInput('data'))
      : resolveProjectPath(loaded.root, loaded.config.data.eval),
  );
  const report = await evaluate({
    candidate,
    baseline,
    data,
    config: loaded.config,
    baselineAlias: alias || undefined,
    baselineVersion,
    links: context.runUrl ? { run: context.runUrl } : undefined,
  });
  const written = await writeReports(report, resolve(cwd, core.getInput('report-dir') || 'slipway-report'));
  const failed = report.gates.filter((g) => !g.passed);

  const annotations: Annotation[] = [];
  for (const gate of failed) {
    annotations.push({
      path: relative(workspace, loaded.file),
      startLine: await locateLine(loaded.file, gate.metric),
      level: 'failure',
      title: `gate ${gate.metric} (${gate.rule}) failed`,
      message: gate.reason,
    });
  }
  const published = await publishReport({
    client: GitHubClient.fromEnv(token, process.env, {
      onRetry: (r) =>
        core.info(
          `GitHub ${r.method} ${r.path}: ${r.status || 'network error'}, retry ${r.attempt} in ${r.waitMs} ms`,
        ),
    }),
    context,
    key: core.getInput('comment-key') || 'evaluate',
    markdown: renderMarkdown(report),
    shorten: (maxChars) => renderMarkdown(report, { maxChars }),
    comment: core.getBooleanInput('comment'),
    checkName: core.getInput('check-name') || undefined,
    conclusion: report.verdict === 'pass' ? 'success' : 'failure',
    checkTitle: report.verdict === 'pass' ? 'All gates passed' : `${failed.length} gate(s) failed`,
    annotations,
  });
  for (const w of published.warnings) core.warning(w);

  core.setOutput('verdict', report.verdict);
  core.setOutput('failed-gates', String(failed.length));
  core.setOutput('report-json', relative(workspace, written.json));
  core.setOutput('report-html', relative(workspace, written.html));
  core.setOutput('comment-url', published.comment?.url ?? '');
  core.setOutput('check-run-id', published.check ? String(published.check.id) : '');
  if (published.comment) core.info(`PR comment ${published.comment.action}: ${published.comment.url}`);
  if (report.verdict === 'fail' && core.getBooleanInput('fail-on-gate')) {
    core.setFailed(
      `${failed.length} gate(s) failed: ${failed.map((g) => `${g.metric} (${g.reason})`).join('; ')}`,
    );
  }
}

try {
  await run();
} catch (err) {
  core.setFailed(formatActionError(err));
}
