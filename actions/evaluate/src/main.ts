/**
 * The `evaluate` Action: the candidate package and the baseline (registry alias) → @slipway/eval
 * `evaluate` → reports on disk, the job summary, one PR comment edited in place, a check run whose
 * failed-gate annotations point at the gate's line in the config.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import * as core from '@actions/core';
import { fsError, mdCode, resolveProjectPath } from '@slipway/core';
import { type EvalReport, evaluate, renderMarkdown, writeReports } from '@slipway/eval';
import {
  type Annotation,
  formatActionError,
  GitHubClient,
  loadActionProject,
  locateLine,
  publishReport,
  readActionContext,
} from '@slipway/github';
import { fetchVersionPackage } from '@slipway/governance';
import { isNotFound, openStore } from '@slipway/tracking';
import { loadModelPackage } from '@slipway/training';

interface DataCheckFile {
  passed: boolean;
  status: { entries: { path: string; state: string }[] } | null;
  validations: { dataset: string; rowCount: number; results: unknown[]; anomalies: unknown[] }[];
  drift: {
    drifted: boolean;
    share: number;
    columns: { column: string; method: string; statistic: number; threshold: number; drifted: boolean }[];
  } | null;
}

/** The data-check Action's result: its drift (EvalReport.drift) and a short section for the comment. */
async function readDataCheck(
  path: string,
  workspace: string,
): Promise<{ drift: EvalReport['drift']; section: string } | null> {
  if (!path) return null;
  const file = resolve(workspace, path);
  let d: DataCheckFile;
  try {
    d = JSON.parse(await readFile(file, 'utf8')) as DataCheckFile;
  } catch (err) {
    throw fsError(err, file, 'read the data-check report');
  }
  const lines = [`\n### Data checks: ${d.passed ? '✅ passed' : '❌ failed'}\n`];
  if (d.status) {
    const bad = d.status.entries.filter((e) => e.state === 'modified' || e.state === 'missing');
    lines.push(
      `- Versions: ${bad.length === 0 ? `${d.status.entries.length} versioned path(s) match their .dvc files` : `${bad.map((e) => `${mdCode(e.path)} ${e.state}`).join(', ')}`}`,
    );
  }
  for (const v of d.validations) {
    lines.push(
      `- ${mdCode(relative(workspace, resolve(workspace, v.dataset)))}: ${v.rowCount} rows, ${v.results.length - v.anomalies.length}/${v.results.length} expectations met`,
    );
  }
  if (d.validations.length === 0) lines.push('- Validation: skipped (no schema)');
  const drift = d.drift
    ? {
        drifted: d.drift.drifted,
        share: d.drift.share,
        columns: d.drift.columns.map((c) => ({
          column: c.column,
          method: c.method,
          statistic: c.statistic,
          threshold: c.threshold,
          drifted: c.drifted,
        })),
      }
    : null;
  return { drift, section: `${lines.join('\n')}\n` };
}

async function run(): Promise<void> {
  const { workspace, cwd, token, loaded, tracking, modelName } = await loadActionProject({
    getInput: core.getInput,
    log: core,
    store: true,
  });
  const store = await openStore(tracking.uri, { cwd: loaded.root });
  const candidate = await loadModelPackage(resolve(workspace, core.getInput('model', { required: true })));

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
        await mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), 'slipway-baseline-')),
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
  const dataCheck = await readDataCheck(core.getInput('data-check-report'), workspace);
  const report = await evaluate({
    candidate,
    baseline,
    data,
    root: loaded.root,
    config: loaded.config,
    baselineAlias: alias || undefined,
    baselineVersion,
    drift: dataCheck?.drift ?? undefined,
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
    key: core.getInput('comment-key') || 'slipway',
    markdown: renderMarkdown(report) + (dataCheck?.section ?? ''),
    shorten: (maxChars) =>
      renderMarkdown(report, { maxChars: maxChars - (dataCheck?.section.length ?? 0) }) +
      (dataCheck?.section ?? ''),
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
