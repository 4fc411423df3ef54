import { defineConfig } from '@slipway/core';

// The second example project: which of three species is a Palmer penguin, from its measurements?
// Data: the 344 penguins of the npm package vega-datasets (see README.md for the splits).

// `pnpm demo:penguins --change` sets this: the documented change of the demo's second pull request.
const change = process.env.SLIPWAY_DEMO_CHANGE === '1';
export default defineConfig({
  project: {
    name: 'penguins',
    description:
      'Classifies Palmer Archipelago penguins as Adelie, Chinstrap or Gentoo from body measurements.',
    owners: ['ml-platform'],
  },
  data: {
    train: 'data/train.parquet',
    eval: 'data/eval.parquet',
    monitor: { recent: 'data/monitor-recent.parquet', torgersen: 'data/monitor-torgersen.parquet' },
    label: 'species',
    id: 'id',
    // Reviewed schema: inferred from train, then widened where other islands legitimately differ (README).
    schema: 'schema.json',
    versioned: ['data'],
  },
  // Nulls (two penguins were not measured, eleven have no recorded sex) are imputed from training data.
  features: [
    { column: 'island', transform: 'oneHot', maxVocab: 5 },
    { column: 'beak_length_mm', transform: 'standardize' },
    { column: 'beak_depth_mm', transform: 'standardize' },
    { column: 'flipper_length_mm', transform: 'standardize' },
    { column: 'body_mass_g', transform: 'standardize' },
    { column: 'sex', transform: 'oneHot', maxVocab: 3 },
  ],
  // The demo's second pull request swaps the MLP for gradient-boosted trees (small data: small leaves).
  model: change
    ? {
        task: 'multiclass',
        type: 'gbdt',
        gbdt: { iterations: 60, learningRate: 0.1, maxLeaves: 8, minSamplesLeaf: 5 },
        classes: ['Adelie', 'Chinstrap', 'Gentoo'],
      }
    : { task: 'multiclass', type: 'mlp', hidden: [16], classes: ['Adelie', 'Chinstrap', 'Gentoo'] },
  training: {
    backend: 'auto',
    epochs: 40,
    batchSize: 16,
    learningRate: 0.01,
    seed: 42,
    validationSplit: 0.1,
  },
  eval: {
    gates: {
      accuracy: { threshold: 0.85, minAbsoluteChange: 0, significance: 0.05 },
      macro_f1: { threshold: 0.8 },
      log_loss: { threshold: 0.5 },
    },
    slices: { columns: ['island', 'sex'], minSupport: 10 },
    bootstrap: { resamples: 200, seed: 7 },
    explain: { sample: 59, background: 30 },
  },
  drift: { shareThreshold: 0.3 },
  governance: {
    policy: 'slipway.policy.yaml',
    card: {
      license: 'apache-2.0',
      intendedUse:
        'Teaching and field-data checks: suggesting the species of an adult penguin measured in the Palmer Archipelago.',
      outOfScope: [
        'Penguins outside the Palmer Archipelago, other species, or chicks',
        'Any conservation or management decision without an expert identification',
      ],
      limitations: [
        'Trained on 176 penguins from Biscoe and Dream islands; Torgersen island is never seen in training.',
        'Chinstrap penguins were only recorded on Dream island, so island and species are confounded.',
      ],
      ethicalConsiderations: [
        'No personal data: the rows describe animals measured under a research permit, released under CC0.',
      ],
      riskCategory: 'minimal',
      tags: ['tabular-classification', 'multiclass', 'penguins'],
    },
  },
  serving: {
    port: 8080,
    rollout: {
      steps: [
        { setWeight: 20 },
        {
          analysis: {
            interval: '1s',
            count: 2,
            failureLimit: 0,
            metrics: [{ name: 'error_rate', successCondition: 'result <= 0.01' }],
          },
        },
        { setWeight: 100 },
      ],
    },
  },
});
