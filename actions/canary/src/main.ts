/**
 * The `canary` Action: @slipway/serving RolloutClient start → wait → promoted or rolled back, mirrored
 * into a GitHub deployment's statuses. The analysis and the rollback happen in the server, so a
 * cancelled job never leaves traffic half-shifted without a decision.
 */
import * as core from '@actions/core';
import { SlipwayError } from '@slipway/core';
import {
  appendJobSummary,
  createDeployment,
  type Deployment,
  formatActionError,
  GitHubClient,
  loadActionProject,
  readActionContext,
  setDeploymentStatus,
} from '@slipway/github';
import { RolloutClient, rolloutSteps } from '@slipway/serving/admin-client';

/** The project's serving.rollout.steps (the safe default when empty); the default without a project. */
async function projectSteps(): Promise<unknown[]> {
  try {
    const { loaded } = await loadActionProject({ getInput: core.getInput });
    return rolloutSteps(loaded.config.serving.rollout.steps);
  } catch (err) {
    if ((err as SlipwayError).code !== 'CONFIG_NOT_FOUND') throw err;
    core.info('no slipway.config.ts found: the default rollout steps are sent');
    return rolloutSteps([]);
  }
}

async function run(): Promise<void> {
  const token = core.getInput('admin-token', { required: true });
  core.setSecret(token);
  const client = new RolloutClient({ url: core.getInput('server-url', { required: true }), token });
  const source = core.getInput('source', { required: true });
  let model = core.getInput('model');
  if (!model) {
    const names = await client.models();
    if (names.length !== 1) {
      throw new SlipwayError(
        'MODEL_REQUIRED',
        `the server serves ${names.length} models (${names.join(', ')})`,
        { hint: 'set the `model` input' },
      );
    }
    model = names[0]!;
  }
  let steps: unknown[] | undefined;
  const stepsInput = core.getInput('steps');
  if (stepsInput) {
    try {
      steps = JSON.parse(stepsInput) as unknown[];
    } catch (err) {
      throw new SlipwayError('BAD_INPUT', `steps: not JSON (${(err as Error).message})`, {
        hint: 'e.g. [{"setWeight":10},{"pause":{"duration":"1m"}},{"setWeight":100}]',
      });
    }
    if (!Array.isArray(steps))
      throw new SlipwayError('BAD_INPUT', 'steps: expected a JSON array of rollout steps', {
        hint: 'e.g. [{"setWeight":10}]',
      });
  } else {
    steps = await projectSteps();
  }
  const minutes = Number(core.getInput('timeout-minutes') || '30');
  if (!(minutes > 0))
    throw new SlipwayError(
      'BAD_INPUT',
      `timeout-minutes: expected a positive number, got "${core.getInput('timeout-minutes')}"`,
    );

  const environment = core.getInput('deployment-environment');
  const context = readActionContext();
  const gh = environment ? GitHubClient.fromEnv(core.getInput('github-token')) : null;
  let deployment: Deployment | null = null;
  if (gh && environment) {
    deployment = await createDeployment(gh, {
      owner: context.owner,
      repo: context.repo,
      ref: context.sha,
      environment,
      description: `canary ${model} ← ${source}`.slice(0, 140),
      payload: { model, source },
    });
    await setDeploymentStatus(gh, {
      owner: context.owner,
      repo: context.repo,
      deploymentId: deployment.id,
      state: 'in_progress',
      logUrl: context.runUrl,
    });
    core.setOutput('deployment-id', String(deployment.id));
  }
  const finish = async (state: 'success' | 'failure' | 'error' | 'in_progress', description: string) => {
    if (gh && deployment) {
      await setDeploymentStatus(gh, {
        owner: context.owner,
        repo: context.repo,
        deploymentId: deployment.id,
        state,
        description,
        logUrl: context.runUrl,
      });
    }
  };

  try {
    const started = await client.start(model, source, steps ? { steps } : {});
    core.info(`canary of ${model} started: weight ${started.weight}% (${started.message})`);
    const final = await client.waitForCompletion(model, {
      timeoutMs: minutes * 60_000,
      stopWhenPaused: true,
      onUpdate: (s) => core.info(`${s.phase}, weight ${s.weight}%: ${s.message}`),
    });
    const stable = final.stable?.version ?? '';
    core.setOutput('phase', final.phase);
    core.setOutput('promoted', String(final.phase === 'Healthy' && final.canary === null && stable !== ''));
    core.setOutput('stable-version', stable);
    await appendJobSummary(
      `## ${final.phase === 'Healthy' ? '✅ Canary promoted' : final.phase === 'Degraded' ? '❌ Canary rolled back' : '⏸ Canary paused'}: ${model}\n\n` +
        `- source: \`${source}\`\n- stable now: \`${stable || '—'}\`\n- ${final.message}\n`,
    );
    if (final.phase === 'Healthy') await finish('success', `promoted; stable ${stable}`.slice(0, 140));
    else if (final.phase === 'Degraded') {
      await finish('failure', final.message.slice(0, 140));
      core.setFailed(`canary of ${model} rolled back: ${final.message}`);
    } else await finish('in_progress', `paused: ${final.message}`.slice(0, 140));
  } catch (err) {
    await finish('error', formatActionError(err).slice(0, 140)).catch(() => {});
    throw err;
  }
}

try {
  await run();
} catch (err) {
  core.setFailed(formatActionError(err));
}
