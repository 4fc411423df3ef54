import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { SlipwayError } from '@slipway/core';
import {
  type LoadedModelPackage,
  loadModelPackage,
  predictBatch,
  selectBackend,
  train,
} from '@slipway/training';
import type { Command, CommandContext } from '../command.js';
import { outputRoot } from '../output-root.js';
import { auditStage, loadProject, modelName, openProjectStore, REF_FORMS, resolveModel } from '../project.js';

const configFlag = {
  config: {
    type: 'string' as const,
    value: '<file>',
    description: 'config file (default: slipway.config.ts in --cwd or a parent)',
  },
};

export const trainingCommands: Command[] = [
  {
    name: 'train',
    summary: 'fit the features and train the model; writes a content-addressed model package',
    description:
      'Inputs (data digests, resolved config, config file, custom transform code, Slipway version, backend) are recorded in slipway.lock; when they are unchanged the existing package is reused.',
    flags: {
      ...configFlag,
      force: { type: 'boolean', description: 'retrain even when slipway.lock says nothing changed' },
      backend: {
        type: 'string',
        value: '<name>',
        description: 'auto | tensorflow-gpu | tensorflow | wasm | cpu (default: training.backend)',
      },
      out: {
        type: 'string',
        value: '<dir>',
        description: 'write the package here instead of .slipway/packages/',
      },
    },
    async run(ctx) {
      const loaded = await loadProject(ctx);
      const store = await openProjectStore(loaded);
      try {
        const result = await train({
          loaded,
          progress: ctx.progress,
          store,
          force: ctx.flags.force === true,
          ...(typeof ctx.flags.backend === 'string' ? { backend: ctx.flags.backend } : {}),
          ...(typeof ctx.flags.out === 'string' ? { outDir: resolve(ctx.cwd, ctx.flags.out) } : {}),
        });
        await auditStage(
          loaded,
          {
            event: 'train',
            outcome: 'ok',
            model: modelName(loaded),
            data: {
              packageHash: result.hash,
              cached: result.cached,
              runId: result.runId,
              backend: result.backend.name,
            },
          },
          store ?? undefined,
        );
        const data = {
          packageDir: result.packageDir,
          cached: result.cached,
          hash: result.hash,
          runId: result.runId,
          backend: result.backend.name,
          ...(result.backend.note ? { backendNote: result.backend.note } : {}),
          metrics: result.metrics,
          samplesPerSecond: result.samplesPerSecond,
        };
        ctx.output(data, () =>
          [
            `${result.cached ? 'Reused' : 'Trained'} ${relative(ctx.cwd, result.packageDir) || '.'} (hash ${result.hash.slice(0, 12)}, backend ${result.backend.name}${result.runId ? `, run ${result.runId}` : ''})`,
            ...Object.entries(result.metrics).map(([k, v]) => `  ${k.padEnd(14)} ${v.toFixed(4)}`),
            result.cached ? 'Inputs unchanged since the last train; use --force to retrain.' : '',
          ]
            .filter(Boolean)
            .join('\n'),
        );
      } finally {
        await store.close();
      }
    },
  },
  {
    name: 'predict',
    summary: 'batch predictions: a dataset in, the same rows with prediction columns out (Parquet or CSV)',
    flags: {
      ...configFlag,
      model: {
        type: 'string',
        value: '<model>',
        description: `the model: ${REF_FORMS}`,
      },
      input: { type: 'string', value: '<dataset>', description: 'rows to score (.parquet, .csv, .jsonl)' },
      output: {
        type: 'string',
        value: '<file>',
        description:
          'where to write (.parquet, .csv or .jsonl; its directory is created); input columns are copied as they are',
      },
      backend: { type: 'string', value: '<name>', description: 'tfjs backend (default auto)' },
    },
    async run(ctx) {
      for (const flag of ['model', 'input', 'output'] as const) {
        if (typeof ctx.flags[flag] !== 'string') {
          throw new SlipwayError('CLI_BAD_ARGUMENTS', `slipway predict: --${flag} is required`, {
            hint: 'e.g. slipway predict --model champion --input data/eval.csv --output slipway-out/predictions.csv',
          });
        }
      }
      await selectBackend(typeof ctx.flags.backend === 'string' ? ctx.flags.backend : 'auto');
      const pkg = await modelForPredict(ctx, ctx.flags.model as string);
      try {
        const result = await predictBatch({
          model: pkg,
          input: resolve(ctx.cwd, ctx.flags.input as string),
          output: resolve(ctx.cwd, ctx.flags.output as string),
          progress: ctx.progress,
          ...outputRoot(ctx.cwd),
        });
        ctx.output(
          { ...result, model: { dir: pkg.dir, hash: pkg.hash, name: pkg.signature.name } },
          () =>
            `Wrote ${result.rows.toLocaleString('en-US')} rows with ${result.columns.join(', ')} to ${relative(ctx.cwd, result.output)} (model ${pkg.hash.slice(0, 12)})`,
        );
      } finally {
        pkg.dispose();
      }
    },
  },
];

/** A package directory needs no project; a registry reference is resolved in the project's store. */
async function modelForPredict(ctx: CommandContext, ref: string): Promise<LoadedModelPackage> {
  const asPath = resolve(ctx.cwd, ref);
  if (existsSync(join(asPath, 'signature.json'))) return loadModelPackage(asPath);
  return (await resolveModel(ref, await loadProject(ctx), { cwd: ctx.cwd, flag: '--model' })).model;
}
