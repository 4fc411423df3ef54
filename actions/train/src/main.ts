/** The `train` Action: inputs → @slipway/training `train` → outputs and a job summary. */
import { relative } from 'node:path';
import * as core from '@actions/core';
import { appendJobSummary, formatActionError, loadActionProject } from '@slipway/github';
import { openStore } from '@slipway/tracking';
import { train } from '@slipway/training';

export async function run(): Promise<void> {
  const { workspace, loaded, tracking } = await loadActionProject({
    getInput: core.getInput,
    log: core,
    store: true,
  });
  const store = await openStore(tracking.uri, { cwd: loaded.root });
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
      // data.missingLabel "drop": say how many training rows had no label and were left out.
      ...result.lineage.datasets
        .filter((d) => (d.unlabelledRows ?? 0) > 0)
        .map(
          (d) =>
            `${d.unlabelledRows} ${d.name} row(s) without a label were left out (data.missingLabel "drop").\n`,
        ),
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
