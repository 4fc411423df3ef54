import { METRICS_BY_TASK, type Task, UNIT_INTERVAL_METRICS } from '../metrics.js';
import { didYouMean } from '../suggest.js';
import type { ConfigProblem } from './format-issues.js';

type Raw = Record<string, unknown>;
const obj = (v: unknown): Raw | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : undefined;

/**
 * Checks that span fields (a gate must name a metric of the model's task, …). They run on the raw
 * input even when the shape check failed, so that every problem is reported in one go.
 */
export function semanticProblems(raw: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const config = obj(raw);
  if (!config) return problems;
  const task = obj(config.model)?.task;
  const known =
    typeof task === 'string' && task in METRICS_BY_TASK ? METRICS_BY_TASK[task as Task] : undefined;
  const evalSection = obj(config.eval);

  const classes = obj(config.model)?.classes;
  const checkMetric = (metric: string, path: string): boolean => {
    if (!known || known.includes(metric)) return true;
    // multiclass: one class's precision/recall/F1 by class name (`recall:Gentoo`); the class is checked
    // here when model.classes lists them, else against the data at evaluation.
    const per = /^(precision|recall|f1):(.+)$/.exec(metric);
    if (per && task === 'multiclass') {
      const names = Array.isArray(classes) ? classes.map(String) : null;
      if (!names || names.includes(per[2] as string)) return true;
      problems.push({
        path,
        message: `"${per[2]}" is not one of model.classes${didYouMean(per[2] as string, names)}`,
        fix: `use one of: ${names.map((c) => `${per[1]}:${c}`).join(', ')}`,
      });
      return false;
    }
    // A metric of another task (rmse on a classifier) is named as such: the config mixes up tasks.
    const owners = (Object.keys(METRICS_BY_TASK) as Task[]).filter((t) =>
      METRICS_BY_TASK[t].includes(metric),
    );
    problems.push({
      path,
      message:
        owners.length > 0
          ? `"${metric}" is a ${owners.join('/')} metric; model.task is "${String(task)}", which has no ${metric}${didYouMean(metric, known)}`
          : `unknown metric "${metric}" for a ${String(task)} model${didYouMean(metric, known)}`,
      fix:
        owners.length > 0
          ? `use one of the ${String(task)} metrics: ${known.join(', ')}, or set model.task to "${owners[0]}"`
          : `use one of: ${known.join(', ')}`,
    });
    return false;
  };

  for (const [metric, gate] of Object.entries(obj(evalSection?.gates) ?? {})) {
    if (!checkMetric(metric, `eval.gates.${metric}`)) continue;
    const threshold = obj(gate)?.threshold;
    const bounded = UNIT_INTERVAL_METRICS.has(metric) || /^(precision|recall|f1):/.test(metric);
    if (threshold !== undefined && bounded) {
      const bad = typeof threshold !== 'number' || Number.isNaN(threshold) || threshold < 0 || threshold > 1;
      if (bad) {
        const seen =
          typeof threshold === 'string' ? `${JSON.stringify(threshold)} (a string)` : String(threshold);
        problems.push({
          path: `eval.gates.${metric}.threshold`,
          message: `expected a number between 0 and 1, got ${seen}`,
          fix:
            typeof threshold === 'string' && !Number.isNaN(Number(threshold))
              ? `write ${threshold} without quotes`
              : `${metric} lies in [0, 1]; write the threshold as a fraction (e.g. 0.8, not 80)`,
        });
      }
    }
  }
  const metrics = evalSection?.metrics;
  if (Array.isArray(metrics)) {
    metrics.forEach((m, i) => {
      if (typeof m === 'string') checkMetric(m, `eval.metrics[${i}]`);
    });
  }
  const sliceGates = obj(evalSection?.slices)?.gates;
  if (Array.isArray(sliceGates)) {
    sliceGates.forEach((g, i) => {
      const m = obj(g)?.metric;
      if (typeof m === 'string') checkMetric(m, `eval.slices.gates[${i}].metric`);
    });
  }

  const label = obj(config.data)?.label;
  const features = config.features;
  if (Array.isArray(features)) {
    const names = new Set<string>();
    features.forEach((f, i) => {
      const spec = obj(f);
      if (!spec || typeof spec.column !== 'string') return;
      const out = typeof spec.as === 'string' ? spec.as : spec.column;
      if (names.has(out)) {
        problems.push({
          path: `features[${i}]`,
          message: `feature name "${out}" is used twice`,
          fix: 'give one of them a different `as` name',
        });
      }
      names.add(out);
      if (spec.column === label) {
        problems.push({
          path: `features[${i}].column`,
          message: `the label column "${label}" cannot be a feature`,
          fix: 'remove it from features; it would leak the answer into the model',
        });
      }
    });
  }
  return problems;
}
