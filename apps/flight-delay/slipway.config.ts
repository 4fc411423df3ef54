import { defineConfig } from '@slipway/core';

// The example project: will a US domestic flight leave more than 15 minutes late?
// Data: 3M flights Jan–Jun 2001 from the npm package vega-datasets (see README.md for the splits).

// `pnpm demo --change` sets this: the documented change of the demo's second pull request.
const change = process.env.SLIPWAY_DEMO_CHANGE === '1';
export default defineConfig({
  project: {
    name: 'flight-delay',
    description: 'Predicts whether a US domestic flight departs more than 15 minutes late.',
    owners: ['ml-platform'],
  },
  data: {
    train: 'data/train.parquet',
    eval: 'data/eval.parquet',
    monitor: { may: 'data/monitor-may.parquet', jun: 'data/monitor-jun.parquet' },
    label: 'delayed',
    id: 'id',
    // Reviewed schema: inferred from train, then widened where later months legitimately differ (date, month).
    schema: 'schema.json',
    versioned: ['data'],
  },
  features: [
    { column: 'hour', transform: 'oneHot', maxVocab: 24 },
    { column: 'day_of_week', transform: 'oneHot', maxVocab: 7 },
    { column: 'distance', transform: 'standardize' },
    { column: 'distance', as: 'log_distance', transform: 'log1p' },
    { column: 'origin', transform: 'oneHot', maxVocab: 60 },
    { column: 'destination', transform: 'oneHot', maxVocab: 60 },
    { column: 'route', transform: 'hash', buckets: change ? 1024 : 256 },
  ],
  model: { task: 'binary', type: 'mlp', hidden: [64, 32], dropout: 0.1 },
  training: {
    backend: 'auto',
    epochs: change ? 4 : 3,
    batchSize: 512,
    learningRate: 0.002,
    seed: 42,
    validationSplit: 0.1,
    // A deterministic sample keeps the demo within two minutes on two cores.
    maxRows: 200_000,
  },
  eval: {
    gates: {
      roc_auc: { threshold: 0.6, minAbsoluteChange: 0, significance: 0.05 },
      log_loss: { threshold: 0.55 },
    },
    slices: {
      columns: ['origin', 'day_of_week'],
      numeric: { distance: [250, 500, 1000, 2000] },
      minSupport: 2000,
    },
    bootstrap: { resamples: 200, seed: 7 },
    explain: { sample: 200, background: 50 },
  },
  drift: { shareThreshold: 0.5 },
  governance: {
    policy: 'slipway.policy.yaml',
    card: {
      license: 'apache-2.0',
      intendedUse:
        'Ranking scheduled departures by their risk of a delay over 15 minutes, to plan staffing buffers.',
      outOfScope: [
        'Decisions about individual passengers',
        'Airports or years outside the training data (US, 2001)',
      ],
      limitations: [
        'Trained on January–March 2001 only: seasonal patterns of other months are not seen.',
        'Uses schedule features only; weather and air-traffic control events are not inputs.',
      ],
      ethicalConsiderations: [
        'Scores could be misused to rate airports or crews; they reflect 2001 schedules, not anyone’s performance.',
        'No personal data is used: flights are described by time, distance and airports only.',
      ],
      riskCategory: 'minimal',
      tags: ['tabular-classification', 'flights'],
    },
  },
  serving: {
    port: 8080,
    rollout: {
      steps: [
        { setWeight: 10 },
        {
          analysis: {
            interval: '1s',
            count: 3,
            failureLimit: 0,
            metrics: [{ name: 'error_rate', successCondition: 'result <= 0.01' }],
          },
        },
        { setWeight: 50 },
        {
          analysis: {
            interval: '1s',
            count: 3,
            failureLimit: 0,
            metrics: [
              { name: 'error_rate', successCondition: 'result <= 0.01' },
              { name: 'latency_p99', successCondition: 'result <= 50' },
            ],
          },
        },
        { setWeight: 100 },
      ],
    },
  },
});
