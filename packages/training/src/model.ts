/** Model factories: declarative linear/logistic and MLP, or a registered `(ctx) => tf.LayersModel`. */
import { didYouMean, type SlipwayConfig, SlipwayError, type Task } from '@slipway/core';
import * as tf from '@tensorflow/tfjs';
import { mulberry32, withRandom } from './random.js';
import { getModelFactory, type ModelFactoryContext, registeredModels } from './registry.js';

export interface BuildOptions {
  model: SlipwayConfig['model'];
  inputWidth: number;
  classes: (string | number)[] | null;
  seed: number;
}

export function outputShape(task: Task, classes: (string | number)[] | null) {
  const units = task === 'multiclass' ? (classes?.length ?? 0) : 1;
  const activation = task === 'binary' ? 'sigmoid' : task === 'multiclass' ? 'softmax' : 'linear';
  return { units, activation } as const;
}

/** Builds the network with seeded initial weights and fixed layer names (so model.json is reproducible). */
export function buildModel(options: BuildOptions): tf.LayersModel {
  const { model: spec, inputWidth, classes, seed } = options;
  const { units, activation } = outputShape(spec.task, classes);
  return withRandom(mulberry32(seed ^ 0x5eed), () => {
    if (spec.type === 'custom') {
      const name = spec.factory ?? '';
      const factory = getModelFactory(name);
      if (!factory) {
        const known = registeredModels();
        throw new SlipwayError(
          'MODEL_FACTORY_UNKNOWN',
          `model.factory: no model factory "${name}" is registered${didYouMean(name, known)}`,
          {
            hint: `call registerModel("${name || 'myModel'}", (ctx) => tf.LayersModel) from @slipway/training in slipway.config.ts`,
          },
        );
      }
      const ctx: ModelFactoryContext = {
        tf,
        inputWidth,
        task: spec.task,
        outputUnits: units,
        outputActivation: activation,
        classes,
        seed,
      };
      const built = factory(ctx);
      const inShape = built?.inputs?.[0]?.shape;
      const outShape = built?.outputs?.[0]?.shape;
      if (!built || inShape?.[1] !== inputWidth || outShape?.[1] !== units || built.outputs.length !== 1) {
        throw new SlipwayError(
          'MODEL_FACTORY_SHAPE',
          `model factory "${name}" returned a model with input ${JSON.stringify(inShape)} and output ${JSON.stringify(outShape)}; expected [null, ${inputWidth}] and [null, ${units}]`,
          {
            hint: `use ctx.inputWidth for the input and end with ${units} unit(s), ${activation} activation`,
          },
        );
      }
      return built;
    }
    const layers: tf.layers.Layer[] = [];
    const hidden = spec.type === 'mlp' ? spec.hidden : [];
    hidden.forEach((size, i) => {
      layers.push(
        tf.layers.dense({
          units: size,
          activation: spec.activation,
          name: `hidden_${i + 1}`,
          ...(i === 0 ? { inputShape: [inputWidth] } : {}),
        }),
      );
      if (spec.batchNorm) layers.push(tf.layers.batchNormalization({ name: `batch_norm_${i + 1}` }));
      if (spec.dropout > 0) layers.push(tf.layers.dropout({ rate: spec.dropout, name: `dropout_${i + 1}` }));
    });
    layers.push(
      tf.layers.dense({
        units,
        activation,
        name: 'output',
        ...(hidden.length === 0 ? { inputShape: [inputWidth] } : {}),
      }),
    );
    return tf.sequential({ name: 'slipway', layers });
  });
}
