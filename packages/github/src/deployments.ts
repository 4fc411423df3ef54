/** Deployments and their statuses, so a canary rollout shows up in the repository's environments. */
import { SlipwayError } from '@slipway/core';
import type { GitHubClient } from './client.js';

export type DeploymentState =
  | 'error'
  | 'failure'
  | 'inactive'
  | 'in_progress'
  | 'queued'
  | 'pending'
  | 'success';

export interface CreateDeploymentOptions {
  owner: string;
  repo: string;
  /** Branch, tag or SHA being deployed. */
  ref: string;
  environment: string;
  description?: string;
  payload?: Record<string, unknown>;
  /** Production environments: GitHub marks older deployments inactive. */
  productionEnvironment?: boolean;
  transientEnvironment?: boolean;
}

export interface Deployment {
  id: number;
  url: string;
  environment: string;
}

export async function createDeployment(
  client: GitHubClient,
  o: CreateDeploymentOptions,
): Promise<Deployment> {
  const res = await client.request<{ id?: number; url?: string; environment?: string; message?: string }>(
    'POST',
    `/repos/${o.owner}/${o.repo}/deployments`,
    {
      body: {
        ref: o.ref,
        environment: o.environment,
        // The model was already gated by Slipway; the deployment must not wait for unrelated contexts
        // nor merge the default branch into the ref.
        auto_merge: false,
        required_contexts: [],
        task: 'deploy:model',
        description: (o.description ?? '').slice(0, 140),
        payload: o.payload ?? {},
        production_environment: o.productionEnvironment ?? o.environment === 'production',
        transient_environment: o.transientEnvironment ?? false,
      },
    },
  );
  // 202: GitHub wants to merge first ("Auto-merged … in …") and created nothing.
  if (res.status !== 201 || typeof res.data.id !== 'number') {
    throw new SlipwayError(
      'DEPLOYMENT_NOT_CREATED',
      `GitHub did not create a deployment of ${o.ref} to ${o.environment}: ${res.data.message ?? `HTTP ${res.status}`}`,
      { hint: 'deploy a commit SHA or a tag rather than a branch that is behind the default branch' },
    );
  }
  return { id: res.data.id, url: res.data.url ?? '', environment: o.environment };
}

export interface DeploymentStatusOptions {
  owner: string;
  repo: string;
  deploymentId: number;
  state: DeploymentState;
  description?: string;
  logUrl?: string | null;
  environmentUrl?: string | null;
}

export async function setDeploymentStatus(
  client: GitHubClient,
  o: DeploymentStatusOptions,
): Promise<{ id: number; state: string }> {
  const res = await client.request<{ id: number; state: string }>(
    'POST',
    `/repos/${o.owner}/${o.repo}/deployments/${o.deploymentId}/statuses`,
    {
      body: {
        state: o.state,
        description: (o.description ?? '').slice(0, 140),
        ...(o.logUrl ? { log_url: o.logUrl } : {}),
        ...(o.environmentUrl ? { environment_url: o.environmentUrl } : {}),
        auto_inactive: true,
      },
    },
  );
  return { id: res.data.id, state: res.data.state };
}
