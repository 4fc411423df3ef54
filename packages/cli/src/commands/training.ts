import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { type LoadedConfig, SlipwayError } from '@slipway/core';
import { openStore } from '@slipway/tracking';
import {
  type LoadedModelPackage,
  loadModelPackage,
  predictBatch,
  selectBackend,
  train,
} from '@slipway/training';
import type { Command, CommandContext } from '../command.js';
import { auditStage, loadProject, modelName, openProjectStore } from '../project.js';

const configFlag = {
  config: {
    type: 'string' as const,
    value: '<file>',
    description: 'config file (default: slipway.config.ts in --cwd or a parent)',
  },
};

/**
 * `--model` is a package directory, or a registry alias: `name@alias`, or `alias` for the project's model.
 * An alias resolves to its version's source directory, or else to the `model` artifact of its run.
 */
async function resolveModel(
  ctx: CommandContext,
  spec: string,
): Promise<{ pkg: LoadedModelPackage; cleanup: () => Promise<void> }> {
  const asPath = resolve(ctx.cwd, spec);
  if (existsSync(asPath) && statSync(asPath).isDirectory())
    return { pkg: await loadModelPackage(asPath), cleanup: async () => {} };
  const at = spec.lastIndexOf('@');
  let loaded: LoadedConfig | undefined;
  try {
    loaded = await loadProject(ctx);
  } catch {}
  const name = at > 0 ? spec.slice(0, at) : (loaded?.config.model.name ?? loaded?.config.project.name);
  const alias = at > 0 ? spec.slice(at + 1) : spec;
  if (!name || !/^[A-Za-z0-9_-]+$/.test(alias)) {
    throw new SlipwayError(
      'MODEL_NOT_FOUND',
      `--model ${spec}: not a package directory or a registry alias`,
      {
        hint: 'pass the directory `slipway train` printed, or <model>@<alias> (e.g. flight-delay@champion)',
      },
    );
  }
  const store = loaded
    ? await openProjectStore(loaded)
    : await openStore(process.env.SLIPWAY_TRACKING_URI || process.env.MLFLOW_TRACKING_URI, { cwd: ctx.cwd });
  try {
    const version = await store.getVersionByAlias(name, alias);
    if (!version) {
      throw new SlipwayError('MODEL_NOT_FOUND', `--model ${spec}: model "${name}" has no alias "${alias}"`, {
        hint: 'list the aliases with the registry commands, or pass a package directory',
      });
    }
    const source = resolve(loaded?.root ?? ctx.cwd, version.source.replace(/^file:\/\//, ''));
    if (existsSync(join(source, 'manifest.json')))
      return { pkg: await loadModelPackage(source), cleanup: async () => {} };
    if (!version.runId) {
      throw new SlipwayError(
        'MODEL_NOT_FOUND',
        `--model ${spec}: version ${version.version} points at ${version.source}, which is not a package directory here`,
        { hint: 'pass the package directory instead' },
      );
    }
    const dir = await mkdtemp(join(tmpdir(), 'slipway-model-'));
    const local = await store.downloadArtifact(version.runId, 'model', dir);
    return { pkg: await loadModelPackage(local), cleanup: () => rm(dir, { recursive: true, force: true }) };
  } finally {
    await store.close();
  }
}

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
        value: '<dir|name@alias>',
        description: 'a model package directory, or a registry alias (name@alias, or alias of this project)',
      },
      input: { type: 'string', value: '<dataset>', description: 'rows to score (.parquet, .csv, .jsonl)' },
      output: { type: 'string', value: '<file>', description: 'where to write (.parquet, .csv or .jsonl)' },
      backend: { type: 'string', value: '<name>', description: 'tfjs backend (default auto)' },
    },
    async run(ctx) {
      for (const flag of ['model', 'input', 'output'] as const) {
        if (typeof ctx.flags[flag] !== 'string') {
          throw new SlipwayError('CLI_BAD_ARGUMENTS', `slipway predict: --${flag} is required`, {
            hint: 'slipway predict --model <package dir | name@alias> --input <dataset> --output <file>',
          });
        }
      }
      await selectBackend(typeof ctx.flags.backend === 'string' ? ctx.flags.backend : 'auto');
      const { pkg, cleanup } = await resolveModel(ctx, ctx.flags.model as string);
      try {
        const result = await predictBatch({
          model: pkg,
          input: resolve(ctx.cwd, ctx.flags.input as string),
          output: resolve(ctx.cwd, ctx.flags.output as string),
          progress: ctx.progress,
        });
        ctx.output(
          { ...result, model: { dir: pkg.dir, hash: pkg.hash, name: pkg.signature.name } },
          () =>
            `Wrote ${result.rows.toLocaleString('en-US')} rows with ${result.columns.join(', ')} to ${relative(ctx.cwd, result.output)} (model ${pkg.hash.slice(0, 12)})`,
        );
      } finally {
        pkg.dispose();
        await cleanup();
      }
    },
  },
];
