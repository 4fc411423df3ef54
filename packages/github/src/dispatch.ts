/**
 * workflow_dispatch: how a scheduled monitor starts retraining. Runs started by GITHUB_TOKEN normally
 * start no new workflows; workflow_dispatch (and repository_dispatch) are the documented exceptions.
 */
import type { GitHubClient } from './client.js';

export interface DispatchOptions {
  owner: string;
  repo: string;
  /** Workflow file name (`retrain.yml`) or numeric id. */
  workflow: string;
  /** Branch or tag the workflow runs on. */
  ref: string;
  /** At most 25; values are strings, as the workflow receives them. */
  inputs?: Record<string, string>;
}

export async function dispatchWorkflow(client: GitHubClient, o: DispatchOptions): Promise<void> {
  await client.request(
    'POST',
    `/repos/${o.owner}/${o.repo}/actions/workflows/${encodeURIComponent(o.workflow)}/dispatches`,
    {
      body: { ref: o.ref, ...(o.inputs && Object.keys(o.inputs).length > 0 ? { inputs: o.inputs } : {}) },
    },
  );
}
