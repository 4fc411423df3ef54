import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SlipwayError } from '@slipway/core';
import { LocalStore } from './local/store.js';
import { MlflowStore, type MlflowStoreOptions } from './mlflow/store.js';
import type { Store } from './types.js';

export interface OpenStoreOptions extends MlflowStoreOptions {
  /** Project directory: relative local paths and the default `.slipway` resolve against it (default cwd). */
  cwd?: string;
}

/**
 * Which store a URI means: `http(s)://…` → MLflow; `file://…` or a path → the local store. Without a URI:
 * SLIPWAY_TRACKING_URI, then MLFLOW_TRACKING_URI, then `<cwd>/.slipway`.
 */
export function resolveTrackingUri(
  uri?: string,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): { kind: 'local' | 'mlflow'; uri: string } {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const chosen = uri || env.SLIPWAY_TRACKING_URI || env.MLFLOW_TRACKING_URI || '.slipway';
  if (/^https?:\/\//i.test(chosen)) {
    let url: URL;
    try {
      url = new URL(chosen);
    } catch {
      throw new SlipwayError('CONFIG_INVALID', `tracking URI "${chosen}" is not a valid URL`, {
        hint: 'e.g. http://127.0.0.1:5000',
      });
    }
    if (url.username || url.password)
      throw new SlipwayError('CONFIG_INVALID', 'the tracking URI contains credentials', {
        hint: 'put them in MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD instead of the URL',
      });
    return { kind: 'mlflow', uri: chosen.replace(/\/+$/, '') };
  }
  if (chosen.startsWith('file:')) return { kind: 'local', uri: fileURLToPath(chosen) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(chosen))
    throw new SlipwayError('CONFIG_INVALID', `tracking URI "${chosen}": unsupported scheme`, {
      hint: 'use a directory path (local store) or an http(s):// MLflow server URL',
    });
  return { kind: 'local', uri: isAbsolute(chosen) ? chosen : resolve(cwd, chosen) };
}

/** Opens the tracking store the URI (or the environment, or the default) points at. */
export async function openStore(uri?: string, options: OpenStoreOptions = {}): Promise<Store> {
  const { cwd, ...http } = options;
  const target = resolveTrackingUri(uri, { cwd, env: http.env });
  return target.kind === 'mlflow' ? new MlflowStore(target.uri, http) : new LocalStore(target.uri);
}
