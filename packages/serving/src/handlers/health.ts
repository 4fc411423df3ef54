/** Server and model metadata, liveness and readiness: cheap answers that never touch a model. */
import { modelFamilyOf, SLIPWAY_VERSION } from '@slipway/core';
import type { App, Ctx } from '../app.js';
import { oipDatatype } from '../http/inputs.js';
import { send } from '../http/respond.js';
import type { Deployment } from '../router/deployment.js';

export function serverMetadata(ctx: Ctx): void {
  send(ctx.res, 200, { name: 'slipway', version: SLIPWAY_VERSION, extensions: ['binary_tensor_data'] });
}

export function live(ctx: Ctx): void {
  send(ctx.res, 200, { live: true });
}

export function ready(app: App, ctx: Ctx): void {
  const closing = app.isClosing();
  send(ctx.res, closing ? 503 : 200, { ready: !closing });
}

export function modelReady(app: App, ctx: Ctx, d: Deployment): void {
  const closing = app.isClosing();
  send(ctx.res, closing ? 503 : 200, { name: d.name, ready: !closing });
}

export function modelMetadata(d: Deployment): Record<string, unknown> {
  const sig = d.signature;
  const k = sig.task === 'multiclass' ? (sig.classes?.length ?? -1) : 0;
  return {
    name: d.name,
    versions: [d.stable.version, ...(d.canary ? [d.canary.version] : [])],
    // The family that answers (stable's): tfjs layers or gradient-boosted trees.
    platform: modelFamilyOf(d.stable.pkg.manifest) === 'gbdt' ? 'slipway_gbdt' : 'slipway_tfjs',
    inputs: sig.inputs.map((i) => ({ name: i.name, datatype: oipDatatype(i.kind), shape: [-1] })),
    outputs: [
      { name: 'predictions', datatype: 'FP64', shape: [-1] },
      ...(k > 0 ? [{ name: 'probabilities', datatype: 'FP64', shape: [-1, k] }] : []),
    ],
    parameters: {
      task: sig.task,
      classes: sig.classes,
      threshold: sig.threshold,
      stable: d.stable.version,
      canary: d.canary?.version ?? null,
      canary_weight: d.weight,
      shadow: d.shadow ? { version: d.shadow.slot.version, percent: d.shadow.percent } : null,
    },
  };
}
