/**
 * One served model: a stable version, an optional canary with a traffic weight, an optional shadow.
 * The canary's failures and timeouts are answered by stable and counted; shadow answers are discarded.
 */
import { SlipwayError } from '@slipway/core';
import type { Predictions, Row, Signature } from '@slipway/training';
import type { MicroBatchOptions } from '../batcher.js';
import type { ServingMetrics } from '../metrics.js';
import type { PredictExecutor } from '../pool/executor.js';
import { observedValue } from '../prediction-scale.js';
import { type LoadedSource, ModelSlot } from '../slot.js';
import { bucketOf, routesToCanary } from './hash.js';
import { LiveStats } from './stats.js';

export type AnsweringVariant = 'stable' | 'canary';

export interface PredictOutcome {
  predictions: Predictions;
  variant: AnsweringVariant;
  version: string;
  /** Set when the canary was chosen but failed, and stable answered. */
  fallback?: 'error' | 'timeout';
}

export interface DeploymentOptions {
  name: string;
  batching: MicroBatchOptions | false;
  canaryTimeoutMs: number;
  /** false: every request goes to stable with no routing decision or live stats (benchmark baseline). */
  routing?: boolean;
  metrics?: ServingMetrics;
  /** Where model calls run (default: on the event loop). */
  executor?: PredictExecutor;
  /** Requests with more rows are answered but not counted in the rollout analysis (default: all count). */
  analysisMaxRows?: number;
}

export interface PredictRequestOptions {
  /** Sticky routing key (only from callers allowed to steer). */
  key?: string;
  /** A pinned version (only from callers allowed to steer); pinned requests never count in the analysis. */
  version?: string;
}

class CanaryTimeout extends Error {}

export class Deployment {
  readonly name: string;
  readonly stats = new LiveStats();
  private stableSlot: ModelSlot;
  private canarySlot: ModelSlot | null = null;
  private shadowSlot: ModelSlot | null = null;
  private shadowPercent = 0;
  private weightPercent = 0;
  private readonly routing: boolean;

  constructor(
    stable: LoadedSource,
    private readonly options: DeploymentOptions,
  ) {
    this.name = options.name;
    this.routing = options.routing !== false;
    this.stableSlot = this.makeSlot(stable, 'stable');
    this.updateInfo();
  }

  private makeSlot(loaded: LoadedSource, variant: 'stable' | 'canary' | 'shadow'): ModelSlot {
    const m = this.options.metrics;
    const hist = m?.batchSize.labels(this.name, variant);
    return new ModelSlot(
      loaded,
      this.options.batching,
      hist ? (rows) => hist.observe(rows) : undefined,
      this.options.executor,
    );
  }

  get signature(): Signature {
    return this.stableSlot.pkg.signature;
  }
  get stable(): ModelSlot {
    return this.stableSlot;
  }
  get canary(): ModelSlot | null {
    return this.canarySlot;
  }
  get shadow(): { slot: ModelSlot; percent: number } | null {
    return this.shadowSlot ? { slot: this.shadowSlot, percent: this.shadowPercent } : null;
  }
  get weight(): number {
    return this.canarySlot ? this.weightPercent : 0;
  }

  /** Hot reload: new requests go to `loaded`; the old version finishes its in-flight requests first. */
  replaceStable(loaded: LoadedSource): Promise<void> {
    const old = this.stableSlot;
    this.stableSlot = this.makeSlot(loaded, 'stable');
    this.updateInfo();
    return old.retire();
  }

  setCanary(loaded: LoadedSource | null, weight = 0): Promise<void> {
    const old = this.canarySlot;
    this.canarySlot = loaded ? this.makeSlot(loaded, 'canary') : null;
    this.setWeight(loaded ? weight : 0);
    this.updateInfo();
    return old ? old.retire() : Promise.resolve();
  }

  setWeight(weight: number): void {
    this.weightPercent = Math.max(0, Math.min(100, weight));
    this.options.metrics?.canaryWeight.labels(this.name).set(this.canarySlot ? this.weightPercent : 0);
  }

  setShadow(loaded: LoadedSource | null, percent = 0): Promise<void> {
    const old = this.shadowSlot;
    this.shadowSlot = loaded ? this.makeSlot(loaded, 'shadow') : null;
    this.shadowPercent = loaded ? percent : 0;
    this.updateInfo();
    return old ? old.retire() : Promise.resolve();
  }

  /** The canary becomes stable (weight back to 0); the old stable drains and is disposed. */
  promoteCanary(): Promise<void> {
    if (!this.canarySlot) return Promise.resolve();
    const old = this.stableSlot;
    this.stableSlot = this.canarySlot;
    this.canarySlot = null;
    this.setWeight(0);
    this.updateInfo();
    return old.retire();
  }

  private updateInfo(): void {
    const info = this.options.metrics?.modelInfo;
    if (!info) return;
    info.reset();
    info.labels(this.name, 'stable', this.stableSlot.version).set(1);
    if (this.canarySlot) info.labels(this.name, 'canary', this.canarySlot.version).set(1);
    if (this.shadowSlot) info.labels(this.name, 'shadow', this.shadowSlot.version).set(1);
  }

  /** Which variant a request gets: by its sticky key when given, else at random. */
  choose(key: string | undefined): AnsweringVariant {
    if (!this.canarySlot || this.weightPercent <= 0) return 'stable';
    if (this.weightPercent >= 100) return 'canary';
    const bucket = key ? bucketOf(key) : Math.floor(Math.random() * 10_000);
    return routesToCanary(bucket, this.weightPercent) ? 'canary' : 'stable';
  }

  async predict(rows: Row[], options: PredictRequestOptions = {}): Promise<PredictOutcome> {
    if (!this.routing) {
      const slot = this.stableSlot;
      return { predictions: await slot.predict(rows), variant: 'stable', version: slot.version };
    }
    let target: AnsweringVariant;
    if (options.version !== undefined) {
      target = this.pinned(options.version);
    } else {
      target = this.choose(options.key);
    }
    // Pinned and over-sized requests are answered but do not feed the analysis: a client must not be
    // able to pick which variant its traffic judges, nor let one huge request decide a rollout.
    const counted =
      options.version === undefined &&
      rows.length <= (this.options.analysisMaxRows ?? Number.POSITIVE_INFINITY);
    let fallback: 'error' | 'timeout' | undefined;
    if (target === 'canary' && this.canarySlot) {
      const slot = this.canarySlot;
      const outcome = await this.callCanary(slot, rows, counted);
      if (outcome.ok) {
        return { predictions: outcome.predictions, variant: 'canary', version: slot.version };
      }
      if (options.version !== undefined) {
        throw new SlipwayError(
          'MODEL_FAILED',
          `model "${this.name}" version ${slot.version} failed: ${outcome.message}`,
          // The server's model failed, not the request: a 5xx the client may retry unpinned.
          {
            hint: 'retry without pinning the version',
            details: { status: outcome.reason === 'timeout' ? 504 : 502 },
          },
        );
      }
      fallback = outcome.reason;
    }
    const slot = this.stableSlot;
    const t0 = performance.now();
    let predictions: Predictions;
    try {
      predictions = await slot.predict(rows);
    } catch (err) {
      this.observe('stable', false, performance.now() - t0, rows.length, counted);
      this.options.metrics?.variantFailures.labels(this.name, 'stable', 'error').inc();
      throw err;
    }
    this.observe('stable', true, performance.now() - t0, rows.length, counted, predictions);
    this.maybeShadow(rows, predictions);
    return { predictions, variant: 'stable', version: slot.version, ...(fallback ? { fallback } : {}) };
  }

  private pinned(version: string): AnsweringVariant {
    if (this.stableSlot.version === version) return 'stable';
    if (this.canarySlot?.version === version) return 'canary';
    const loaded = [this.stableSlot.version, this.canarySlot?.version].filter(Boolean).join(', ');
    throw new SlipwayError('VERSION_NOT_FOUND', `model "${this.name}" has no loaded version "${version}"`, {
      hint: `loaded versions: ${loaded}`,
      details: { status: 404 },
    });
  }

  private async callCanary(
    slot: ModelSlot,
    rows: Row[],
    counted: boolean,
  ): Promise<
    { ok: true; predictions: Predictions } | { ok: false; reason: 'error' | 'timeout'; message: string }
  > {
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CanaryTimeout()), this.options.canaryTimeoutMs);
    });
    const call = slot.predict(rows);
    try {
      const predictions = await Promise.race([call, timeout]);
      this.observe('canary', true, performance.now() - t0, rows.length, counted, predictions);
      return { ok: true, predictions };
    } catch (err) {
      const reason = err instanceof CanaryTimeout ? 'timeout' : 'error';
      if (reason === 'timeout') call.catch(() => {});
      this.observe('canary', false, performance.now() - t0, rows.length, counted);
      this.options.metrics?.variantFailures.labels(this.name, 'canary', reason).inc();
      return {
        ok: false,
        reason,
        message:
          reason === 'timeout'
            ? `no answer in ${this.options.canaryTimeoutMs} ms`
            : String((err as Error)?.message ?? err),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  private observe(
    variant: 'stable' | 'canary' | 'shadow',
    ok: boolean,
    ms: number,
    rows: number,
    counted: boolean,
    p?: Predictions,
  ): void {
    // The analysis judges latency per row, so a batch is not "slow" for carrying many rows.
    if (counted) this.stats.record(variant, ok, ms / Math.max(1, rows), p?.values);
    const m = this.options.metrics;
    if (!m) return;
    m.inferenceDuration.labels(this.name, variant).observe(ms / 1000);
    if (p) {
      m.predictions.labels(this.name, variant).inc(p.n);
      const slot =
        variant === 'stable' ? this.stableSlot : variant === 'canary' ? this.canarySlot : this.shadowSlot;
      const value = observedValue(slot?.pkg ?? this.stableSlot.pkg);
      const h = m.predictionValue.labels(this.name, variant);
      for (let i = 0; i < p.values.length; i++) h.observe(value(p.values[i] as number));
      if (p.task === 'multiclass') {
        const classes = (slot ?? this.stableSlot).pkg.signature.classes ?? [];
        const counts = new Map<number, number>();
        for (let i = 0; i < p.values.length; i++)
          counts.set(p.values[i] as number, (counts.get(p.values[i] as number) ?? 0) + 1);
        for (const [c, n] of counts)
          m.predictedClass.labels(this.name, variant, String(classes[c] ?? c)).inc(n);
      }
    }
  }

  private maybeShadow(rows: Row[], stable: Predictions): void {
    const slot = this.shadowSlot;
    if (!slot || Math.random() * 100 >= this.shadowPercent) return;
    const t0 = performance.now();
    const m = this.options.metrics;
    slot.predict(rows).then(
      (p) => {
        this.observe('shadow', true, performance.now() - t0, rows.length, true, p);
        m?.shadowRequests.labels(this.name, 'ok').inc();
        const h = m?.shadowDifference.labels(this.name);
        for (let i = 0; i < p.n; i++)
          h?.observe(Math.abs((p.values[i] as number) - (stable.values[i] as number)));
      },
      () => {
        this.observe('shadow', false, performance.now() - t0, rows.length, true);
        m?.shadowRequests.labels(this.name, 'error').inc();
      },
    );
  }

  /** Disposes every loaded version once its in-flight requests finish. */
  async close(): Promise<void> {
    await Promise.all([this.stableSlot.retire(), this.canarySlot?.retire(), this.shadowSlot?.retire()]);
  }
}
