import type { Command } from '../command.js';

/**
 * The verbs of `slipway`, by the file that implements them. A group's module (and the packages it
 * imports: tfjs, DuckDB, the server) loads only when one of its verbs runs, so `slipway data status` does
 * not pay for training or serving at start-up. `index.test.ts` checks these names against the modules.
 */
export interface CommandGroup {
  names: readonly string[];
  load(): Promise<Command[]>;
}

export const groups: readonly CommandGroup[] = [
  { names: ['init'], load: async () => (await import('./init.js')).initCommands },
  { names: ['doctor'], load: async () => (await import('./doctor.js')).doctorCommands },
  { names: ['config print'], load: async () => (await import('./config.js')).configCommands },
  {
    names: ['data add', 'data status', 'data checkout', 'data push', 'data pull'],
    load: async () => (await import('./data-version.js')).dataVersionCommands,
  },
  {
    names: ['data schema infer', 'data validate', 'data profile', 'data profile merge', 'data drift'],
    load: async () => (await import('./data-quality.js')).dataQualityCommands,
  },
  { names: ['train', 'predict'], load: async () => (await import('./training.js')).trainingCommands },
  { names: ['eval'], load: async () => (await import('./eval.js')).evalCommands },
  { names: ['register'], load: async () => (await import('./register.js')).registerCommands },
  {
    names: [
      'card',
      'lineage',
      'reproduce',
      'audit verify',
      'audit show',
      'audit segment',
      'approve',
      'promote',
    ],
    load: async () => (await import('./governance.js')).governanceCommands,
  },
  {
    names: ['serve', 'canary start', 'canary status', 'canary promote', 'canary abort', 'deploy manifests'],
    load: async () => (await import('./serving.js')).servingCommands,
  },
  { names: ['monitor'], load: async () => (await import('./monitor.js')).monitorCommands },
  {
    names: ['runs list', 'runs show', 'models list', 'models show'],
    load: async () => (await import('./tracking.js')).trackingCommands,
  },
];

/** Every verb, in help order (loads every group). */
export async function loadCommands(): Promise<Command[]> {
  return (await Promise.all(groups.map((g) => g.load()))).flat();
}

/** All verb names without loading any module. */
export const commandNames: readonly string[] = groups.flatMap((g) => g.names);
