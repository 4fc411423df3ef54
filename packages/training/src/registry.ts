/**
 * Named hooks a project registers from its config module: custom feature transforms and custom model
 * factories. The maps live on `globalThis` under a shared symbol so that the config module and the CLI
 * see the same registry even when they load different copies of this package (src in tests, dist in
 * the CLI).
 */

import type { Task } from '@slipway/core';
import type * as tf from '@tensorflow/tfjs';
import { PackageError } from './errors.js';
import type { CustomTransform } from './features/types.js';

/** What a custom model factory receives. */
export interface ModelFactoryContext {
  tf: typeof tf;
  /** Width of the feature matrix (the model's input size). */
  inputWidth: number;
  task: Task;
  /** Output units the trainer expects: 1 for binary/regression, the class count for multiclass. */
  outputUnits: number;
  /** Activation the output must end with: sigmoid (binary), softmax (multiclass), linear (regression). */
  outputActivation: 'sigmoid' | 'softmax' | 'linear';
  classes: (string | number)[] | null;
  seed: number;
}

export type ModelFactory = (ctx: ModelFactoryContext) => tf.LayersModel;

interface Registries {
  transforms: Map<string, CustomTransform>;
  models: Map<string, ModelFactory>;
}

const KEY = Symbol.for('slipway.training.registry');

function registries(): Registries {
  const g = globalThis as unknown as Record<symbol, Registries | undefined>;
  g[KEY] ??= { transforms: new Map(), models: new Map() };
  return g[KEY];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function checkName(kind: string, name: string): void {
  if (!NAME.test(name)) {
    throw new PackageError('REGISTRY_BAD_NAME', `${kind} name "${name}" is not valid`, {
      hint: 'use letters, digits, "_", "." and "-", starting with a letter',
    });
  }
}

/**
 * Registers a pure transform under `name` for `{ transform: 'custom', name }` features. Its source code
 * is hashed into the lineage and bundled into features.json. Registering the same name again replaces it.
 */
export function registerTransform(name: string, fn: CustomTransform): void {
  checkName('transform', name);
  if (typeof fn !== 'function') {
    throw new PackageError('REGISTRY_NOT_A_FUNCTION', `transform "${name}" must be a function`, {
      hint: 'registerTransform("name", (value) => number | number[])',
    });
  }
  registries().transforms.set(name, fn);
}

export function getTransform(name: string): CustomTransform | undefined {
  return registries().transforms.get(name);
}

export function registeredTransforms(): string[] {
  return [...registries().transforms.keys()].sort();
}

/** Registers a model factory for `model: { type: 'custom', factory: name }`. */
export function registerModel(name: string, factory: ModelFactory): void {
  checkName('model factory', name);
  if (typeof factory !== 'function') {
    throw new PackageError('REGISTRY_NOT_A_FUNCTION', `model factory "${name}" must be a function`, {
      hint: 'registerModel("name", (ctx) => tf.LayersModel)',
    });
  }
  registries().models.set(name, factory);
}

export function getModelFactory(name: string): ModelFactory | undefined {
  return registries().models.get(name);
}

export function registeredModels(): string[] {
  return [...registries().models.keys()].sort();
}

/** Removes a registered transform (tests, and hot-reloading config modules). */
export function unregisterTransform(name: string): boolean {
  return registries().transforms.delete(name);
}
