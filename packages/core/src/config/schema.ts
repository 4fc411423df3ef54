import { z } from 'zod';
import { LOWER_IS_BETTER } from '../metrics.js';
import { dataSection } from './sections/data.js';
import { driftSection } from './sections/drift.js';
import { evalSection } from './sections/eval.js';
import { featuresSection } from './sections/features.js';
import { governanceSection } from './sections/governance.js';
import { modelSection } from './sections/model.js';
import { projectSection } from './sections/project.js';
import { servingSection } from './sections/serving.js';
import { trackingSection } from './sections/tracking.js';
import { trainingSection } from './sections/training.js';

export const configSchema = z.strictObject({
  project: projectSection,
  data: dataSection,
  features: featuresSection,
  model: modelSection,
  training: trainingSection.default(trainingSection.parse({})),
  eval: evalSection.default(evalSection.parse({})),
  drift: driftSection,
  governance: governanceSection,
  serving: servingSection,
  tracking: trackingSection,
});

/** What a user writes (defaults optional). */
export type SlipwayConfigInput = z.input<typeof configSchema>;
/** What Slipway works with after validation and defaults. */
export type SlipwayConfig = z.output<typeof configSchema>;
export type FeatureSpec = SlipwayConfig['features'][number];
export type GateSpec = SlipwayConfig['eval']['gates'][string];
export type RolloutStep = SlipwayConfig['serving']['rollout']['steps'][number];

/** Typing helper for `slipway.config.ts`; returns its argument unchanged. */
export function defineConfig(config: SlipwayConfigInput): SlipwayConfigInput {
  return config;
}

/** Whether greater values of `metric` are better, honouring an explicit gate setting. */
export function greaterIsBetter(metric: string, gate?: { greaterIsBetter?: boolean | undefined }): boolean {
  return gate?.greaterIsBetter ?? !LOWER_IS_BETTER.has(metric);
}
