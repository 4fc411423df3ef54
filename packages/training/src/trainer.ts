/**
 * The training loop. It owns batching instead of calling `model.fit` so that it can (1) gather each
 * batch from the one Float32 feature matrix without copying the data set, (2) shuffle with a seeded
 * generator and seed dropout per step (deterministic on cpu and wasm), and (3) weight samples per class.
 */
import { type Progress, type SlipwayConfig, SlipwayError, type Task } from '@slipway/core';
import * as tf from '@tensorflow/tfjs';
import { evaluate } from './metrics.js';
import { predictChunk } from './package/open.js';
import { mulberry32, shuffle, withRandom } from './random.js';

export interface EpochLogs {
  epoch: number;
  /** loss, val_loss, val_auc, val_accuracy, val_rmse, val_mae (those that apply). */
  values: Record<string, number>;
}

export interface TrainerInput {
  model: tf.LayersModel;
  task: Task;
  /** rows × width feature matrix, row-major; the only copy of the data the trainer reads. */
  x: Float32Array;
  width: number;
  /** Encoded labels: 0/1 (binary), class index (multiclass), value (regression). */
  y: Float32Array;
  trainRows: Uint32Array;
  valRows: Uint32Array;
  /** Output units: 1, or the class count. */
  units: number;
  training: SlipwayConfig['training'];
  /** Weight per class index (binary/multiclass), or null for all 1. */
  classWeights: Float32Array | null;
  progress: Progress;
  /** Called after each epoch (e.g. to log metrics to the tracker). */
  onEpoch?: (logs: EpochLogs) => Promise<void>;
}

export interface TrainerResult {
  history: EpochLogs[];
  /** Epoch whose weights the model holds at the end (the best one when early stopping is on). */
  bestEpoch: number;
  stoppedEarly: boolean;
  samplesPerSecond: number;
  /** Final metrics (of `bestEpoch`). */
  metrics: Record<string, number>;
}

const EPS = 1e-7;

function optimizerFor(training: SlipwayConfig['training']): tf.Optimizer {
  switch (training.optimizer) {
    case 'sgd':
      return tf.train.sgd(training.learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(training.learningRate);
    default:
      return tf.train.adam(training.learningRate);
  }
}

function lossOf(
  task: Task,
  pred: tf.Tensor,
  y: tf.Tensor1D,
  w: tf.Tensor1D | null,
  units: number,
): tf.Scalar {
  const n = y.shape[0];
  let perRow: tf.Tensor1D;
  if (task === 'binary') {
    const p = tf.clipByValue(tf.reshape(pred, [n]), EPS, 1 - EPS);
    perRow = tf.neg(tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p))))) as tf.Tensor1D;
  } else if (task === 'multiclass') {
    const oneHot = tf.oneHot(tf.cast(y, 'int32'), units);
    perRow = tf.neg(tf.sum(tf.mul(oneHot, tf.log(tf.clipByValue(pred, EPS, 1 - EPS))), 1)) as tf.Tensor1D;
  } else {
    perRow = tf.square(tf.sub(tf.reshape(pred, [n]), y)) as tf.Tensor1D;
  }
  return tf.mean(w ? tf.mul(perRow, w) : perRow) as tf.Scalar;
}

/** Predictions for `rows` of `x`, in chunks, inference mode. */
export function predictRows(
  model: tf.LayersModel,
  x: Float32Array,
  width: number,
  rows: Uint32Array,
  units: number,
): Float32Array {
  const out = new Float32Array(rows.length * units);
  const chunk = predictChunk();
  const buf = new Float32Array(Math.min(chunk, rows.length) * width);
  for (let start = 0; start < rows.length; start += chunk) {
    const n = Math.min(chunk, rows.length - start);
    for (let r = 0; r < n; r++) {
      const i = rows[start + r]!;
      buf.set(x.subarray(i * width, (i + 1) * width), r * width);
    }
    const values = tf.tidy(() => {
      const pred = model.predict(tf.tensor2d(buf.subarray(0, n * width), [n, width])) as tf.Tensor;
      return pred.dataSync() as Float32Array;
    });
    out.set(values, start * units);
  }
  return out;
}

function direction(metric: string): 'max' | 'min' {
  return /auc|accuracy|r2/.test(metric) ? 'max' : 'min';
}

export async function trainModel(input: TrainerInput): Promise<TrainerResult> {
  const { model, task, x, width, y, trainRows, valRows, units, training, classWeights, progress } = input;
  const optimizer = optimizerFor(training);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const shuffleRng = mulberry32(training.seed);
  const stepRng = mulberry32(training.seed ^ 0x9e3779b9);
  const batchSize = Math.max(1, Math.min(training.batchSize, trainRows.length));
  const xBuf = new Float32Array(batchSize * width);
  const yBuf = new Float32Array(batchSize);
  const wBuf = classWeights ? new Float32Array(batchSize) : null;
  const order = Uint32Array.from(trainRows);
  const valY = new Float32Array(valRows.length);
  valRows.forEach((r, k) => {
    valY[k] = y[r]!;
  });

  const monitor = training.earlyStopping?.monitor ?? 'val_loss';
  const patience = training.earlyStopping?.patience;
  let best = Number.NaN;
  let bestEpoch = 0;
  let bestWeights: tf.Tensor[] | null = null;
  let waited = 0;
  let stoppedEarly = false;
  const history: EpochLogs[] = [];
  let samples = 0;
  let trainMs = 0;

  try {
    for (let epoch = 1; epoch <= training.epochs; epoch++) {
      const task_ = progress.task(`epoch ${epoch}/${training.epochs}`, { total: order.length, unit: 'rows' });
      const started = performance.now();
      shuffle(order, shuffleRng);
      let lossSum = 0;
      for (let start = 0; start < order.length; start += batchSize) {
        const n = Math.min(batchSize, order.length - start);
        for (let r = 0; r < n; r++) {
          const i = order[start + r]!;
          xBuf.set(x.subarray(i * width, (i + 1) * width), r * width);
          yBuf[r] = y[i]!;
          if (wBuf && classWeights) wBuf[r] = classWeights[y[i]!]!;
        }
        const loss = withRandom(stepRng, () =>
          tf.tidy(() => {
            const xs = tf.tensor2d(xBuf.subarray(0, n * width), [n, width]);
            const ys = tf.tensor1d(yBuf.subarray(0, n));
            const ws = wBuf ? tf.tensor1d(wBuf.subarray(0, n)) : null;
            const cost = optimizer.minimize(
              () => lossOf(task, model.apply(xs, { training: true }) as tf.Tensor, ys, ws, units),
              true,
              variables,
            );
            return cost!.dataSync()[0]!;
          }),
        );
        if (!Number.isFinite(loss)) {
          throw new SlipwayError('TRAINING_DIVERGED', `the loss became ${loss} in epoch ${epoch}`, {
            hint: 'lower training.learningRate, or standardize large numeric features',
          });
        }
        lossSum += loss * n;
        task_.tick(n);
      }
      trainMs += performance.now() - started;
      samples += order.length;
      const values: Record<string, number> = { loss: lossSum / order.length };
      if (valRows.length > 0) {
        const pred = predictRows(model, x, width, valRows, units);
        const evaluated = evaluate(task, pred, valY, units);
        values.val_loss = evaluated.loss;
        for (const [k, v] of Object.entries(evaluated.metrics)) values[`val_${k}`] = v;
      }
      const logs = { epoch, values };
      history.push(logs);
      task_.done(
        Object.entries(values)
          .map(([k, v]) => `${k} ${v.toFixed(4)}`)
          .join('  '),
      );
      await input.onEpoch?.(logs);

      const current = values[monitor];
      if (patience !== undefined && current === undefined) {
        throw new SlipwayError(
          'EARLY_STOPPING_MONITOR',
          `training.earlyStopping.monitor: "${monitor}" is not a metric of this run`,
          {
            hint: `use one of: ${Object.keys(values).join(', ')}${valRows.length === 0 ? ' (validation metrics need training.validationSplit > 0)' : ''}`,
          },
        );
      }
      const better =
        current !== undefined &&
        !Number.isNaN(current) &&
        (Number.isNaN(best) || (direction(monitor) === 'max' ? current > best : current < best));
      if (better || patience === undefined) {
        if (current !== undefined) best = current;
        bestEpoch = epoch;
        waited = 0;
        if (patience !== undefined) {
          bestWeights?.forEach((t) => {
            t.dispose();
          });
          bestWeights = model.getWeights().map((w) => tf.keep(w.clone()));
        }
      } else if (patience !== undefined && ++waited >= patience) {
        stoppedEarly = epoch < training.epochs;
        progress.line(
          `early stopping after epoch ${epoch}: ${monitor} did not improve for ${patience} epoch(s); keeping epoch ${bestEpoch}`,
        );
        break;
      }
    }
    if (bestWeights && bestEpoch !== history.length) model.setWeights(bestWeights);
  } finally {
    bestWeights?.forEach((t) => {
      t.dispose();
    });
    optimizer.dispose();
  }
  const final = history.find((h) => h.epoch === bestEpoch) ?? history[history.length - 1];
  return {
    history,
    bestEpoch,
    stoppedEarly,
    samplesPerSecond: trainMs > 0 ? samples / (trainMs / 1000) : 0,
    metrics: final ? { ...final.values } : {},
  };
}
