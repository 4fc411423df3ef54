/**
 * `slipway train`: read the training split, fit the features on it, train, and write a content-addressed
 * model package, unless `slipway.lock` says the same inputs already produced one.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import {
  assertSafeWritePath,
  ciFacts,
  componentsBelow,
  type DatasetRef,
  didYouMean,
  gitFacts,
  hashBytes,
  LINEAGE_SCHEMA,
  type Lineage,
  type LoadedConfig,
  mkdirInside,
  type Progress,
  resolveProjectPath,
  SLIPWAY_VERSION,
  SlipwayError,
  silentProgress,
  sweepTemps,
  tempName,
  tempPathFor,
} from '@slipway/core';
import { dataDigest, describeDataset, profileTable, readTable } from '@slipway/data';
import { type MetricPoint, markOrphanedRuns, runOwnerTags, type Store } from '@slipway/tracking';
import { selectBackend, type TrainedOn } from './backend.js';
import { inputsHash, readLock, type TrainInputs, writeTrainEntry } from './cache.js';
import { SIGNATURE_SCHEMA, type Signature } from './contract.js';
import { applyFeatures } from './features/apply.js';
import { customCodeHash, fitFeatures } from './features/fit.js';
import { gbdtParams, trainTrees } from './gbdt/train-trees.js';
import type { TreesJson } from './gbdt/types.js';
import { dropMissingLabels, encodeLabels, unseenClasses } from './labels.js';
import { buildModel, outputShape } from './model.js';
import { verifyModelPackage, writeModelPackage } from './package/files.js';
import { mulberry32, shuffle } from './random.js';
import { getModelFactory } from './registry.js';
import { type EpochLogs, trainModel } from './trainer.js';

export interface TrainOptions {
  loaded: LoadedConfig;
  progress?: Progress;
  /** Tracking store: a run with params, dataset inputs, per-epoch metrics and the package as an artifact. */
  store?: Store;
  /** Retrain even when slipway.lock says the inputs are unchanged. */
  force?: boolean;
  /** Overrides `training.backend`. */
  backend?: string;
  /** Write the package here instead of `<root>/.slipway/packages/<hash prefix>/`. */
  outDir?: string;
}

export interface TrainResult {
  packageDir: string;
  /** True when an existing package was reused. */
  cached: boolean;
  hash: string;
  lineage: Lineage;
  runId: string | null;
  metrics: Record<string, number>;
  /** The backend that ran (or would have run) and any note about it. */
  backend: TrainedOn;
  /** Training throughput (0 when cached). */
  samplesPerSecond: number;
}

/** DVC md5 + MLflow digest (≤ 36 characters), the same identity `slipway data add` records. */
async function digestOf(path: string): Promise<{ md5: string; digest: string }> {
  const d = await dataDigest(path);
  return { md5: d.md5, digest: d.digest };
}

function projectRelative(root: string, path: string): string {
  const rel = relative(root, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel.split(sep).join('/');
}

function codeHash(loaded: LoadedConfig): string | null {
  const { config } = loaded;
  const features = customCodeHash(config.features);
  if (config.model.type !== 'custom') return features;
  const factory = getModelFactory(config.model.factory ?? '');
  return hashBytes(
    `${features ?? ''}\nmodel:${config.model.factory}\0${factory?.toString() ?? '<unregistered>'}`,
  );
}

function classWeightsFor(
  spec: LoadedConfig['config']['training']['classWeight'],
  classes: (string | number)[] | null,
  y: Float32Array,
  rows: Uint32Array,
): Float32Array | null {
  if (!spec || !classes) return null;
  const k = classes.length;
  const weights = new Float32Array(k).fill(1);
  if (spec === 'balanced') {
    const counts = new Float64Array(k);
    for (const r of rows) counts[y[r]!]!++;
    for (let c = 0; c < k; c++) weights[c] = counts[c]! > 0 ? rows.length / (k * counts[c]!) : 1;
    return weights;
  }
  for (const [name, w] of Object.entries(spec)) {
    const c = classes.findIndex((v) => String(v) === name);
    if (c < 0) {
      throw new SlipwayError(
        'CONFIG_INVALID',
        `training.classWeight: "${name}" is not a class of the label${didYouMean(name, classes.map(String))}`,
        { hint: `classes are: ${classes.join(', ')}` },
      );
    }
    weights[c] = w;
  }
  return weights;
}

/** The run's parameters: those of the model family that trained it, never another family's defaults. */
export function flatParams(loaded: LoadedConfig): Record<string, string | number | boolean | null> {
  const { model, training } = loaded.config;
  const params: Record<string, string | number | boolean | null> = {
    'model.task': model.task,
    'model.type': model.type,
  };
  if (model.type === 'gbdt') {
    for (const [k, v] of Object.entries(gbdtParams(model))) params[`model.gbdt.${k}`] = v;
  } else {
    // tfjs layers (linear, mlp, custom): the network and its optimiser.
    if (model.type === 'mlp') {
      params['model.hidden'] = model.hidden.join(',');
      params['model.activation'] = model.activation;
      params['model.dropout'] = model.dropout;
      params['model.batchNorm'] = model.batchNorm;
    }
    if (model.type === 'custom') params['model.factory'] = model.factory ?? null;
    params['training.epochs'] = training.epochs;
    params['training.batchSize'] = training.batchSize;
    params['training.learningRate'] = training.learningRate;
    params['training.optimizer'] = training.optimizer;
  }
  Object.assign(params, {
    'training.seed': training.seed,
    'training.validationSplit': training.validationSplit,
    'training.earlyStopping': training.earlyStopping
      ? `${training.earlyStopping.monitor}/${training.earlyStopping.patience}`
      : null,
    'training.classWeight':
      training.classWeight === undefined
        ? null
        : typeof training.classWeight === 'string'
          ? training.classWeight
          : JSON.stringify(training.classWeight),
    'training.maxRows': training.maxRows ?? null,
    features: loaded.config.features.map((f) => `${f.as ?? f.column}:${f.transform}`).join(','),
  });
  return params;
}

async function cachedResult(
  root: string,
  inputs: TrainInputs,
  backend: TrainedOn,
  progress: Progress,
): Promise<TrainResult | null> {
  const entry = (await readLock(root)).stages.train;
  if (!entry || entry.inputsHash !== inputsHash(inputs)) return null;
  const dir = isAbsolute(entry.package) ? entry.package : resolve(root, entry.package);
  try {
    const { manifest, bytes } = await verifyModelPackage(dir);
    if (manifest.hash !== entry.hash) return null;
    const lineage = JSON.parse(bytes.get('lineage.json')!.toString('utf8')) as Lineage;
    progress.line(
      `train: inputs unchanged since ${entry.at}; reusing ${projectRelative(root, dir)} (--force retrains)`,
    );
    return {
      packageDir: dir,
      cached: true,
      hash: manifest.hash,
      lineage,
      runId: entry.runId,
      metrics: entry.metrics,
      backend,
      samplesPerSecond: 0,
    };
  } catch {
    // A missing or damaged package is not an error here: the stage simply runs again.
    return null;
  }
}

/** Moves the finished temp directory to its final place; an existing package there is replaced. */
async function place(tmp: string, final: string, root: string): Promise<void> {
  if (componentsBelow(root, final)) assertSafeWritePath(root, final, projectRelative(root, final));
  if (existsSync(final)) {
    const entries = await readdir(final);
    if (entries.length > 0 && !entries.includes('manifest.json')) {
      await rm(tmp, { recursive: true, force: true });
      throw new SlipwayError('OUT_DIR_NOT_EMPTY', `${final}: exists and is not a model package`, {
        hint: 'pass an empty or new directory to --out',
      });
    }
    const old = tempPathFor(final);
    await rename(final, old);
    await rename(tmp, final);
    await rm(old, { recursive: true, force: true });
    return;
  }
  await mkdir(resolve(final, '..'), { recursive: true });
  await rename(tmp, final);
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  const { loaded, store } = options;
  const { config, root } = loaded;
  const progress = options.progress ?? silentProgress;
  const startedAt = new Date();
  // Trees train in our own TypeScript, never on tfjs: no backend to start, and the lineage says so.
  const backend: TrainedOn =
    config.model.type === 'gbdt'
      ? { name: 'typescript' }
      : await selectBackend(options.backend ?? config.training.backend);
  if (backend.note) progress.line(`backend: ${backend.note}`);

  const trainPath = resolveProjectPath(root, config.data.train);
  const evalPath = resolveProjectPath(root, config.data.eval);
  const label = config.data.label;
  const [trainInfo, evalInfo] = [await describeDataset(trainPath), await describeDataset(evalPath)];
  for (const [info, role] of [
    [trainInfo, 'train'],
    [evalInfo, 'eval'],
  ] as const) {
    const names = info.columns.map((c) => c.name);
    if (!names.includes(label)) {
      throw new SlipwayError(
        'LABEL_COLUMN_MISSING',
        `${info.path}: has no label column "${label}" (data.label, ${role} split)${didYouMean(label, names)}`,
        { hint: `set data.label to one of its columns: ${names.join(', ')}` },
      );
    }
  }
  const digests = { train: await digestOf(trainPath), eval: await digestOf(evalPath) };
  const customHash = codeHash(loaded);
  const outDir = options.outDir ? resolve(loaded.root, options.outDir) : null;
  const inputs: TrainInputs = {
    datasets: {
      train: { path: projectRelative(root, trainPath), md5: digests.train.md5 },
      eval: { path: projectRelative(root, evalPath), md5: digests.eval.md5 },
    },
    configHash: loaded.configHash,
    configFileHash: loaded.fileHash,
    customCodeHash: customHash,
    slipwayVersion: SLIPWAY_VERSION,
    backend: backend.name,
    outDir: outDir ? projectRelative(root, outDir) : null,
  };
  if (store) {
    // A train killed earlier left its run RUNNING; its process is gone, so say so (MLflow's KILLED).
    // Before the cache check: a reused package starts no run, but the killed one must still be closed.
    const experiment = await store.getOrCreateExperiment(
      config.tracking.experiment ?? config.model.name ?? config.project.name,
    );
    for (const orphan of await markOrphanedRuns(store, experiment.id))
      progress.line(`train: run ${orphan.runId} marked KILLED: ${orphan.reason}`);
  }
  if (!options.force) {
    const hit = await cachedResult(root, inputs, backend, progress);
    if (hit) return hit;
  }

  // Read only the columns the model needs: the features' inputs and the label.
  const featureColumns = [...new Set(config.features.map((f) => f.column))];
  const known = trainInfo.columns.map((c) => c.name);
  for (const [i, f] of config.features.entries()) {
    if (!known.includes(f.column)) {
      throw new SlipwayError(
        'FEATURE_COLUMN_MISSING',
        `${trainPath}: has no column "${f.column}" (features[${i}].column)${didYouMean(f.column, known)}`,
        { hint: `its columns are: ${known.join(', ')}` },
      );
    }
  }
  const reading = progress.task('read training split', { unit: 'rows' });
  let table: Awaited<ReturnType<typeof readTable>> | null = await readTable(trainPath, {
    columns: [...featureColumns, label],
    ...(config.training.maxRows !== undefined
      ? { sampleRows: config.training.maxRows, seed: config.training.seed }
      : {}),
  });
  reading.set(table.rowCount);
  reading.done(`${table.rowCount.toLocaleString('en-US')} rows from ${projectRelative(root, trainPath)}`);
  const labelled = dropMissingLabels(table, label, config.model.task, config.data.missingLabel);
  table = labelled.table;
  if (labelled.dropped > 0) {
    progress.line(
      `train: left out ${labelled.dropped.toLocaleString('en-US')} row(s) with no label "${label}" (first at row ${labelled.firstDropped}; data.missingLabel "drop")`,
    );
  }
  const n = table.rowCount;
  if (n === 0) {
    throw new SlipwayError(
      'EMPTY_TRAINING_SPLIT',
      `${trainPath}: the training split has no ${labelled.dropped > 0 ? `labelled rows (all ${labelled.dropped} have no label "${label}")` : 'rows'}`,
      { hint: 'check data.train (and the split that produced it)' },
    );
  }

  const { y, classes } = encodeLabels(table, label, config.model.task, config.model.classes, trainPath);
  if (classes) {
    const evalLabels = await readTable(evalPath, { columns: [label] });
    const unseen = unseenClasses(evalLabels, label, classes);
    if (unseen.length > 0) {
      throw new SlipwayError(
        'CLASS_UNSEEN_IN_TRAIN',
        `${evalPath}: label "${label}" has class(es) that the training split does not: ${unseen.slice(0, 10).join(', ')}`,
        {
          hint: `the model can only predict ${classes.join(', ')}; add rows of those classes to the training data, list them in model.classes, or drop them from the eval split`,
        },
      );
    }
  }

  // Seeded validation split; both index lists sorted so that fitting reads rows in file order.
  const order = shuffle(
    Uint32Array.from({ length: n }, (_, i) => i),
    mulberry32(config.training.seed ^ 0x51),
  );
  const nVal = Math.floor(n * config.training.validationSplit);
  const valRows = order.slice(n - nVal).sort();
  const trainRows = order.slice(0, n - nVal).sort();

  const features = fitFeatures(config.features, table, trainRows, projectRelative(root, trainPath));
  const { matrix, width } = applyFeatures(features, table, { source: projectRelative(root, trainPath) });
  // The training split's reference profile (mergeable sketches), what drift checks compare serving traffic to.
  const profile = profileTable(table, { source: projectRelative(root, trainPath) });
  table = null; // from here on the Float32 matrix is the only copy of the data

  const { units } = outputShape(config.model.task, classes);
  // The tree family has no tfjs model: boosting runs on the same feature matrix and writes trees.json.
  const model =
    config.model.type === 'gbdt'
      ? null
      : buildModel({ model: config.model, inputWidth: width, classes, seed: config.training.seed });
  let trees: TreesJson | null = null;
  const name = config.model.name ?? config.project.name;
  const git = await gitFacts(root);
  const ci = await ciFacts();

  let runId: string | null = null;
  if (store) {
    const experiment = await store.getOrCreateExperiment(config.tracking.experiment ?? name);
    const run = await store.createRun(experiment.id, {
      name: `train-${startedAt.toISOString().replace(/[:.]/g, '-')}`,
      tags: {
        ...runOwnerTags(),
        'slipway.stage': 'train',
        'slipway.backend': backend.name,
        ...(git.commit ? { 'mlflow.source.git.commit': git.commit } : {}),
      },
      startTime: startedAt.getTime(),
    });
    runId = run.id;
    const params = flatParams(loaded);
    await store.logParams(
      runId,
      Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v === null ? 'none' : v])),
    );
    await store.logInputs(runId, [
      {
        name: 'train',
        digest: digests.train.digest,
        sourceType: 'local',
        source: inputs.datasets.train!.path,
        context: 'training',
      },
      {
        name: 'eval',
        digest: digests.eval.digest,
        sourceType: 'local',
        source: inputs.datasets.eval!.path,
        context: 'eval',
      },
    ]);
  }

  const packagesDir = join(root, '.slipway', 'packages');
  const tmpParent = outDir ? resolve(outDir, '..') : packagesDir;
  // Where the package goes must not pass through a link inside the project (a committed
  // `.slipway/packages -> elsewhere` would put it there).
  if (componentsBelow(root, tmpParent)) mkdirInside(root, tmpParent, projectRelative(root, tmpParent));
  else await mkdir(tmpParent, { recursive: true });
  // Half-written packages of a train that was killed: their names say whose they were.
  await sweepTemps(tmpParent);
  const tmp = join(tmpParent, tempName('.package'));
  try {
    progress.line(
      `train: ${trainRows.length.toLocaleString('en-US')} rows (${valRows.length.toLocaleString('en-US')} for validation), ${width} input features, backend ${backend.name}`,
    );
    const onEpoch = store
      ? async (logs: EpochLogs) => {
          const now = Date.now();
          const points: MetricPoint[] = Object.entries(logs.values)
            .filter(([, v]) => Number.isFinite(v))
            .map(([key, value]) => ({ key, value, step: logs.epoch, timestamp: now }));
          await store.logMetrics(runId!, points);
        }
      : undefined;
    const common = {
      task: config.model.task,
      x: matrix,
      width,
      y,
      trainRows,
      valRows,
      units,
      training: config.training,
      classWeights: classWeightsFor(config.training.classWeight, classes, y, trainRows),
      progress,
      onEpoch,
    };
    const grown = model ? null : await trainTrees({ ...common, model: config.model });
    trees = grown?.trees ?? null;
    const result = grown ? grown.result : await trainModel({ ...common, model: model! });

    const datasets: DatasetRef[] = [
      {
        name: 'train',
        path: inputs.datasets.train!.path,
        md5: digests.train.md5,
        digest: digests.train.digest,
        rows: n,
        fileRows: trainInfo.rowCount,
        ...(labelled.dropped > 0 ? { unlabelledRows: labelled.dropped } : {}),
      },
      {
        name: 'eval',
        path: inputs.datasets.eval!.path,
        md5: digests.eval.md5,
        digest: digests.eval.digest,
        fileRows: evalInfo.rowCount,
      },
    ];
    let actor: string | null = ci.actor;
    if (!actor) {
      try {
        actor = userInfo().username;
      } catch {
        actor = null;
      }
    }
    const lineage: Lineage = {
      schema: LINEAGE_SCHEMA,
      datasets,
      code: { commit: git.commit, branch: git.branch, dirty: git.dirty, remoteUrl: git.remoteUrl },
      configHash: loaded.configHash,
      configFileHash: loaded.fileHash,
      customCodeHash: customHash,
      params: flatParams(loaded),
      backend: backend.name,
      seed: config.training.seed,
      actor,
      ci: ci.provider ? { runUrl: ci.runUrl, event: ci.event, prNumber: ci.prNumber } : null,
      startedAt: startedAt.toISOString(),
      endedAt: new Date().toISOString(),
      parent: null,
      slipwayVersion: SLIPWAY_VERSION,
      runId,
    };
    const signature: Signature = {
      schema: SIGNATURE_SCHEMA,
      name,
      task: config.model.task,
      inputs: features.inputs,
      label,
      classes,
      threshold: config.model.task === 'binary' ? config.model.threshold : null,
    };
    const manifest = await writeModelPackage(tmp, {
      name,
      task: config.model.task,
      features,
      signature,
      lineage,
      profile,
      ...(trees ? { trees } : { model: model! }),
    });
    const packageDir = outDir ?? join(packagesDir, manifest.hash.slice(0, 12));
    await place(tmp, packageDir, root);
    if (store && runId) {
      await store.logArtifact(runId, packageDir, 'model');
      await store.setTags(runId, { 'slipway.package.hash': manifest.hash });
      await store.setRunStatus(runId, 'FINISHED', Date.now());
    }
    await writeTrainEntry(root, {
      inputs,
      inputsHash: inputsHash(inputs),
      package: projectRelative(root, packageDir),
      hash: manifest.hash,
      runId,
      metrics: result.metrics,
      at: new Date().toISOString(),
    });
    return {
      packageDir,
      cached: false,
      hash: manifest.hash,
      lineage,
      runId,
      metrics: result.metrics,
      backend,
      samplesPerSecond: result.samplesPerSecond,
    };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    if (store && runId) await store.setRunStatus(runId, 'FAILED', Date.now()).catch(() => {});
    throw err;
  } finally {
    model?.dispose();
  }
}
