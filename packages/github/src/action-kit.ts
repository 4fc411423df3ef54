/**
 * Small pieces every Slipway Action shares, so each src/main.ts stays a thin adapter: the message a
 * failure shows on the run page, the tracking store an Action opens and the once-per-job sync of the
 * embedded store from its branch.
 */
import { resolve } from 'node:path';
import { isSlipwayError, type LoadedConfig, loadConfig } from '@slipway/core';
import { resolveTrackingUri } from '@slipway/tracking';
import { syncStoreFromBranch } from './store-branch.js';

/** One line (plus the hint) for `core.setFailed`: a user error never shows a stack trace. */
export function formatActionError(err: unknown): string {
  if (isSlipwayError(err)) return err.hint ? `${err.message}\nhint: ${err.hint}` : err.message;
  const e = err as Error;
  return `internal error: ${e?.message ?? String(err)} (please report it with the log above)`;
}

export const STORE_SYNCED_ENV = 'SLIPWAY_STORE_SYNCED';

/**
 * Fills the store directory from `branch` unless an earlier step of this job already did (it exported
 * SLIPWAY_STORE_SYNCED): syncing twice would overwrite what the earlier steps wrote.
 */
export async function syncStoreOnce(
  o: { cwd: string; storeDir: string; branch: string; token?: string },
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ synced: boolean; commit: string | null; files: number }> {
  if (env[STORE_SYNCED_ENV] === o.branch) return { synced: false, commit: null, files: 0 };
  const res = await syncStoreFromBranch(o);
  return { synced: true, ...res };
}

export interface ActionStoreOptions {
  /** The Action's `tracking-uri` input (empty: the environment, then the config). */
  input: string;
  /** `tracking.uri` of the loaded config. */
  configUri: string;
  /** The project root (relative store paths resolve against it). */
  root: string;
  /** The Action's `store-branch` input (empty: no sync). */
  branch: string;
  token?: string;
  /** Where the sync is reported: `@actions/core` in an Action. */
  log: { info(message: string): void; exportVariable(name: string, value: string): void };
  env?: NodeJS.ProcessEnv;
}

export interface ActionStore {
  /** The tracking URI to open: a store directory or an http(s) MLflow URL. */
  uri: string;
  kind: 'local' | 'mlflow';
  /** The store directory, for an embedded store. */
  storeDir: string | null;
  /** Whether the store is kept on `branch` (embedded store and a branch given). */
  onBranch: boolean;
}

/**
 * Every Action that reads or writes the registry starts the same way, and the same way as the CLI: the
 * input, then SLIPWAY_TRACKING_URI / MLFLOW_TRACKING_URI, then tracking.uri of the config; an embedded
 * store kept on a branch is filled from it once per job.
 */
export async function prepareActionStore(o: ActionStoreOptions): Promise<ActionStore> {
  const env = o.env ?? process.env;
  const uri = o.input || env.SLIPWAY_TRACKING_URI || env.MLFLOW_TRACKING_URI || o.configUri;
  const target = resolveTrackingUri(uri, { cwd: o.root, env });
  const onBranch = Boolean(o.branch) && target.kind === 'local';
  if (onBranch) {
    const synced = await syncStoreOnce(
      { cwd: o.root, storeDir: target.uri, branch: o.branch, token: o.token },
      env,
    );
    if (synced.synced) {
      o.log.info(
        `store: ${synced.files} files from ${o.branch}${synced.commit ? ` @ ${synced.commit.slice(0, 12)}` : ' (new)'}`,
      );
      o.log.exportVariable(STORE_SYNCED_ENV, o.branch);
    }
  }
  return { uri, kind: target.kind, storeDir: target.kind === 'local' ? target.uri : null, onBranch };
}

export interface ActionProject {
  /** GITHUB_WORKSPACE (outputs are reported relative to it). */
  workspace: string;
  /** The `working-directory` input, resolved. */
  cwd: string;
  loaded: LoadedConfig;
  token: string;
  /** The `model-name` input, else model.name, else project.name. */
  modelName: string;
}

/**
 * The inputs every Slipway Action shares, read the same way in each: `working-directory`, `config`,
 * `github-token` and `model-name`; with `store`, also `tracking-uri` and `store-branch` (prepareActionStore).
 * An input an Action does not declare reads as empty.
 */
export async function loadActionProject(o: {
  getInput: (name: string) => string;
  log: ActionStoreOptions['log'];
  store: true;
  env?: NodeJS.ProcessEnv;
}): Promise<ActionProject & { tracking: ActionStore }>;
export async function loadActionProject(o: {
  getInput: (name: string) => string;
  store?: false;
  env?: NodeJS.ProcessEnv;
}): Promise<ActionProject>;
export async function loadActionProject(o: {
  getInput: (name: string) => string;
  log?: ActionStoreOptions['log'];
  store?: boolean;
  env?: NodeJS.ProcessEnv;
}): Promise<ActionProject & { tracking?: ActionStore }> {
  const env = o.env ?? process.env;
  const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
  const cwd = resolve(workspace, o.getInput('working-directory') || '.');
  const loaded = await loadConfig({ cwd, file: o.getInput('config') || undefined });
  const token = o.getInput('github-token');
  const modelName = o.getInput('model-name') || loaded.config.model.name || loaded.config.project.name;
  const project: ActionProject = { workspace, cwd, loaded, token, modelName };
  if (!o.store || !o.log) return project;
  const tracking = await prepareActionStore({
    input: o.getInput('tracking-uri'),
    configUri: loaded.config.tracking.uri,
    root: loaded.root,
    branch: o.getInput('store-branch'),
    token,
    log: o.log,
    env,
  });
  return { ...project, tracking };
}
