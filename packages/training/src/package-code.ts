/**
 * Whether a model package may run the custom-transform code bundled in its features.json. A package is
 * data: by default its code never runs. A custom feature is applied only with the function the host
 * registered under that name (its source must be the trained source), or, when the operator opted in
 * (`--allow-package-code`, `serving.allowPackageCode`), with the bundled code after the opt-in's handler
 * (a loud warning and an audit entry) has seen it. No Node API here: the browser build uses it too.
 *
 * The state lives on `globalThis` under a shared symbol, like the transform registry, so the CLI and a
 * config module see one policy even when they load different copies of this package.
 */
import { PackageError } from './errors.js';
import type { CustomTransform, FeaturesJson, FittedFeature } from './features/types.js';
import { getTransform } from './registry.js';

type CustomFeature = Extract<FittedFeature, { transform: 'custom' }>;

/** What an opted-in host is told before bundled code is compiled. */
export interface PackageCodeUse {
  /** The package directory (or whatever names it: a URL in a browser). */
  dir: string;
  /** manifest.json's hash. */
  packageHash: string;
  /** Each custom transform whose bundled code will run: name, the feature using it, sha256 of its source. */
  transforms: { name: string; feature: string; sha256: string }[];
}

export type PackageCodeHandler = (use: PackageCodeUse) => void | Promise<void>;

interface PackageCodeState {
  handler: PackageCodeHandler | null;
  /** Bundled sources admitted by an opted-in load; only these may be compiled. */
  admitted: Set<string>;
}

const KEY = Symbol.for('slipway.training.packageCode');

function state(): PackageCodeState {
  const g = globalThis as unknown as Record<symbol, PackageCodeState | undefined>;
  g[KEY] ??= { handler: null, admitted: new Set() };
  return g[KEY];
}

/**
 * Opts this process in to running code bundled in model packages. `handler` sees every package before
 * its code is compiled (warn, audit) and may throw to refuse it. Call only on an operator's explicit request.
 */
export function allowPackageCode(handler: PackageCodeHandler): void {
  state().handler = handler;
}

/** Back to the default: bundled code never runs (admitted sources are forgotten too). */
export function disallowPackageCode(): void {
  const s = state();
  s.handler = null;
  s.admitted.clear();
}

export function packageCodeAllowed(): boolean {
  return state().handler !== null;
}

function customFeatures(features: FeaturesJson): CustomFeature[] {
  return features.features.filter((f): f is CustomFeature => f.transform === 'custom');
}

/** The registered function for a custom feature, if its code is exactly the trained code. */
export function registeredFor(feature: CustomFeature): CustomTransform | undefined {
  const registered = getTransform(feature.customName);
  if (!registered) return undefined;
  if (registered.toString() === feature.source) return registered;
  throw new PackageError(
    'CUSTOM_TRANSFORM_CHANGED',
    `custom transform "${feature.customName}" (feature "${feature.name}") is registered with different code than the model was trained with`,
    { hint: 'retrain the model, or register the exact function the package was trained with' },
  );
}

function refused(feature: CustomFeature, where: string): PackageError {
  return new PackageError(
    'PACKAGE_CODE_REFUSED',
    `${where}: feature "${feature.name}" needs custom transform "${feature.customName}", which this process has not registered; the package's bundled code is not run`,
    {
      hint: `register the transform (registerTransform("${feature.customName}", fn) in slipway.config.ts, with the exact code it was trained with); only if you trust whoever can write this package, let its code run: slipway serve --allow-package-code (serving.allowPackageCode: true), or allowPackageCode() from @slipway/training`,
      details: { transform: feature.customName, feature: feature.name, sha256: feature.sha256 },
    },
  );
}

/**
 * Decides, when a package is opened, whether each custom feature can be applied: registered with the same
 * code, or admitted through the opt-in (its handler runs once per load, and may refuse by throwing).
 */
export async function admitPackageCode(
  features: FeaturesJson,
  where: { dir: string; packageHash: string },
): Promise<void> {
  const pending: CustomFeature[] = [];
  for (const f of customFeatures(features)) if (!registeredFor(f)) pending.push(f);
  if (pending.length === 0) return;
  const s = state();
  if (!s.handler) throw refused(pending[0]!, where.dir);
  await s.handler({
    dir: where.dir,
    packageHash: where.packageHash,
    transforms: pending.map((f) => ({ name: f.customName, feature: f.name, sha256: f.sha256 })),
  });
  for (const f of pending) s.admitted.add(f.source);
}

/** True when an opted-in load admitted this exact source. */
export function isAdmitted(source: string): boolean {
  const s = state();
  return s.handler !== null && s.admitted.has(source);
}

/** The error for a custom feature applied without registration or admission. */
export function packageCodeRefused(feature: CustomFeature, where: string): PackageError {
  return refused(feature, where);
}
