/**
 * Resolves what `slipway serve` is asked to serve: a model package directory, or a registry alias
 * `models:/<name>@<alias>` / version `models:/<name>/<version>` looked up in the tracking store.
 */
import { isAbsolute, resolve } from 'node:path';
import { SlipwayError } from '@slipway/core';
import { cachedVersionPackage } from '@slipway/governance';
import { openStore } from '@slipway/tracking';
import { type LoadedModelPackage, loadModelPackage } from '@slipway/training';
import type { LoadedSource } from './slot.js';

export type PackageLoader = (dir: string) => Promise<LoadedModelPackage>;

export interface LoaderOptions {
  /** Project directory: relative paths resolve against it. */
  cwd: string;
  /** Tracking store URI from the config; SLIPWAY_TRACKING_URI, then MLFLOW_TRACKING_URI, win over it. */
  trackingUri?: string;
  /** Package loader (default: @slipway/training's loadModelPackage). */
  loadPackage?: PackageLoader;
}

const REGISTRY = /^models:\/([^@/]+)(?:@([^/]+)|\/(\d+))$/;

export function createLoader(options: LoaderOptions): (source: string) => Promise<LoadedSource> {
  return async (source) => {
    const loadPackage = options.loadPackage ?? loadModelPackage;
    const m = REGISTRY.exec(source);
    if (!m) {
      const dir = isAbsolute(source) ? source : resolve(options.cwd, source);
      const pkg = await loadPackage(dir);
      return { pkg, version: pkg.hash.slice(0, 12), source };
    }
    const [, name, alias, number] = m as unknown as [string, string, string | undefined, string | undefined];
    const uri = process.env.SLIPWAY_TRACKING_URI || process.env.MLFLOW_TRACKING_URI || options.trackingUri;
    const store = await openStore(uri, { cwd: options.cwd });
    try {
      const mv = alias
        ? await store.getVersionByAlias(name, alias)
        : await store.getModelVersion(name, number as string);
      if (!mv) {
        throw new SlipwayError('ALIAS_NOT_SET', `registry model "${name}" has no alias "${alias}"`, {
          hint: `set it with slipway promote, or serve a version: models:/${name}/<version>`,
        });
      }
      // Run artifacts (runs:/<id>/model) are downloaded once into the project's cache.
      const dir = await cachedVersionPackage(store, mv, options.cwd);
      const pkg = await loadPackage(dir);
      return { pkg, version: mv.version, source };
    } finally {
      await store.close();
    }
  };
}
