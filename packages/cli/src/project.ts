import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type LoadedConfig, loadConfig, SlipwayError } from '@slipway/core';
import {
  type AuditRecord,
  cachedVersionPackage,
  recordAuditEvent,
  resolveIdentity,
} from '@slipway/governance';
import { isNotFound, type ModelVersion, openStore, type Store } from '@slipway/tracking';
import { type LoadedModelPackage, loadModelPackage, readLock } from '@slipway/training';
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

export interface ResolveModelOptions {
  store?: Store;
  /** Directory a package path is relative to (default: the project root). */
  cwd?: string;
  /** The flag the reference came from, named in errors (e.g. `--baseline`). */
  flag?: string;
}

export const REF_FORMS =
  'a package directory, <version>, <alias>, <name>:<version>, <name>@<alias> or models:/<name>@<alias>';

/** Splits a registry reference (see resolveModel); null when it cannot be one. */
export function parseModelRef(
  ref: string,
  project: string,
): { name: string; version: string | null; alias: string | null } | null {
  const uri = /^models:\/([^@/]+)(?:@([^/]+)|\/(\d+))$/.exec(ref);
  if (uri) return { name: uri[1]!, alias: uri[2] ?? null, version: uri[3] ?? null };
  const m = /^([A-Za-z0-9][\w.-]*)([@:])([\w-]+)$/.exec(ref);
  if (m) {
    // `name@3` is a version too: an all-digit alias would be ambiguous, so none is ever read as one.
    const digits = /^\d+$/.test(m[3]!);
    if (m[2] === ':' && !digits) return null;
    return { name: m[1]!, version: digits ? m[3]! : null, alias: digits ? null : m[3]! };
  }
  if (/^\d+$/.test(ref)) return { name: project, version: ref, alias: null };
  if (/^[A-Za-z][\w-]*$/.test(ref)) return { name: project, version: null, alias: ref };
  return null;
}

/**
 * A model reference as users type it, the same for every command: a package directory, `<alias>` or
 * `<version>` of the project's model, `<name>@<alias>`, `<name>:<version>` (or `<name>@<version>`), and
 * MLflow's `models:/<name>@<alias>` / `models:/<name>/<version>`. Registry versions whose source is a
 * run artifact are downloaded once into `.slipway/cache/`. With `missingAlias: 'null'`, an alias that is
 * not set yet (a baseline before the first promotion) gives null instead of an error.
 */
export async function resolveModel(
  ref: string,
  loaded: LoadedConfig,
  options?: ResolveModelOptions & { missingAlias?: 'fail' },
): Promise<ResolvedModel>;
export async function resolveModel(
  ref: string,
  loaded: LoadedConfig,
  options: ResolveModelOptions & { missingAlias: 'null' },
): Promise<ResolvedModel | null>;
export async function resolveModel(
  ref: string,
  loaded: LoadedConfig,
  options: ResolveModelOptions & { missingAlias?: 'fail' | 'null' } = {},
): Promise<ResolvedModel | null> {
  const label = options.flag ? `${options.flag} ${ref}` : ref;
  const asPath = resolve(options.cwd ?? loaded.root, ref);
  if (isPackageDir(asPath))
    return { model: await loadModelPackage(asPath), name: modelName(loaded), version: null, alias: null };
  const parsed = parseModelRef(ref, modelName(loaded));
  if (!parsed) {
    throw new SlipwayError(
      'MODEL_NOT_FOUND',
      `${label}: ${existsSync(asPath) ? 'not a model package (no signature.json)' : 'no such package directory, and not a registry reference'}`,
      { hint: `pass ${REF_FORMS}` },
    );
  }
  const { name, version, alias } = parsed;
  const s = options.store ?? (await openProjectStore(loaded));
  try {
    const notFound = (err: unknown) => {
      if (isNotFound(err)) return null;
      throw err;
    };
    const mv = alias
      ? await s.getVersionByAlias(name, alias).catch(notFound)
      : await s.getModelVersion(name, version!).catch(notFound);
    if (!mv) {
      if (alias && options.missingAlias === 'null') return null;
      if (alias) {
        throw new SlipwayError('MODEL_ALIAS_NOT_SET', `${label}: model "${name}" has no alias "${alias}"`, {
          hint: `promote a version first (slipway promote ${name} <version> --to ${alias}), or pass a package directory`,
        });
      }
      throw new SlipwayError('MODEL_NOT_FOUND', `${label}: model "${name}" has no version ${version}`, {
        hint: `list the versions with \`slipway models show ${name}\`, or pass a package directory`,
      });
    }
    const dir = await materialize(mv, s, loaded);
    return { model: await loadModelPackage(dir), name, version: mv.version, alias };
  } finally {
    if (!options.store) await s.close();
  }
}

/** A local directory holding the version's package (downloaded once into `.slipway/cache/` when remote). */
async function materialize(v: ModelVersion, store: Store, loaded: LoadedConfig): Promise<string> {
  const dir = await cachedVersionPackage(store, v, loaded.root);
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

/** The one directory every command writes its reports to (gitignored by `slipway init`). */
export const OUTPUT_ROOT = 'slipway-out';

/** `<root>/slipway-out/<parts…>`. */
export function outputPath(loaded: LoadedConfig, ...parts: string[]): string {
  return join(loaded.root, OUTPUT_ROOT, ...parts);
}

/** Where `slipway eval` writes the reports of a package by default, and where later commands look. */
export function evalReportDir(loaded: LoadedConfig, packageHash: string): string {
  return outputPath(loaded, 'eval', packageHash.slice(0, 16));
}

/** The report.json eval wrote for this package in the output root, or null when there is none. */
export function findEvalReport(loaded: LoadedConfig, packageHash: string): string | null {
  const path = join(evalReportDir(loaded, packageHash), 'report.json');
  return existsSync(path) ? path : null;
}

/** The package the last `slipway train` produced (recorded in slipway.lock). */
export async function lastTrainedPackage(loaded: LoadedConfig, flag: string): Promise<string> {
  const entry = (await readLock(loaded.root)).stages.train;
  const dir = entry ? resolve(loaded.root, entry.package) : null;
  if (!dir || !isPackageDir(dir)) {
    throw new SlipwayError(
      'NO_TRAINED_PACKAGE',
      entry
        ? `${flag}: the package the last train wrote (${entry.package}) is gone`
        : `${flag}: nothing trained yet (slipway.lock has no train stage)`,
      { hint: `run \`slipway train\` first, or pass ${flag} <package dir or model reference>` },
    );
  }
  return dir;
}
