/**
 * The tree family's side of `slipway train`: model.gbdt and training.{seed, earlyStopping, classWeight}
 * → boost(), with progress per iteration and the same result shape as the tfjs trainer.
 */
import { gbdtOptions, type Progress, type SlipwayConfig, SlipwayError, type Task } from '@slipway/core';
import { evaluate } from '../metrics.js';
import type { EpochLogs, TrainerResult } from '../trainer.js';
import { boost, EarlyStoppingMonitorError } from './boost.js';
import { transformRaw } from './loss.js';
import type { GbdtParams, TreesJson } from './types.js';

export interface TrainTreesInput {
  task: Task;
  x: Float32Array;
  width: number;
  y: Float32Array;
  trainRows: Uint32Array;
  valRows: Uint32Array;
  units: number;
  model: SlipwayConfig['model'];
  training: SlipwayConfig['training'];
  classWeights: Float32Array | null;
  progress: Progress;
  onEpoch?: (logs: EpochLogs) => Promise<void>;
}

/** model.gbdt after defaults → the trainer's parameters. */
export function gbdtParams(model: SlipwayConfig['model']): GbdtParams {
  const o = model.gbdt ?? gbdtOptions.parse({});
  return {
    iterations: o.iterations,
    learningRate: o.learningRate,
    maxLeaves: o.maxLeaves,
    maxDepth: o.maxDepth ?? null,
    minSamplesLeaf: o.minSamplesLeaf,
    minHessianLeaf: o.minHessianLeaf,
    l2: o.l2,
    maxBins: o.maxBins,
    minGainToSplit: o.minGainToSplit,
  };
}

export async function trainTrees(
  input: TrainTreesInput,
): Promise<{ trees: TreesJson; result: TrainerResult }> {
  const { task, y, trainRows, valRows, training, classWeights, progress } = input;
  const params = gbdtParams(input.model);
  let weight: Float32Array | null = null;
  if (classWeights && task !== 'regression') {
    weight = new Float32Array(y.length);
    for (let r = 0; r < y.length; r++) weight[r] = classWeights[y[r]!]!;
  }
  const bar = progress.task('boosting', { total: params.iterations, unit: 'iterations' });
  let out: Awaited<ReturnType<typeof boost>>;
  try {
    out = await boost({
      task,
      x: input.x,
      width: input.width,
      y,
      units: input.units,
      trainRows,
      valRows,
      params,
      seed: training.seed,
      weight,
      earlyStopping: training.earlyStopping,
      onIteration: async (iteration, values) => {
        bar.tick(1);
        await input.onEpoch?.({ epoch: iteration, values });
      },
    });
  } catch (err) {
    bar.fail();
    if (err instanceof EarlyStoppingMonitorError) {
      throw new SlipwayError(
        'EARLY_STOPPING_MONITOR',
        `training.earlyStopping.monitor: "${err.monitor}" is not a metric of this run`,
        { hint: `use one of: ${err.available.join(', ')}` },
      );
    }
    throw err;
  }
  // Training loss at the kept iteration (what the MLP reports as `loss`), then the validation metrics.
  const k = out.trees.outputs;
  const trainRaw = new Float64Array(trainRows.length * k);
  const trainY = new Float32Array(trainRows.length);
  for (let i = 0; i < trainRows.length; i++) {
    trainY[i] = y[trainRows[i]!]!;
    for (let c = 0; c < k; c++) trainRaw[i * k + c] = out.raw[trainRows[i]! * k + c]!;
  }
  const trainP = Float32Array.from(transformRaw(out.trees.loss, trainRaw, trainRows.length, k));
  const final = {
    loss: evaluate(task, trainP, trainY, k).loss,
    ...(out.history[out.bestIteration - 1]?.values ?? {}),
  };
  bar.done(
    `${out.bestIteration} iteration(s) × ${out.trees.outputs} tree(s)${out.stoppedEarly ? ` (early stopping: ${training.earlyStopping?.monitor ?? 'val_loss'} best at ${out.bestIteration})` : ''}  ${Object.entries(
      final,
    )
      .map(([k, v]) => `${k} ${v.toFixed(4)}`)
      .join('  ')}`,
  );
  if (out.stoppedEarly) {
    progress.line(
      `early stopping after iteration ${out.history.length}: ${training.earlyStopping?.monitor ?? 'val_loss'} did not improve for ${training.earlyStopping?.patience} iteration(s); keeping iteration ${out.bestIteration}`,
    );
  }
  const history: EpochLogs[] = out.history.map((h) => ({ epoch: h.iteration, values: h.values }));
  return {
    trees: out.trees,
    result: {
      history,
      bestEpoch: out.bestIteration,
      stoppedEarly: out.stoppedEarly,
      samplesPerSecond: out.seconds > 0 ? (trainRows.length * out.history.length) / out.seconds : 0,
      metrics: { ...final },
    },
  };
}
