/**
 * The `data-check` Action: @slipway/data `dataStatus` (versioned data matches its .dvc files),
 * `validateDataset` (schema expectations) and `driftReport` (train vs eval) → one report in the PR
 * comment, the job summary and a check run whose annotations point at the failing dataset or schema line.
 */
import { relative, resolve } from 'node:path';
import * as core from '@actions/core';
import { resolveProjectPath, writeJsonAtomic } from '@slipway/core';
import {
  type DriftReport,
  dataStatus,
  describeDataset,
  driftReport,
  driftRoles,
  renderDriftMarkdown,
  type StatusReport,
  type ValidationReport,
  validateDataset,
} from '@slipway/data';
import {
  type Annotation,
  formatActionError,
  GitHubClient,
  loadActionProject,
  locateCsvRow,
  locateLine,
  publishReport,
  readActionContext,
} from '@slipway/github';

function cell(v: unknown): string {
  return String(typeof v === 'string' ? v : JSON.stringify(v))
    .replaceAll('|', '\\|')
    .replaceAll('\n', ' ')
    .slice(0, 120);
}

async function run(): Promise<void> {
  const { workspace, cwd, token, loaded } = await loadActionProject({ getInput: core.getInput });
  const { data } = loaded.config;
  const inProject = (p: string) => resolveProjectPath(loaded.root, p);
  const rel = (p: string) => relative(workspace, p);
  const annotations: Annotation[] = [];
  const sections: string[] = [];

  // 1. Versioned data matches what the .dvc files record.
  let status: StatusReport | null = null;
  if (data.versioned.length > 0) {
    status = await dataStatus(data.versioned, { cwd: loaded.root });
    const bad = status.entries.filter((e) => e.state === 'modified' || e.state === 'missing');
    for (const e of bad) {
      annotations.push({
        path: rel(resolve(status.root, e.dvcFile)),
        startLine: await locateLine(resolve(status.root, e.dvcFile), 'md5'),
        level: 'failure',
        title: `${e.path} is ${e.state}`,
        message: `${e.path} does not match ${e.dvcFile} (${e.state}); run \`slipway data add ${e.path}\` to record the new version, or \`slipway data checkout\` to restore it.`,
      });
    }
    sections.push(
      `### Data versions: ${bad.length === 0 ? '✅ match their .dvc files' : `❌ ${bad.length} changed without a new version`}\n\n| Path | State | Recorded md5 |\n|---|---|---|\n${status.entries
        .map((e) => `| \`${cell(e.path)}\` | ${e.state} | \`${(e.md5 ?? '—').slice(0, 12)}\` |`)
        .join('\n')}\n`,
    );
  }

  // 2. Schema expectations.
  const schemaInput = core.getInput('schema');
  const schema = schemaInput ? resolve(cwd, schemaInput) : data.schema ? inProject(data.schema) : null;
  const datasets = core.getMultilineInput('datasets').map((d) => resolve(cwd, d));
  const targets = datasets.length > 0 ? datasets : [inProject(data.train), inProject(data.eval)];
  const validations: ValidationReport[] = [];
  if (schema) {
    for (const dataset of targets) {
      const report = await validateDataset(dataset, schema);
      validations.push(report);
      for (const a of report.anomalies) {
        const what = `${a.unexpectedCount} unexpected value(s) (${(a.unexpectedShare * 100).toFixed(2)}%) in ${rel(dataset)}; sample: ${a.sample.slice(0, 5).map(cell).join(', ') || '—'}`;
        annotations.push({
          path: rel(schema),
          startLine: a.column ? await locateLine(schema, `"${a.column}"`) : 1,
          level: 'failure',
          title: `${rel(dataset)}: ${a.expectation}${a.column ? ` (${a.column})` : ''}`,
          message: what,
        });
        // And on the first offending row of the data file itself, where the file is CSV.
        const row = a.column ? await locateCsvRow(dataset, a.column, a.sample) : null;
        if (row !== null && a.column) {
          annotations.push({
            path: rel(dataset),
            startLine: row,
            level: 'failure',
            title: `${a.column}: ${a.expectation}`,
            message: `first offending row; ${what}`,
          });
        }
      }
    }
    const anomalies = validations.flatMap((v) => v.anomalies.map((a) => ({ v, a })));
    sections.push(
      `### Validation against \`${rel(schema)}\`: ${anomalies.length === 0 ? '✅ all expectations met' : `❌ ${anomalies.length} failed expectation(s)`}\n\n${validations
        .map(
          (v) =>
            `- \`${rel(v.dataset)}\`: ${v.rowCount} rows, ${v.results.length - v.anomalies.length}/${v.results.length} expectations met`,
        )
        .join('\n')}\n${
        anomalies.length > 0
          ? `\n| Dataset | Expectation | Column | Unexpected | Sample |\n|---|---|---|---|---|\n${anomalies
              .map(
                ({ v, a }) =>
                  `| \`${cell(rel(v.dataset))}\` | ${a.expectation} | ${a.column ? `\`${cell(a.column)}\`` : '—'} | ${a.unexpectedCount} (${(a.unexpectedShare * 100).toFixed(2)}%) | ${a.sample.slice(0, 3).map(cell).join(', ')} |`,
              )
              .join('\n')}\n`
          : ''
      }`,
    );
  } else {
    sections.push(
      '### Validation: skipped\n\nNo schema: set `data.schema` in the config (see `slipway data schema infer`).\n',
    );
  }

  // 3. Drift between the reference (training) and current (evaluation) data.
  let drift: DriftReport | null = null;
  if (core.getBooleanInput('drift')) {
    const reference = core.getInput('reference')
      ? resolve(cwd, core.getInput('reference'))
      : inProject(data.train);
    const current = core.getInput('current') ? resolve(cwd, core.getInput('current')) : inProject(data.eval);
    // The model's features are tested; ids and other columns are listed as not tested (one count everywhere).
    const roles = driftRoles(
      loaded.config,
      (await describeDataset(reference)).columns.map((c) => c.name),
    );
    // Paths relative to the workspace (the step's cwd) read as the repository knows them in the report.
    drift = await driftReport({
      reference: relative(process.cwd(), reference),
      current: relative(process.cwd(), current),
      config: loaded.config.drift,
      columns: roles.columns,
      notTested: roles.notTested,
    });
    sections.push(renderDriftMarkdown(drift));
    if (drift.drifted) {
      annotations.push({
        path: rel(current),
        startLine: 1,
        level: core.getBooleanInput('fail-on-drift') ? 'failure' : 'warning',
        title: 'dataset drift',
        message: `${drift.driftedCount} of ${drift.testedCount} columns drifted against ${rel(reference)}: ${drift.columns
          .filter((c) => c.drifted)
          .map((c) => c.column)
          .join(', ')}`,
      });
    }
  }

  const versionsOk = !status || status.entries.every((e) => e.state !== 'modified' && e.state !== 'missing');
  const validOk = validations.every((v) => v.success);
  const driftOk = !drift?.drifted || !core.getBooleanInput('fail-on-drift');
  const passed = versionsOk && validOk && driftOk;
  const markdown = `## ${passed ? '✅' : '❌'} Slipway data-check: **${passed ? 'PASS' : 'FAIL'}**\n\n${sections.join('\n')}`;

  const out = resolve(cwd, 'slipway-report/data-check.json');
  // The checkout is the pull request's: no link it commits may carry the report elsewhere.
  await writeJsonAtomic(out, { passed, status, validations, drift }, { root: workspace });
  const published = await publishReport({
    client: GitHubClient.fromEnv(token, process.env, {
      onRetry: (r) =>
        core.info(
          `GitHub ${r.method} ${r.path}: ${r.status || 'network error'}, retry ${r.attempt} in ${r.waitMs} ms`,
        ),
    }),
    context: readActionContext(),
    key: core.getInput('comment-key') || 'slipway',
    markdown,
    comment: core.getBooleanInput('comment'),
    checkName: core.getInput('check-name') || undefined,
    conclusion: passed ? 'success' : 'failure',
    checkTitle: passed ? 'Data checks passed' : 'Data checks failed',
    annotations,
  });
  for (const w of published.warnings) core.warning(w);
  const anomalyCount = validations.reduce((n, v) => n + v.anomalies.length, 0);
  core.setOutput('passed', String(passed));
  core.setOutput('anomalies', String(anomalyCount));
  core.setOutput('drifted', drift ? String(drift.drifted) : '');
  core.setOutput('drift-share', drift ? String(drift.share) : '');
  core.setOutput('report', rel(out));
  if (!passed) {
    const why = [
      versionsOk ? null : 'versioned data changed without a new version',
      validOk ? null : `${anomalyCount} failed expectation(s)`,
      driftOk ? null : 'dataset drift',
    ].filter(Boolean);
    core.setFailed(`data-check failed: ${why.join('; ')}`);
  }
}

try {
  await run();
} catch (err) {
  core.setFailed(formatActionError(err));
}
