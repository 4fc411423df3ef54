/**
 * Resolves what `slipway serve` is asked to serve: a model package directory, or a registry alias
 * `models:/<name>@<alias>` / version `models:/<name>/<version>` looked up in the tracking store.
 */
import { isAbsolute, resolve } from 'node:path';
import { SlipwayError } from '@slipway/core';
import type { Registry } from '@slipway/tracking';
import type { LoadedModelPackage } from '@slipway/training';
import type { LoadedSource } from './slot.js';

type OpenStore = (
  uri: string | undefined,
  options: { cwd: string },
) => Promise<Registry & { close(): Promise<void> }>;

export type PackageLoader = (dir: string) => Promise<LoadedModelPackage>;

export interface LoaderOptions {
  /** Project directory: relative paths resolve against it. */
  cwd: string;
  /** Tracking store URI (default: SLIPWAY_TRACKING_URI, MLFLOW_TRACKING_URI, then .slipway). */
  trackingUri?: string;
  /** Package loader (default: @slipway/training's loadModelPackage). */
  loadPackage?: PackageLoader;
}

const REGISTRY = /^models:\/([^@/]+)(?:@([^/]+)|\/(\d+))$/;

async function defaultPackageLoader(): Promise<PackageLoader> {
  const training = (await import('@slipway/training')) as Record<string, unknown>;
  const fn = training.loadModelPackage;
  if (typeof fn !== 'function') {
    throw new SlipwayError(
      'NO_PACKAGE_LOADER',
      '@slipway/training does not provide loadModelPackage in this build',
      {
        hint: 'update @slipway/training',
      },
    );
  }
  return fn as PackageLoader;
}

export function createLoader(options: LoaderOptions): (source: string) => Promise<LoadedSource> {
  return async (source) => {
    const loadPackage = options.loadPackage ?? (await defaultPackageLoader());
    const m = REGISTRY.exec(source);
    if (!m) {
      const dir = isAbsolute(source) ? source : resolve(options.cwd, source);
      const pkg = await loadPackage(dir);
      return { pkg, version: pkg.hash.slice(0, 12), source };
    }
    const [, name, alias, number] = m as unknown as [string, string, string | undefined, string | undefined];
    const tracking = (await import('@slipway/tracking')) as unknown as { openStore?: OpenStore };
    if (typeof tracking.openStore !== 'function') {
      throw new SlipwayError('NO_REGISTRY', '@slipway/tracking does not provide openStore in this build', {
        hint: 'serve a package directory instead of a registry alias, or update @slipway/tracking',
      });
    }
    const store = await tracking.openStore(options.trackingUri, { cwd: options.cwd });
    try {
      const mv = alias
        ? await store.getVersionByAlias(name, alias)
        : await store.getModelVersion(name, number as string);
      if (!mv) {
        throw new SlipwayError('ALIAS_NOT_SET', `registry model "${name}" has no alias "${alias}"`, {
          hint: `set it with slipway promote, or serve a version: models:/${name}/<version>`,
        });
      }
      let dir = mv.source;
      if (/^[a-z][a-z0-9+.-]*:/i.test(dir) && !dir.startsWith('file:')) {
        throw new SlipwayError(
          'REMOTE_MODEL_SOURCE',
          `model ${name} version ${mv.version} lives at ${dir}, not on this machine`,
          {
            hint: `download it first (slipway models download) and serve the directory`,
          },
        );
      }
      if (dir.startsWith('file:')) dir = new URL(dir).pathname;
      const pkg = await loadPackage(isAbsolute(dir) ? dir : resolve(options.cwd, dir));
      return { pkg, version: mv.version, source };
    } finally {
      await store.close();
    }
  };
}
