import { readFile } from 'node:fs/promises';
import {
  displayPath,
  type Progress,
  resolveProjectPath,
  type SlipwayConfig,
  SlipwayError,
  silentProgress,
} from '@slipway/core';
import {
  type ColumnKind,
  describeDataset,
  driftReport,
  driftRoles,
  getColumn,
  type Profile,
  readTable,
  type Table,
} from '@slipway/data';
import type { LoadedModelPackage, Predictions } from '@slipway/training';
import { evaluatePredictions } from '../evaluate-predictions.js';
import type { RawLabel } from '../labels.js';
import { predictionDrift as computePredictionDrift } from './prediction-drift.js';
import { MONITOR_REPORT_SCHEMA, type MonitorReport, type SchemaChange } from './types.js';
import { windowDriftConfig } from './window-drift.js';

export interface MonitorOptions {
  model: LoadedModelPackage;
  /** A dataset window (CSV, Parquet, JSON lines), e.g. a day of logged requests. */
  window: string;
  /** Display name of the window (default: the file name). */
  name?: string;
  /** A dataset of labels that arrived later, joined to the window on the id column. */
  labels?: string;
  /** Registry version of the model, when known. */
  version?: string | null;
  config: SlipwayConfig;
  /** The project root: `data.eval` (the prediction-drift reference) is resolved against it (default: the cwd). */
  root?: string;
  progress?: Progress;
}

/** Rows of the evaluation split the window's predictions are compared with (all of it when smaller). */
export const PREDICTION_REFERENCE_ROWS = 200_000;

/**
 * Columns the project already knows besides the model's: the id and label, and the columns of the
 * reviewed schema (data.schema) or of the training file. They are not "new" in a window.
 */
async function projectColumns(config: SlipwayConfig, root: string): Promise<Set<string>> {
  const known = new Set<string>([config.data.label, ...(config.data.id ? [config.data.id] : [])]);
  try {
    if (config.data.schema) {
      const schema = JSON.parse(await readFile(resolveProjectPath(root, config.data.schema), 'utf8')) as {
        columns?: { name?: unknown }[];
      };
      for (const c of schema.columns ?? []) if (typeof c.name === 'string') known.add(c.name);
      return known;
    }
    for (const c of (await describeDataset(resolveProjectPath(root, config.data.train))).columns)
      known.add(c.name);
  } catch {
    // No schema and no training data here (a monitor job without `dvc pull`): only id and label are known.
  }
  return known;
}

function schemaChanges(
  model: LoadedModelPackage,
  profile: Profile | null,
  windowColumns: { name: string; kind: ColumnKind }[],
  known: ReadonlySet<string>,
): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const seen = new Map(windowColumns.map((c) => [c.name, c.kind]));
  const inputs = new Map(model.signature.inputs.map((c) => [c.name, c.kind]));
  // What training saw: the profile's columns when present, else the model's inputs.
  const trained = new Map<string, string>(
    profile ? profile.columns.map((c) => [c.name, c.kind]) : [...inputs],
  );
  for (const [name, kind] of inputs) if (!trained.has(name)) trained.set(name, kind);
  for (const [name, expected] of trained) {
    const now = seen.get(name);
    if (now === undefined)
      changes.push({ column: name, change: 'missing', expected, modelInput: inputs.has(name) });
    else if (now !== expected)
      changes.push({ column: name, change: 'retyped', expected, seen: now, modelInput: inputs.has(name) });
  }
  for (const [name, kind] of seen)
    if (!trained.has(name) && !known.has(name))
      changes.push({ column: name, change: 'new', seen: kind, modelInput: false });
  return changes;
}

async function joinLabels(
  window: Table,
  labelsPath: string,
  idColumn: string,
  label: string,
): Promise<{ labels: RawLabel[]; rows: number[] }> {
  const labels = await readTable(labelsPath, { columns: [idColumn, label] });
  const ids = getColumn(labels, idColumn, labelsPath);
  const values = getColumn(labels, label, labelsPath);
  const byId = new Map<string, RawLabel>();
  for (let i = 0; i < labels.rowCount; i++) {
    const v = values.kind === 'string' ? values.values[i] : values.valid[i] ? values.values[i] : null;
    if (v !== null && v !== undefined) byId.set(String(ids.values[i]), v as RawLabel);
  }
  const windowIds = getColumn(window, idColumn, 'window');
  const out: RawLabel[] = [];
  const rows: number[] = [];
  for (let i = 0; i < window.rowCount; i++) {
    const v = byId.get(String(windowIds.values[i]));
    if (v !== undefined) {
      out.push(v);
      rows.push(i);
    }
  }
  return { labels: out, rows };
}

function subsetPredictions(p: Predictions, rows: number[]): Predictions {
  const values = new Float64Array(rows.length);
  rows.forEach((r, i) => {
    values[i] = p.values[r]!;
  });
  let probabilities: Float64Array | undefined;
  if (p.probabilities) {
    const k = p.probabilities.length / p.n;
    probabilities = new Float64Array(rows.length * k);
    rows.forEach((r, i) => {
      probabilities!.set(p.probabilities!.subarray(r * k, (r + 1) * k), i * k);
    });
  }
  return { task: p.task, n: rows.length, values, ...(probabilities ? { probabilities } : {}) };
}

function predictionDriftReason(p: NonNullable<MonitorReport['predictionDrift']>): string {
  const head = `prediction drift: PSI ${p.statistic.toFixed(3)} ≥ ${p.threshold}`;
  if (p.over === 'class') {
    const moved = [...(p.classShares ?? [])].sort(
      (a, b) => Math.abs(b.window - b.reference) - Math.abs(a.window - a.reference),
    )[0];
    return moved
      ? `${head} (predicted-class shares; "${moved.label}" ${(moved.reference * 100).toFixed(1)}% → ${(moved.window * 100).toFixed(1)}%)`
      : head;
  }
  return `${head} (mean ${p.over === 'score' ? 'score' : 'prediction'} ${p.referenceMean?.toFixed(3)} → ${p.windowMean?.toFixed(3)})`;
}

/**
 * Watches a model in production: the window's inputs against the training profile inside the model
 * package (drift and schema changes), its outputs against the outputs on reference data, and its
 * performance once labels are known.
 */
export async function monitorWindow(options: MonitorOptions): Promise<MonitorReport> {
  const { model, config } = options;
  const progress = options.progress ?? silentProgress;
  const name = options.name ?? options.window.split('/').pop() ?? options.window;
  const profile = (model.profile ?? null) as Profile | null;
  if (!profile || typeof profile !== 'object' || !('columns' in profile)) {
    throw new SlipwayError(
      'MONITOR_NO_PROFILE',
      `${model.dir}: the model package has no training profile (profile.json)`,
      {
        hint: 'retrain with this Slipway version: every package carries the profile that monitoring compares against',
      },
    );
  }
  const task = progress.task(`monitor ${name}`, { total: 3, unit: 'steps' });
  const info = await describeDataset(options.window);
  const changes = schemaChanges(
    model,
    profile,
    info.columns,
    await projectColumns(config, options.root ?? process.cwd()),
  );
  const inputs = model.signature.inputs
    .map((c) => c.name)
    .filter((c) => info.columns.some((w) => w.name === c));
  const window = await readTable(options.window);
  task.tick();
  const sized = windowDriftConfig(config.drift, window.rowCount);
  const drift = await driftReport({
    reference: profile,
    current: window,
    config: sized.config,
    columns: inputs,
    notTested: driftRoles(
      config,
      info.columns.map((c) => c.name),
    ).notTested.filter((n) => !inputs.includes(n.column)),
  });
  task.tick();

  const reasons: string[] = [];
  if (drift.drifted)
    reasons.push(
      `dataset drift: ${drift.driftedCount} of ${drift.testedCount} columns drifted (share ${drift.share.toFixed(2)} ≥ ${drift.shareThreshold})`,
    );
  const breaking = changes.filter((c) => c.modelInput);
  // A column the model never saw appearing is news, not an alarm; a trained column going away or changing type is.
  const lost = changes.filter((c) => !c.modelInput && c.change !== 'new');
  if (breaking.length)
    reasons.push(`input schema changed: ${breaking.map((c) => `${c.column} ${c.change}`).join(', ')}`);
  if (lost.length)
    reasons.push(`dataset schema changed: ${lost.map((c) => `${c.column} ${c.change}`).join(', ')}`);

  let predictionDrift: MonitorReport['predictionDrift'] = null;
  let performance: MonitorReport['performance'] = null;
  if (breaking.length === 0 && window.rowCount > 0) {
    const predictions = await model.predictTable(window);
    // The reference outputs: the model on its own evaluation split, the closest thing to "what it was validated on".
    // A large fixed sample, the same for every window: a reference cut to the window's size measures the
    // sampling noise of two small samples, not drift (a 120-row window alerted at PSI 0.235 vs 0.015).
    const reference = await readTable(resolveProjectPath(options.root ?? process.cwd(), config.data.eval), {
      sampleRows: PREDICTION_REFERENCE_ROWS,
      seed: 17,
    });
    const refPredictions = await model.predictTable(reference);
    predictionDrift = computePredictionDrift(
      model.signature.task,
      predictions,
      refPredictions,
      model.signature.classes,
    );
    if (predictionDrift.drifted) reasons.push(predictionDriftReason(predictionDrift));
    const label = model.signature.label;
    let labels: RawLabel[] | null = null;
    let rows: number[] | null = null;
    if (options.labels) {
      const id = config.data.id;
      if (!id)
        throw new SlipwayError('MONITOR_NO_ID', 'joining labels needs `data.id` in slipway.config.ts', {
          hint: 'name the column that identifies a row in both the window and the labels',
        });
      ({ labels, rows } = await joinLabels(window, options.labels, id, label));
    } else if (window.columns.some((c) => c.name === label)) {
      const col = getColumn(window, label, options.window);
      labels = [];
      rows = [];
      for (let i = 0; i < window.rowCount; i++) {
        const v = col.kind === 'string' ? col.values[i] : col.valid[i] ? col.values[i] : null;
        if (v !== null && v !== undefined) {
          labels.push(v as RawLabel);
          rows.push(i);
        }
      }
    }
    if (labels && rows && labels.length > 0) {
      const core = evaluatePredictions({
        task: model.signature.task,
        labels,
        predictions: subsetPredictions(predictions, rows),
        config: {
          ...config.eval,
          bootstrap: { ...config.eval.bootstrap, resamples: Math.min(config.eval.bootstrap.resamples, 200) },
          slices: { columns: [], numeric: {}, minSupport: 1, gates: [] },
        },
        classes: model.signature.classes,
        ...(model.signature.threshold !== null ? { threshold: model.signature.threshold } : {}),
      });
      const failedGates = core.gates
        .filter((g) => !g.passed)
        .map((g) => `${g.metric} ${g.rule}: ${g.reason}`);
      performance = {
        labelsJoined: labels.length,
        unlabelledRows: window.rowCount - labels.length,
        metrics: core.metrics,
        failedGates,
      };
      if (failedGates.length) reasons.push(`performance below the gates: ${failedGates.join('; ')}`);
    }
  }
  task.tick();
  task.done(reasons.length ? `${reasons.length} alert reason(s)` : 'no alert');
  return {
    schema: MONITOR_REPORT_SCHEMA,
    model: { name: model.signature.name, version: options.version ?? null, packageHash: model.hash },
    window: { name, source: displayPath(options.window, options.root), rows: window.rowCount },
    alert: reasons.length > 0,
    reasons,
    warnings: sized.warning ? [sized.warning] : [],
    schemaChanges: changes,
    drift,
    predictionDrift,
    performance,
    createdAt: new Date().toISOString(),
  };
}
