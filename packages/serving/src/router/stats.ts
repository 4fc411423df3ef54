/**
 * Live per-variant observations the rollout analysis measures: attempts, failures, latencies and
 * prediction values since the last measurement. Bounded by reservoir sampling.
 */
export type Variant = 'stable' | 'canary' | 'shadow';

const RESERVOIR = 4096;

class Reservoir {
  values: number[] = [];
  seen = 0;
  add(v: number): void {
    this.seen++;
    if (this.values.length < RESERVOIR) this.values.push(v);
    else {
      const j = Math.floor(Math.random() * this.seen);
      if (j < RESERVOIR) this.values[j] = v;
    }
  }
}

class VariantWindow {
  attempts = 0;
  failures = 0;
  latencies = new Reservoir();
  predictions = new Reservoir();
}

export interface VariantSnapshot {
  attempts: number;
  failures: number;
  /** Milliseconds, sorted ascending. */
  latencies: number[];
  /** Prediction values, sorted ascending. */
  predictions: number[];
}

export class LiveStats {
  private windows = new Map<Variant, VariantWindow>();

  private get(v: Variant): VariantWindow {
    let w = this.windows.get(v);
    if (!w) {
      w = new VariantWindow();
      this.windows.set(v, w);
    }
    return w;
  }

  record(variant: Variant, ok: boolean, latencyMs: number, predictions?: Float64Array): void {
    const w = this.get(variant);
    w.attempts++;
    if (!ok) w.failures++;
    w.latencies.add(latencyMs);
    if (predictions) for (let i = 0; i < predictions.length; i++) w.predictions.add(predictions[i] as number);
  }

  /** Requests per variant in the current window (without ending it). */
  attempts(variant: Variant): number {
    return this.windows.get(variant)?.attempts ?? 0;
  }

  /** Everything since the previous take(); starts a new window. */
  take(): Record<Variant, VariantSnapshot> {
    const out = {} as Record<Variant, VariantSnapshot>;
    for (const v of ['stable', 'canary', 'shadow'] as const) {
      const w = this.windows.get(v) ?? new VariantWindow();
      out[v] = {
        attempts: w.attempts,
        failures: w.failures,
        latencies: w.latencies.values.slice().sort((a, b) => a - b),
        predictions: w.predictions.values.slice().sort((a, b) => a - b),
      };
    }
    this.windows.clear();
    return out;
  }
}

/** Linear-interpolated quantile of sorted values; NaN when empty. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

/** Two-sample Kolmogorov–Smirnov statistic (0 = same distribution, 1 = disjoint); NaN when a side is empty. */
export function ksDistance(a: number[], b: number[]): number {
  if (a.length === 0 || b.length === 0) return Number.NaN;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length && j < b.length) {
    const x = Math.min(a[i] as number, b[j] as number);
    while (i < a.length && (a[i] as number) <= x) i++;
    while (j < b.length && (b[j] as number) <= x) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  return d;
}

/** Minimum prediction values per side before a drift measurement counts. */
export const MIN_DRIFT_SAMPLES = 20;

/** One analysis metric's value over a window (NaN = no data → a measurement error, as an empty query in Argo). */
export function measureMetric(name: string, s: Record<Variant, VariantSnapshot>): number {
  const c = s.canary;
  switch (name) {
    case 'error_rate':
      return c.attempts === 0 ? Number.NaN : c.failures / c.attempts;
    case 'latency_p50':
      return quantile(c.latencies, 0.5);
    case 'latency_p95':
      return quantile(c.latencies, 0.95);
    case 'latency_p99':
      return quantile(c.latencies, 0.99);
    case 'latency_p99_ratio': {
      const base = quantile(s.stable.latencies, 0.99);
      return base > 0 ? quantile(c.latencies, 0.99) / base : Number.NaN;
    }
    case 'prediction_drift':
      return c.predictions.length < MIN_DRIFT_SAMPLES || s.stable.predictions.length < MIN_DRIFT_SAMPLES
        ? Number.NaN
        : ksDistance(c.predictions, s.stable.predictions);
    default:
      return Number.NaN;
  }
}
