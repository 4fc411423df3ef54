// Inputs for card tests: a config parsed through the real schema, and a lineage / signature / eval report
// shaped as the training and eval packages write them.
import { configSchema, LINEAGE_SCHEMA, type Lineage, type SlipwayConfig } from '@slipway/core';
import type { EvalReport } from '@slipway/eval';
import type { Signature } from '@slipway/training';
import { describePackageModel } from '../card/architecture.js';

export function cardConfig(overrides: Record<string, unknown> = {}): SlipwayConfig {
  return configSchema.parse({
    project: {
      name: 'flight-delay',
      description: 'Predicts departure delays over 15 minutes.',
      owners: ['ml-platform'],
    },
    data: { train: 'data/train.parquet', eval: 'data/eval.parquet', label: 'delayed' },
    features: [{ column: 'distance', transform: 'standardize' }],
    model: { task: 'binary', hidden: [8] },
    drift: {},
    governance: {
      card: {
        license: 'apache-2.0',
        intendedUse: 'Staffing buffers for departures.',
        outOfScope: ['Decisions about individual passengers'],
        limitations: ['Schedule features only.'],
        riskCategory: 'minimal',
        tags: ['flights'],
      },
    },
    serving: {},
    tracking: {},
    ...overrides,
  });
}

export const lineage: Lineage = {
  schema: LINEAGE_SCHEMA,
  datasets: [
    { name: 'train', path: 'data/train.parquet', md5: 'a'.repeat(32), digest: 'aaaaaaaa', rows: 1000 },
  ],
  code: {
    commit: 'c'.repeat(40),
    branch: 'main',
    dirty: false,
    remoteUrl: 'https://github.com/acme/flights',
  },
  configHash: 'f'.repeat(64),
  configFileHash: 'e'.repeat(64),
  params: { epochs: 3, learningRate: 0.002 },
  backend: 'tensorflow',
  seed: 42,
  actor: 'alice',
  ci: null,
  startedAt: '2026-11-24T10:00:00.000Z',
  endedAt: '2026-11-24T10:01:00.000Z',
  parent: null,
  slipwayVersion: '0.1.0',
  runId: 'run-1',
};

export const signature: Signature = {
  schema: 'slipway.signature/v1',
  name: 'flight-delay',
  task: 'binary',
  inputs: [
    { name: 'distance', kind: 'number' },
    { name: 'origin', kind: 'string' },
  ],
  label: 'delayed',
  classes: [0, 1],
  threshold: 0.5,
};

export const profile = {
  rows: 1000,
  columns: [
    {
      name: 'date',
      kind: 'timestamp',
      missing: 0,
      min: Date.UTC(2001, 0, 1),
      max: Date.UTC(2001, 2, 31, 23, 0),
    },
    { name: 'distance', kind: 'number', missing: 2, distinct: 400, min: 30, max: 2700, mean: 712.5 },
    { name: 'origin', kind: 'string', missing: 0, distinct: 55 },
  ],
};

export function evalReport(verdict: 'pass' | 'fail' = 'pass', packageHash = 'b'.repeat(64)): EvalReport {
  // A failing report's metrics fail the gate too (promotion recomputes gates from the metrics).
  const auc = verdict === 'pass' ? 0.71 : 0.55;
  return {
    schema: 'slipway.eval-report/v1',
    verdict,
    candidate: { name: 'flight-delay', version: null, packageHash },
    baseline: null,
    dataset: { path: 'data/eval.parquet', md5: 'd'.repeat(32), rows: 500 },
    gates: [
      {
        metric: 'roc_auc',
        rule: 'threshold',
        passed: verdict === 'pass',
        candidate: auc,
        baseline: null,
        reason: verdict === 'pass' ? 'roc_auc 0.71 ≥ 0.6' : 'roc_auc 0.55 < 0.6',
      },
    ],
    createdAt: '2026-11-24T10:02:00.000Z',
    task: 'binary',
    firstRun: true,
    metrics: [
      {
        name: 'roc_auc',
        candidate: auc,
        baseline: null,
        delta: null,
        ci: { low: 0.69, high: 0.73, confidence: 0.95 },
        deltaCi: null,
        pValue: null,
        greaterIsBetter: true,
      },
      {
        name: 'log_loss',
        candidate: 0.48,
        baseline: null,
        delta: null,
        ci: { low: 0.47, high: 0.49, confidence: 0.95 },
        deltaCi: null,
        pValue: null,
        greaterIsBetter: false,
      },
    ],
    confusion: null,
    slices: [{ slice: 'origin = ORD', column: 'origin', support: 120, metrics: { roc_auc: 0.62 } }],
    worstSlices: [{ slice: 'origin = ORD', column: 'origin', support: 120, metrics: { roc_auc: 0.62 } }],
    fairness: null,
    explanations: [
      { feature: 'distance', permutation: 0.02, meanAbsShap: 0.05 },
      { feature: 'origin', permutation: 0.04, meanAbsShap: 0.09 },
    ],
    curves: {},
    primaryMetric: 'roc_auc',
    notes: [],
    skippedSlices: [],
    operatingPoints: null,
    mcnemar: null,
    bootstrap: { resamples: 200, seed: 7, confidence: 0.95 },
  };
}

/** model.json of a small tfjs MLP, as the trainer writes its topology. */
export const mlpModelJson = {
  modelTopology: {
    class_name: 'Sequential',
    config: {
      layers: [
        { class_name: 'Dense', config: { units: 8, activation: 'relu', batch_input_shape: [null, 2] } },
        { class_name: 'Dense', config: { units: 1, activation: 'sigmoid' } },
      ],
    },
  },
  weightsManifest: [],
};

export const packageModel = describePackageModel({ modelJson: mlpModelJson }, lineage);
