/**
 * What a model package holds, read from the package itself (model.json of a tfjs layers model, trees.json
 * of a tree ensemble) and its lineage: a card written after the config changed still describes the model
 * it documents. Hyper-parameters are the family's own: a tree package lists no epochs or optimiser, even
 * when an older lineage logged them.
 */
import type { Lineage } from '@slipway/core';

export interface PackageModel {
  family: 'tfjs' | 'gbdt';
  /** One line: layers with their widths and activations, or the ensemble's size and loss. */
  architecture: string;
  hyperParameters: Record<string, string | number | boolean | null>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function layerText(layer: unknown): string | null {
  if (!isObj(layer) || !isObj(layer.config)) return null;
  const c = layer.config;
  switch (layer.class_name) {
    case 'Dense':
      return `Dense ${String(c.units)}${typeof c.activation === 'string' && c.activation !== 'linear' ? ` ${c.activation}` : ''}`;
    case 'Dropout':
      return `Dropout ${String(c.rate)}`;
    case 'BatchNormalization':
      return 'BatchNorm';
    default:
      return typeof layer.class_name === 'string' ? layer.class_name : null;
  }
}

function describeLayers(modelJson: unknown): string | null {
  if (!isObj(modelJson) || !isObj(modelJson.modelTopology)) return null;
  const topo = modelJson.modelTopology;
  const config = isObj(topo.model_config) ? topo.model_config : topo;
  const layers = isObj(config.config) && Array.isArray(config.config.layers) ? config.config.layers : null;
  if (!layers) return null;
  const first = layers[0];
  const shape = isObj(first) && isObj(first.config) ? first.config.batch_input_shape : null;
  const width = Array.isArray(shape) ? shape.at(-1) : null;
  const dense = layers.filter((l) => isObj(l) && l.class_name === 'Dense').length;
  const parts = layers.map(layerText).filter((t): t is string => t !== null);
  const kind = dense <= 1 ? 'linear model' : `MLP (${dense - 1} hidden layer${dense === 2 ? '' : 's'})`;
  return `${kind}, tfjs layers: ${typeof width === 'number' ? `input ${width} → ` : ''}${parts.join(' → ')}`;
}

function describeTrees(trees: unknown): { text: string; params: Obj } | null {
  if (!isObj(trees) || !Array.isArray(trees.trees)) return null;
  const list = trees.trees as unknown[];
  let leaves = 0;
  for (const t of list) {
    if (isObj(t) && Array.isArray(t.feature)) leaves += (t.feature as number[]).filter((f) => f < 0).length;
  }
  const outputs = typeof trees.outputs === 'number' ? trees.outputs : 1;
  const text = `gradient-boosted trees: ${String(trees.iterations)} iteration(s) × ${outputs} output(s) = ${list.length} trees (${leaves.toLocaleString('en-US')} leaves), loss ${String(trees.loss)}, input width ${String(trees.width)}`;
  return { text, params: isObj(trees.params) ? trees.params : {} };
}

const TFJS_ONLY =
  /^(model\.(hidden|activation|dropout|batchNorm|factory)|training\.(epochs|batchSize|learningRate|optimizer))$/;

function scalar(v: unknown): string | number | boolean | null {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

/**
 * The model of a package from its files (`model.json` or `trees.json`, parsed) and lineage; null when
 * neither file can be read (the card then lists the architecture as missing).
 */
export function describePackageModel(
  files: { modelJson?: unknown; trees?: unknown },
  lineage: Lineage,
): PackageModel | null {
  if (files.trees !== undefined) {
    const t = describeTrees(files.trees);
    if (!t) return null;
    const hyperParameters: PackageModel['hyperParameters'] = {};
    for (const [k, v] of Object.entries(lineage.params))
      if (!TFJS_ONLY.test(k) && !k.startsWith('model.gbdt.')) hyperParameters[k] = v;
    // The ensemble's own record of how it was grown wins over the run's params.
    for (const [k, v] of Object.entries(t.params)) hyperParameters[`model.gbdt.${k}`] = scalar(v);
    return { family: 'gbdt', architecture: t.text, hyperParameters };
  }
  const layers = describeLayers(files.modelJson);
  if (!layers) return null;
  const hyperParameters: PackageModel['hyperParameters'] = {};
  for (const [k, v] of Object.entries(lineage.params))
    if (!k.startsWith('model.gbdt.')) hyperParameters[k] = v;
  return { family: 'tfjs', architecture: layers, hyperParameters };
}
