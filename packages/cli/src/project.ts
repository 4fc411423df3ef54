import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { type LoadedConfig, loadConfig, SlipwayError } from '@slipway/core';
import {
  type AuditRecord,
  fetchVersionPackage,
  recordAuditEvent,
  resolveIdentity,
} from '@slipway/governance';
import { type ModelVersion, openStore, type Store } from '@slipway/tracking';
import { type LoadedModelPackage, loadModelPackage } from '@slipway/training';
import type { CommandContext } from './command.js';
import { projectTrackingUri } from './tracking-uri.js';

/** The project config for a command: `--config <file>` or the nearest slipway.config.ts. */
export function loadProject(ctx: CommandContext): Promise<LoadedConfig> {
  return loadConfig({
    cwd: ctx.cwd,
    ...(typeof ctx.flags.config === 'string' ? { file: ctx.flags.config } : {}),
  });
}

/** The project's store, at projectTrackingUri. */
export function openProjectStore(loaded: LoadedConfig): Promise<Store> {
  return openStore(projectTrackingUri(loaded.config), { cwd: loaded.root });
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
    // MLflow-style URIs too: models:/<name>@<alias>, models:/<name>/<version>.
    const uri = /^models:\/([^@/]+)(?:@(.+)|\/(\d+))$/.exec(ref);
    const m = uri ? [ref, uri[1], uri[2] ? '@' : ':', uri[2] ?? uri[3]] : /^([^@:]+)([@:])(.+)$/.exec(ref);
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
    const dir = await materialize(mv, s, loaded);
    return { model: await loadModelPackage(dir), name, version: mv.version, alias };
  } finally {
    if (!store) await s.close();
  }
}

/** A local directory holding the version's package, downloaded once into `.slipway/cache/` when remote. */
async function materialize(v: ModelVersion, store: Store, loaded: LoadedConfig): Promise<string> {
  const cache = join(loaded.root, '.slipway', 'cache', 'models', v.name, v.version);
  const cached = readdirIfExists(cache)
    .map((d) => join(cache, d))
    .find(isPackageDir);
  if (cached) return cached;
  const dir = await fetchVersionPackage(store, v, cache);
  if (!isPackageDir(dir)) {
    throw new SlipwayError(
      'MODEL_SOURCE_UNAVAILABLE',
      `model ${v.name} version ${v.version}: its source ${v.source} is not a readable model package`,
      {
        hint: 'the package may have been deleted; retrain (slipway train) and register again',
      },
    );
  }
  return dir;
}

function readdirIfExists(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Appends a stage event (train, eval, drift) to the project's audit log. The log is the record of what
 * happened; a failure to write it is reported on stderr but does not undo the stage's result.
 */
export async function auditStage(
  loaded: LoadedConfig,
  record: Omit<AuditRecord, 'actor'>,
  store?: Store,
): Promise<void> {
  const s = store ?? (await openProjectStore(loaded));
  try {
    const actor = await resolveIdentity({ cwd: loaded.root }).then(
      (i) => i.login,
      () => null,
    );
    await recordAuditEvent(s, loaded.config, { ...record, actor });
  } catch (err) {
    process.stderr.write(
      `warning: could not append the ${record.event} event to the audit log: ${(err as Error).message}\n`,
    );
  } finally {
    if (!store) await s.close();
  }
}
