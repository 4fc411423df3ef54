/**
 * The `promote` Action: @slipway/governance registerVersion → buildModelCard/recordModelCard → promote,
 * with the actor taken from the event (never an input), the policy read from the base branch — both
 * decided before slipway.config.ts is loaded — and the embedded store synced from / pushed to its branch
 * around it.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as core from '@actions/core';
import { fsError } from '@slipway/core';
import type { EvalReport } from '@slipway/eval';
import {
  AUDIT_HEAD_TRAILER,
  appendJobSummary,
  createDeployment,
  type Deployment,
  formatActionError,
  GitHubClient,
  loadActionProject,
  pushStoreToBranch,
  readActionContext,
  readStoreCheckpoint,
  setDeploymentStatus,
} from '@slipway/github';
import {
  auditKeyFromEnv,
  buildModelCard,
  createGitHubLookup,
  type Identity,
  loadGateConfigFor,
  promote,
  readPackageFacts,
  recordModelCard,
  refreshModelCard,
  registerVersion,
  resolveTrustedInputs,
  storeAuditSink,
  trustedPolicy,
  verifyAudit,
  writeModelCard,
} from '@slipway/governance';
import { openStore } from '@slipway/tracking';

/** Marks the deployment `error` when the step dies halfway (set while one is in progress). */
const pending: { abandonDeployment: (() => Promise<unknown>) | null } = { abandonDeployment: null };

async function run(): Promise<void> {
  // Before any project code: identity from the event the runner delivered, the policy from the base ref.
  const trusted = await resolveTrustedInputs({
    cwd: resolve(process.env.GITHUB_WORKSPACE ?? process.cwd(), core.getInput('working-directory') || '.'),
    configFile: core.getInput('config') || null,
    policyPath: core.getInput('policy') || null,
    requested: core.getInput('actor') || null,
  });
  const branch = core.getInput('store-branch');
  const {
    workspace,
    cwd,
    token,
    loaded,
    tracking,
    modelName: model,
  } = await loadActionProject({ getInput: core.getInput, log: core, store: true });
  const store = await openStore(tracking.uri, { cwd: loaded.root });
  const alias = core.getInput('alias') || 'champion';
  const packageDir = resolve(workspace, core.getInput('model', { required: true }));
  const reportFile = resolve(workspace, core.getInput('report', { required: true }));
  let evalReport: EvalReport;
  try {
    evalReport = JSON.parse(await readFile(reportFile, 'utf8')) as EvalReport;
  } catch (err) {
    throw fsError(err, reportFile, 'read the evaluation report');
  }

  const actor = trusted.identity as Identity;
  const policy = await trustedPolicy(trusted, {
    projectRoot: loaded.root,
    configPolicyPath: loaded.config.governance.policy,
    policyPath: core.getInput('policy') || null,
  });
  const lookup = createGitHubLookup({ apiUrl: process.env.GITHUB_API_URL, token });
  const gates = await loadGateConfigFor(actor, { configFile: loaded.file, config: loaded.config });
  const audit = storeAuditSink(store);
  const auditKeyEnv = loaded.config.governance.auditKeyEnv;
  const auditKey = auditKeyFromEnv(auditKeyEnv);
  core.info(`actor: ${actor.login} (${actor.source}); policy: ${policy.source}; gates: ${gates.source}`);

  // The checkpoint the store branch recorded last time (or an input) must still be in the chain: a log
  // cut short or rewritten since is refused before anything is appended to it.
  const expectHead =
    core.getInput('expect-audit-head') ||
    (tracking.onBranch ? await readStoreCheckpoint({ cwd: loaded.root, branch }) : null);
  if (expectHead) {
    const check = await verifyAudit(audit, { key: auditKey, expectHead });
    if (!check.ok)
      throw new Error(
        `the audit log does not hold its last checkpoint ${expectHead}: line ${check.firstBad?.line}: ${check.firstBad?.reason}`,
      );
    core.info(`audit log holds the checkpoint ${expectHead}`);
  }

  // The promotion shows up in the repository's environments: in_progress now, success or failure after.
  const environment = core.getInput('deployment-environment');
  const context = readActionContext();
  const client = environment ? GitHubClient.fromEnv(token) : null;
  let deployment: Deployment | null = null;
  if (client && environment) {
    deployment = await createDeployment(client, {
      owner: context.owner,
      repo: context.repo,
      ref: context.sha,
      environment,
      description: `${model} → ${alias}`,
      payload: { model, alias, package: packageDir },
      productionEnvironment: alias === 'champion',
    });
    await setDeploymentStatus(client, {
      owner: context.owner,
      repo: context.repo,
      deploymentId: deployment.id,
      state: 'in_progress',
      logUrl: context.runUrl,
    });
    core.setOutput('deployment-id', String(deployment.id));
    const id = deployment.id;
    pending.abandonDeployment = () =>
      setDeploymentStatus(client, {
        owner: context.owner,
        repo: context.repo,
        deploymentId: id,
        state: 'error',
        description: 'the promote step failed',
        logUrl: context.runUrl,
      });
  }

  const reg = await registerVersion({
    store,
    model,
    packageDir,
    actor,
    policy,
    lookup,
    audit,
    auditKey,
    auditKeyEnv,
    evalReport,
  });
  let promoted = false;
  let lines: string[];
  if (!reg.registered || !reg.version) {
    lines = [`### ❌ ${model}: registration refused`, '', `${reg.refusedBy?.rule}: ${reg.refusedBy?.reason}`];
    core.setOutput('refused-by', reg.refusedBy?.rule ?? 'register');
    core.setOutput('audit-seq', String(reg.audit.seq));
    core.setFailed(`registration of ${model} refused by ${reg.refusedBy?.rule}: ${reg.refusedBy?.reason}`);
  } else {
    core.info(`${model} v${reg.version} ${reg.existing ? 'was already registered' : 'registered'}`);
    const facts = await readPackageFacts(packageDir);
    const card = buildModelCard({
      config: loaded.config,
      model: { name: model, version: reg.version },
      packageHash: facts.hash,
      packageCreatedAt: facts.createdAt,
      signature: facts.signature,
      lineage: facts.lineage,
      profile: facts.profile,
      packageModel: facts.model,
      evalReport,
    });
    const written = await writeModelCard(
      resolve(cwd, core.getInput('card-dir') || 'slipway-report/card'),
      card,
    );
    await recordModelCard(store, await store.getModelVersion(model, reg.version), written);

    const result = await promote({
      store,
      model,
      version: reg.version,
      alias,
      actor,
      policy,
      lookup,
      audit,
      auditKey,
      auditKeyEnv,
      gates,
    });
    promoted = result.promoted;
    if (promoted && !result.unchanged) {
      // The card written before promotion said "no aliases": store it again with the promotion in it.
      // The promotion is done and audited either way; a card that cannot be rebuilt is a warning.
      try {
        await refreshModelCard({
          config: loaded.config,
          store,
          model,
          version: reg.version,
          audit,
          auditKey,
          projectRoot: loaded.root,
          outDir: resolve(cwd, core.getInput('card-dir') || 'slipway-report/card'),
        });
      } catch (err) {
        core.warning(`the model card was not refreshed after promotion: ${(err as Error).message}`);
      }
    }
    core.setOutput('version', reg.version);
    core.setOutput('previous-version', result.previousVersion ?? '');
    core.setOutput('refused-by', result.refusedBy?.rule ?? '');
    core.setOutput('audit-seq', String(result.audit.seq));
    lines = [
      promoted
        ? `### ✅ ${model} v${reg.version} is now \`${alias}\`${result.unchanged ? ' (unchanged)' : ''}`
        : `### ❌ ${model} v${reg.version}: promotion to \`${alias}\` refused`,
      '',
      `Actor **${result.actor}** · previous \`${alias}\`: ${result.previousVersion ?? 'none'} · audit entry #${result.audit.seq}`,
      '',
      '| Check | Rule | Result |',
      '|---|---|---|',
      ...result.checks.map(
        (c) => `| ${c.name} | \`${c.rule}\` | ${c.passed ? '✅' : '❌'} ${c.reason.replaceAll('|', '\\|')} |`,
      ),
    ];
    if (!promoted)
      core.setFailed(`promotion refused by ${result.refusedBy?.rule}: ${result.refusedBy?.reason}`);
  }
  core.setOutput('promoted', String(promoted));
  // The head after this run, recorded outside the log: an output, the deployment status, the job
  // summary and the store commit's trailer.
  const head = (await verifyAudit(audit, { key: auditKey })).checkpoint;
  core.setOutput('audit-head', head);
  lines.push('', `Audit log head: \`${head}\``);
  if (client && deployment) {
    await setDeploymentStatus(client, {
      owner: context.owner,
      repo: context.repo,
      deploymentId: deployment.id,
      state: promoted ? 'success' : 'failure',
      description: `${promoted ? `${model} is ${alias}` : `promotion to ${alias} refused`}; audit head ${head.slice(0, head.indexOf(':') + 13)}`,
      logUrl: context.runUrl,
    });
    pending.abandonDeployment = null;
  }
  await appendJobSummary(`${lines.join('\n')}\n`);
  // Refusals are audited too: the store is pushed either way.
  if (tracking.onBranch && tracking.storeDir) {
    const pushed = await pushStoreToBranch({
      cwd: loaded.root,
      storeDir: tracking.storeDir,
      branch,
      token,
      message: `slipway: ${promoted ? 'promote' : 'refused promotion of'} ${model} to ${alias}\n\n${AUDIT_HEAD_TRAILER}: ${head}`,
    });
    core.info(`store pushed to ${branch}: ${pushed.commit?.slice(0, 12)} (${pushed.attempts} attempt(s))`);
  }
}

try {
  await run();
} catch (err) {
  core.setFailed(formatActionError(err));
  await pending
    .abandonDeployment?.()
    .catch((e: unknown) => core.warning(`could not mark the deployment failed: ${formatActionError(e)}`));
}
