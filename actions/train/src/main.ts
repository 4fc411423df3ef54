/** The `train` Action: inputs → @slipway/training `train` → outputs and a job summary. */
import { relative, resolve } from 'node:path';
import * as core from '@actions/core';
import { loadConfig } from '@slipway/core';
import { appendJobSummary, formatActionError, STORE_SYNCED_ENV, syncStoreOnce } from '@slipway/github';
import { openStore, resolveTrackingUri } from '@slipway/tracking';
import { train } from '@slipway/training';

export async function run(): Promise<void> {
  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const cwd = resolve(workspace, core.getInput('working-directory') || '.');
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
    const synced = await syncStoreOnce({
      cwd: loaded.root,
      storeDir: target.uri,
      branch,
      token: core.getInput('github-token'),
    });
    if (synced.synced) {
      core.info(
        `store: ${synced.files} files from ${branch}${synced.commit ? ` @ ${synced.commit.slice(0, 12)}` : ' (new)'}`,
      );
      core.exportVariable(STORE_SYNCED_ENV, branch);
    }
  }
  const store = await openStore(trackingUri, { cwd: loaded.root });
  const result = await train({
    loaded,
    store,
    force: core.getBooleanInput('force'),
    backend: core.getInput('backend') || undefined,
  });
  core.setOutput('model-path', relative(workspace, result.packageDir) || '.');
  core.setOutput('model-hash', result.hash);
  core.setOutput('run-id', result.runId ?? '');
  core.setOutput('cached', String(result.cached));
  core.setOutput('metrics', JSON.stringify(result.metrics));
  core.setOutput('backend', result.backend.name);
  const rows = Object.entries(result.metrics)
    .map(([k, v]) => `| ${k} | ${Number.isFinite(v) ? v.toPrecision(4) : String(v)} |`)
    .join('\n');
  await appendJobSummary(
    [
      `### Slipway train${result.cached ? ' (inputs unchanged: package reused)' : ''}`,
      '',
      `Package \`${relative(workspace, result.packageDir)}\` · hash \`${result.hash.slice(0, 16)}\` · backend ${result.backend.name}`,
      '',
      '| metric | value |',
      '|---|---|',
      rows || '| (none) | |',
      '',
    ].join('\n'),
  );
}

try {
  await run();
} catch (err) {
  core.setFailed(formatActionError(err));
}
