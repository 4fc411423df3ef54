/** The `model-card` Action: package facts + eval report → @slipway/governance buildModelCard / writeModelCard. */
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import * as core from '@actions/core';
import { fsError, htmlText } from '@slipway/core';
import type { EvalReport } from '@slipway/eval';
import { appendJobSummary, formatActionError, loadActionProject, prepareActionStore } from '@slipway/github';
import { buildModelCard, readPackageFacts, recordModelCard, writeModelCard } from '@slipway/governance';
import { openStore } from '@slipway/tracking';

async function run(): Promise<void> {
  const { workspace, cwd, loaded, modelName: name } = await loadActionProject({ getInput: core.getInput });
  const facts = await readPackageFacts(resolve(workspace, core.getInput('model', { required: true })));
  let evalReport: EvalReport | null = null;
  const reportPath = core.getInput('report');
  if (reportPath) {
    const file = resolve(workspace, reportPath);
    try {
      evalReport = JSON.parse(await readFile(file, 'utf8')) as EvalReport;
    } catch (err) {
      throw fsError(err, file, 'read the evaluation report');
    }
  }
  const version = core.getInput('version') || null;
  const card = buildModelCard({
    config: loaded.config,
    model: { name, version },
    packageHash: facts.hash,
    packageCreatedAt: facts.createdAt,
    signature: facts.signature,
    lineage: facts.lineage,
    profile: facts.profile,
    packageModel: facts.model,
    evalReport,
  });
  const written = await writeModelCard(resolve(cwd, core.getInput('out-dir') || 'slipway-report/card'), card);
  if (version) {
    const tracking = await prepareActionStore({
      input: core.getInput('tracking-uri'),
      configUri: loaded.config.tracking.uri,
      root: loaded.root,
      branch: '',
      log: core,
    });
    const store = await openStore(tracking.uri, { cwd: loaded.root });
    await recordModelCard(store, await store.getModelVersion(name, version), written);
    core.info(`recorded the card on ${name} v${version}`);
  }
  core.setOutput('card-markdown', relative(workspace, written.markdownPath));
  core.setOutput('card-json', relative(workspace, written.jsonPath));
  core.setOutput('card-sha256', written.sha256);
  core.setOutput('missing', String(card.missing.length));
  if (card.missing.length > 0) {
    core.notice(
      `the model card lacks ${card.missing.length} section(s); see "Missing information" in MODEL_CARD.md`,
    );
  }
  if (core.getBooleanInput('summary')) {
    // The YAML front matter is metadata for model hubs; the summary shows the card itself.
    const body = written.markdown.replace(/^---\n[\s\S]*?\n---\n/, '');
    await appendJobSummary(
      `<details><summary>Model card: ${htmlText(name)}</summary>\n\n${body}\n</details>\n`,
    );
  }
}

try {
  await run();
} catch (err) {
  core.setFailed(formatActionError(err));
}
