import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { type LoadedConfig, loadConfig, SlipwayError } from '@slipway/core';
import { openStore, type Store } from '@slipway/tracking';
import { type LoadedModelPackage, loadModelPackage } from '@slipway/training';
import type { CommandContext } from './command.js';

/** The project config for a command: `--config <file>` or the nearest slipway.config.ts. */
export function loadProject(ctx: CommandContext): Promise<LoadedConfig> {
  return loadConfig({
    cwd: ctx.cwd,
    ...(typeof ctx.flags.config === 'string' ? { file: ctx.flags.config } : {}),
  });
}

/** The project's store: SLIPWAY_TRACKING_URI, then MLFLOW_TRACKING_URI, then `tracking.uri` from the config. */
export function openProjectStore(loaded: LoadedConfig): Promise<Store> {
  const uri =
    process.env.SLIPWAY_TRACKING_URI || process.env.MLFLOW_TRACKING_URI || loaded.config.tracking.uri;
  return openStore(uri, { cwd: loaded.root });
}

export function modelName(loaded: LoadedConfig): string {
  return loaded.config.model.name ?? loaded.config.project.name;
}

export interface ResolvedModel {
  model: LoadedModelPackage;
  /** Registry name and version when the reference went through the registry. */
  name: string;
  version: string | null;
  alias: string | null;
}

function isPackageDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory() && existsSync(join(path, 'signature.json'));
}

/**
 * A model reference as users type it: a package directory, `<alias>` or `<version>` of the project's
 * model, or `<name>@<alias>` / `<name>:<version>`. Registry versions whose source is a run artifact are
 * downloaded once into `.slipway/cache/`.
 */
export async function resolveModel(ref: string, loaded: LoadedConfig, store?: Store): Promise<ResolvedModel> {
  const asPath = isAbsolute(ref) ? ref : resolve(loaded.root, ref);
  if (isPackageDir(asPath))
    return { model: await loadModelPackage(asPath), name: modelName(loaded), version: null, alias: null };
  const s = store ?? (await openProjectStore(loaded));
  try {
    let name = modelName(loaded);
    let alias: string | null = null;
    let version: string | null = null;
    const m = /^([^@:]+)([@:])(.+)$/.exec(ref);
    if (m) {
      name = m[1]!;
      if (m[2] === '@') alias = m[3]!;
      else version = m[3]!;
    } else if (/^\d+$/.test(ref)) version = ref;
    else alias = ref;
    const mv = alias ? await s.getVersionByAlias(name, alias) : await s.getModelVersion(name, version!);
    if (!mv) {
      throw new SlipwayError('MODEL_ALIAS_NOT_SET', `model "${name}" has no version with alias "${alias}"`, {
        hint: `promote a version first (slipway promote ${name} <version> --to ${alias}), or pass a package directory`,
      });
    }
    const dir = await materialize(mv.source, s, loaded, name, mv.version);
    return { model: await loadModelPackage(dir), name, version: mv.version, alias };
  } finally {
    if (!store) await s.close();
  }
}

async function materialize(
  source: string,
  store: Store,
  loaded: LoadedConfig,
  name: string,
  version: string,
): Promise<string> {
  const runs = /^runs:\/([^/]+)\/(.+)$/.exec(source);
  if (runs) {
    const dest = join(loaded.root, '.slipway', 'cache', 'models', name, version);
    if (isPackageDir(dest)) return dest;
    await store.downloadArtifact(runs[1]!, runs[2]!, dest);
    return dest;
  }
  const path = source.startsWith('file://') ? new URL(source).pathname : source;
  if (isPackageDir(path)) return path;
  throw new SlipwayError(
    'MODEL_SOURCE_UNAVAILABLE',
    `model ${name} version ${version}: its source ${source} is not a readable model package`,
    {
      hint: 'the package directory may have been deleted; retrain (slipway train) and register again',
    },
  );
}
