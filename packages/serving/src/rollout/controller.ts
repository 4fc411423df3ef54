/**
 * The embedded rollout controller: runs Argo-style steps (setWeight, pause, analysis) against a
 * Deployment's router and live stats, aborts to stable when analysis fails, makes the canary stable
 * when the steps finish or on a full promote, and persists its state (atomic JSON) so a restarted
 * server resumes where it was. Every transition is reported through `onEvent` (the audit log).
 */
import { readFile } from 'node:fs/promises';
import { type RolloutStep, writeJsonAtomic } from '@slipway/core';
import { parseDuration } from '../duration.js';
import { HttpError } from '../http/errors.js';
import type { ServingMetrics } from '../metrics.js';
import type { Deployment } from '../router/deployment.js';
import { measureMetric } from '../router/stats.js';
import type { LoadedSource } from '../slot.js';
import {
  type AnalysisPhase,
  evaluateMeasurement,
  type MetricResult,
  newMetricResult,
  recordMeasurement,
  runPhase,
} from './analysis.js';
import { type CompiledCondition, compileCondition } from './condition.js';

export const ROLLOUT_STATE_SCHEMA = 'slipway.rollout/v1';

export type RolloutPhase = 'Healthy' | 'Progressing' | 'Paused' | 'Degraded';

export interface SourceRef {
  source: string;
  version: string;
  hash: string;
}

export interface RolloutState {
  schema: typeof ROLLOUT_STATE_SCHEMA;
  model: string;
  phase: RolloutPhase;
  stable: SourceRef | null;
  /**
   * The stable the server was started with (its command line). A restart with the same request resumes
   * this state; a restart that asks for another model is an operator's choice and starts fresh.
   * Absent in states written before it existed.
   */
  requested?: SourceRef;
  canary: SourceRef | null;
  steps: RolloutStep[];
  /** Index of the step running now; null when no rollout runs. */
  currentStepIndex: number | null;
  weight: number;
  pause: {
    reason: 'CanaryPauseStep' | 'InconclusiveAnalysisRun';
    startedAt: string;
    until: string | null;
  } | null;
  analysis: { step: number; startedAt: string; phase: AnalysisPhase; metrics: MetricResult[] } | null;
  message: string;
  startedAt: string | null;
  updatedAt: string;
}

export interface RolloutEvent {
  type:
    | 'rollout.started'
    | 'rollout.step'
    | 'rollout.paused'
    | 'rollout.resumed'
    | 'rollout.analysis'
    | 'rollout.aborted'
    | 'rollout.promoted'
    | 'rollout.restored'
    | 'rollout.start_failed'
    | 'model.reloaded'
    | 'model.reload_failed';
  model: string;
  at: string;
  actor?: string;
  details: Record<string, unknown>;
}

export interface RolloutControllerOptions {
  deployment: Deployment;
  stateFile: string;
  load(source: string): Promise<LoadedSource>;
  /** Steps used when `start` gets none (serving.rollout.steps). */
  steps: RolloutStep[];
  onEvent?: (event: RolloutEvent) => void | Promise<void>;
  metrics?: ServingMetrics;
  /** Where problems that must not stop serving are reported (audit sink down, restore failed). */
  warn?: (message: string) => void;
  /** Requests each compared variant needs in a window before a measurement can pass or fail (default 1). */
  minRequests?: number;
}

/** Metrics that compare the canary with stable need stable traffic too. */
const NEEDS_STABLE = new Set(['latency_p99_ratio', 'prediction_drift']);

export function refOf(loaded: LoadedSource): SourceRef {
  return { source: loaded.source, version: loaded.version, hash: loaded.pkg.hash };
}

const conflict = (message: string, hint: string): HttpError =>
  new HttpError(409, 'ROLLOUT_CONFLICT', message, hint);

/** Compiles every condition up front so a bad expression is refused before traffic moves. */
export function checkSteps(steps: RolloutStep[]): void {
  steps.forEach((step, i) => {
    if ('analysis' in step) {
      parseDuration(step.analysis.interval, `steps[${i}].analysis.interval`);
      step.analysis.metrics.forEach((m, j) => {
        if (m.successCondition)
          compileCondition(m.successCondition, `steps[${i}].analysis.metrics[${j}].successCondition`);
        if (m.failureCondition)
          compileCondition(m.failureCondition, `steps[${i}].analysis.metrics[${j}].failureCondition`);
      });
    }
    if ('pause' in step && step.pause.duration !== undefined)
      parseDuration(step.pause.duration, `steps[${i}].pause.duration`);
  });
}

export class RolloutController {
  private state: RolloutState;
  private generation = 0;
  private timer: NodeJS.Timeout | null = null;
  private wake: ((run: boolean) => void) | null = null;
  private saving: Promise<void> = Promise.resolve();
  private readonly emitting = new Set<Promise<void>>();
  private closed = false;
  private readonly d: Deployment;

  private constructor(
    private readonly options: RolloutControllerOptions,
    state: RolloutState,
  ) {
    this.d = options.deployment;
    this.state = state;
  }

  /** Reads the saved state (if any) and resumes it: promoted stable, running canary, current step. */
  static async open(options: RolloutControllerOptions): Promise<RolloutController> {
    const d = options.deployment;
    const now = new Date().toISOString();
    let saved: RolloutState | null = null;
    try {
      saved = JSON.parse(await readFile(options.stateFile, 'utf8')) as RolloutState;
      if (saved.schema !== ROLLOUT_STATE_SCHEMA) saved = null;
      else if (saved.requested && saved.requested.hash !== d.stable.pkg.hash) {
        options.warn?.(
          `${options.stateFile}: saved for ${saved.requested.source} (version ${saved.requested.version}); serving ${d.stable.loaded.source} as asked, with a fresh rollout state`,
        );
        saved = null;
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        options.warn?.(
          `${options.stateFile}: unreadable rollout state, starting fresh (${(err as Error).message})`,
        );
      }
    }
    const fresh: RolloutState = {
      schema: ROLLOUT_STATE_SCHEMA,
      model: d.name,
      phase: 'Healthy',
      stable: refOf(d.stable.loaded),
      requested: refOf(d.stable.loaded),
      canary: null,
      steps: [],
      currentStepIndex: null,
      weight: 0,
      pause: null,
      analysis: null,
      message: 'serving stable',
      startedAt: null,
      updatedAt: now,
    };
    const c = new RolloutController(options, saved ? { ...saved, requested: fresh.requested } : fresh);
    if (saved) await c.restore(saved);
    await c.persist();
    return c;
  }

  private async restore(saved: RolloutState): Promise<void> {
    const o = this.options;
    if (saved.stable && saved.stable.hash !== this.d.stable.pkg.hash) {
      // A rollout promoted another version before the restart: serve that one.
      try {
        await this.d.replaceStable(await o.load(saved.stable.source));
      } catch (err) {
        o.warn?.(
          `cannot load the promoted stable ${saved.stable.source} (${(err as Error).message}); serving ${this.d.stable.loaded.source}`,
        );
        this.state.stable = refOf(this.d.stable.loaded);
      }
    }
    if (
      (saved.phase === 'Progressing' || saved.phase === 'Paused') &&
      saved.canary &&
      saved.currentStepIndex !== null
    ) {
      try {
        await this.d.setCanary(await o.load(saved.canary.source), saved.weight);
      } catch (err) {
        await this.abortInternal(
          `canary ${saved.canary.source} could not be loaded after a restart: ${(err as Error).message}`,
          true,
        );
        return;
      }
      o.metrics?.rolloutStep.labels(this.d.name).set(saved.currentStepIndex);
      await this.emit('rollout.restored', {
        step: saved.currentStepIndex,
        phase: saved.phase,
        weight: saved.weight,
      });
      if (saved.phase === 'Paused' && saved.pause && saved.pause.until === null) return;
      const gen = ++this.generation;
      void this.runFrom(saved.currentStepIndex, gen, true);
    } else {
      o.metrics?.rolloutStep.labels(this.d.name).set(-1);
    }
  }

  status(): RolloutState {
    return structuredClone(this.state);
  }

  async start(
    source: string,
    options: { steps?: RolloutStep[]; actor?: string } = {},
  ): Promise<RolloutState> {
    if (this.state.phase === 'Progressing' || this.state.phase === 'Paused') {
      throw conflict(
        `a rollout of ${this.state.canary?.source} is in progress`,
        'promote or abort it first (slipway canary promote|abort)',
      );
    }
    const steps = options.steps ?? this.options.steps;
    checkSteps(steps);
    let loaded: LoadedSource;
    try {
      loaded = await this.options.load(source);
    } catch (err) {
      this.options.metrics?.reloads.labels(this.d.name, 'canary', 'failed').inc();
      await this.emit('rollout.start_failed', { source, error: (err as Error).message }, options.actor);
      throw err;
    }
    this.options.metrics?.reloads.labels(this.d.name, 'canary', 'ok').inc();
    this.cancel();
    await this.d.setCanary(loaded, 0);
    const now = new Date().toISOString();
    this.state = {
      ...this.state,
      phase: 'Progressing',
      canary: refOf(loaded),
      steps,
      currentStepIndex: 0,
      weight: 0,
      pause: null,
      analysis: null,
      message: `rolling out ${loaded.source} (version ${loaded.version})`,
      startedAt: now,
      updatedAt: now,
    };
    await this.emit(
      'rollout.started',
      { canary: this.state.canary, stable: this.state.stable, steps },
      options.actor,
    );
    const gen = ++this.generation;
    void this.runFrom(0, gen, false);
    return this.status();
  }

  /** Resumes a paused rollout; `full` skips the remaining steps and makes the canary stable now. */
  async promote(options: { full?: boolean; actor?: string } = {}): Promise<RolloutState> {
    if (!this.state.canary || (this.state.phase !== 'Progressing' && this.state.phase !== 'Paused')) {
      throw conflict('no rollout is in progress', 'start one with slipway canary start <package>');
    }
    if (options.full) {
      this.cancel();
      await this.complete('promoted in full', options.actor);
      return this.status();
    }
    if (this.state.phase !== 'Paused' || this.state.currentStepIndex === null) {
      throw conflict(
        'the rollout is not paused',
        'use --full to skip the remaining steps and make the canary stable now',
      );
    }
    const next = this.state.currentStepIndex + 1;
    this.cancel();
    this.state.phase = 'Progressing';
    this.state.pause = null;
    await this.emit('rollout.resumed', { fromStep: this.state.currentStepIndex }, options.actor);
    const gen = ++this.generation;
    void this.runFrom(next, gen, false);
    return this.status();
  }

  async abort(options: { reason?: string; actor?: string } = {}): Promise<RolloutState> {
    if (!this.state.canary || (this.state.phase !== 'Progressing' && this.state.phase !== 'Paused')) {
      throw conflict('no rollout is in progress', 'nothing to abort; traffic already goes to stable');
    }
    this.cancel();
    await this.abortInternal(options.reason ?? 'aborted by an operator', false, options.actor);
    return this.status();
  }

  /** Stops timers (the state stays on disk; a new server resumes it). */
  async close(): Promise<void> {
    this.closed = true;
    this.cancel();
    // Events already under way (an abort's audit entry) are written before the process goes.
    await Promise.all([...this.emitting]);
    await this.saving;
  }

  /** Hot reload of the stable version (no rollout): the old version finishes its in-flight requests. */
  async reloadStable(source: string, actor?: string): Promise<RolloutState> {
    if (this.state.phase === 'Progressing' || this.state.phase === 'Paused') {
      throw conflict('a rollout is in progress', 'promote or abort it before replacing stable');
    }
    let loaded: LoadedSource;
    try {
      loaded = await this.options.load(source);
    } catch (err) {
      this.options.metrics?.reloads.labels(this.d.name, 'stable', 'failed').inc();
      await this.emit(
        'model.reload_failed',
        { source, error: (err as Error).message, serving: this.state.stable },
        actor,
      );
      throw err;
    }
    const previous = this.state.stable;
    const draining = this.d.replaceStable(loaded);
    this.options.metrics?.reloads.labels(this.d.name, 'stable', 'ok').inc();
    this.state.stable = refOf(loaded);
    this.state.message = `serving ${loaded.source} (version ${loaded.version})`;
    await this.emit('model.reloaded', { previous, stable: this.state.stable }, actor);
    void draining;
    return this.status();
  }

  // --- internals -------------------------------------------------------------------------------

  private cancel(): void {
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const w = this.wake;
    this.wake = null;
    w?.(false);
  }

  /** Waits `ms`; false when the rollout was cancelled meanwhile. */
  private wait(ms: number, gen: number): Promise<boolean> {
    if (gen !== this.generation || this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(
        () => {
          this.timer = null;
          this.wake = null;
          resolve(gen === this.generation && !this.closed);
        },
        Math.max(0, ms),
      );
    });
  }

  private async runFrom(index: number, gen: number, resuming: boolean): Promise<void> {
    try {
      const steps = this.state.steps;
      for (let i = index; i < steps.length; i++) {
        if (gen !== this.generation || this.closed) return;
        const step = steps[i] as RolloutStep;
        const resumeThis = resuming && i === index;
        this.state.currentStepIndex = i;
        this.options.metrics?.rolloutStep.labels(this.d.name).set(i);
        if ('setWeight' in step) {
          this.d.setWeight(step.setWeight);
          this.state.weight = step.setWeight;
          this.state.message = `step ${i}: canary weight ${step.setWeight}%`;
          await this.emit('rollout.step', { step: i, setWeight: step.setWeight });
          continue;
        }
        if ('pause' in step) {
          const now = Date.now();
          const until =
            resumeThis && this.state.pause?.until
              ? Date.parse(this.state.pause.until)
              : step.pause.duration === undefined
                ? null
                : now + parseDuration(step.pause.duration, `steps[${i}].pause.duration`);
          this.state.phase = 'Paused';
          this.state.pause = {
            reason: 'CanaryPauseStep',
            startedAt:
              resumeThis && this.state.pause ? this.state.pause.startedAt : new Date(now).toISOString(),
            until: until === null ? null : new Date(until).toISOString(),
          };
          this.state.message =
            until === null
              ? `step ${i}: paused until promoted`
              : `step ${i}: paused until ${this.state.pause.until}`;
          await this.emit('rollout.paused', {
            step: i,
            reason: 'CanaryPauseStep',
            until: this.state.pause.until,
          });
          if (until === null) return;
          if (!(await this.wait(until - Date.now(), gen))) return;
          this.state.phase = 'Progressing';
          this.state.pause = null;
          continue;
        }
        const phase = await this.runAnalysis(step.analysis, i, gen, resumeThis);
        if (phase === null) return;
        if (phase === 'Successful') continue;
        if (phase === 'Inconclusive') {
          this.state.phase = 'Paused';
          this.state.pause = {
            reason: 'InconclusiveAnalysisRun',
            startedAt: new Date().toISOString(),
            until: null,
          };
          this.state.message = `step ${i}: analysis inconclusive; paused until promoted or aborted`;
          await this.emit('rollout.paused', { step: i, reason: 'InconclusiveAnalysisRun' });
          return;
        }
        await this.abortInternal(`step ${i}: analysis ${phase}`, true);
        return;
      }
      if (gen === this.generation && !this.closed) await this.complete('all steps done');
    } catch (err) {
      this.options.warn?.(`rollout of ${this.d.name} stopped: ${(err as Error).message}`);
      if (gen === this.generation && !this.closed)
        await this.abortInternal(`controller error: ${(err as Error).message}`, true);
    }
  }

  private async runAnalysis(
    a: Extract<RolloutStep, { analysis: unknown }>['analysis'],
    step: number,
    gen: number,
    resuming: boolean,
  ): Promise<AnalysisPhase | null> {
    const intervalMs = parseDuration(a.interval, `steps[${step}].analysis.interval`);
    const conds = a.metrics.map((m) => ({
      name: m.name,
      success: m.successCondition ? compileCondition(m.successCondition) : undefined,
      failure: m.failureCondition ? compileCondition(m.failureCondition) : undefined,
    })) as { name: string; success?: CompiledCondition; failure?: CompiledCondition }[];
    if (!(resuming && this.state.analysis?.step === step)) {
      this.state.analysis = {
        step,
        startedAt: new Date().toISOString(),
        phase: 'Running',
        metrics: a.metrics.map((m) => newMetricResult(m.name)),
      };
    }
    this.state.phase = 'Progressing';
    this.state.message = `step ${step}: analysis running`;
    await this.persist();
    // Each measurement covers the traffic of one interval, so the window starts now.
    this.d.stats.take();
    const limits = {
      count: a.count,
      failureLimit: a.failureLimit,
      inconclusiveLimit: a.inconclusiveLimit,
      consecutiveErrorLimit: a.consecutiveErrorLimit,
    };
    for (;;) {
      if (!(await this.wait(intervalMs, gen))) return null;
      // Too few requests cannot pass or fail a canary: the window keeps growing, and the measurement
      // is an Error (no data), so a rollout that never gets enough traffic ends by its error limit.
      const min = this.options.minRequests ?? 1;
      const canaryN = this.d.stats.attempts('canary');
      const stableN = this.d.stats.attempts('stable');
      const short = (name: string) => canaryN < min || (NEEDS_STABLE.has(name) && stableN < min);
      const enough = !conds.some((c) => short(c.name));
      const snapshot = enough ? this.d.stats.take() : null;
      const run = this.state.analysis as NonNullable<RolloutState['analysis']>;
      const at = new Date().toISOString();
      const measured: Record<string, unknown> = {};
      run.metrics = run.metrics.map((metric, k) => {
        if (metric.phase !== 'Running') return metric;
        const c = conds[k] as (typeof conds)[number];
        const raw = snapshot ? measureMetric(c.name, snapshot) : Number.NaN;
        const value = Number.isNaN(raw) ? null : raw;
        const m = snapshot
          ? evaluateMeasurement(value, c.success, c.failure)
          : {
              phase: 'Error' as const,
              message: `not enough traffic yet: ${canaryN} canary and ${stableN} stable requests counted (minimum ${min} per variant)`,
            };
        measured[c.name] = { value, phase: m.phase, ...(m.message ? { message: m.message } : {}) };
        return recordMeasurement(metric, { at, value, ...m }, limits);
      });
      run.phase = runPhase(run.metrics);
      await this.emit('rollout.analysis', {
        step,
        phase: run.phase,
        measurements: measured,
        traffic: { canary: canaryN, stable: stableN },
      });
      if (gen !== this.generation) return null;
      if (run.phase !== 'Running') return run.phase;
    }
  }

  private async abortInternal(reason: string, automatic: boolean, actor?: string): Promise<void> {
    await this.d.setCanary(null);
    this.options.metrics?.rolloutAborts.labels(this.d.name, automatic ? 'analysis' : 'manual').inc();
    this.options.metrics?.rolloutStep.labels(this.d.name).set(-1);
    this.state.phase = 'Degraded';
    this.state.weight = 0;
    this.state.pause = null;
    this.state.message = `aborted: ${reason}; all traffic on stable ${this.state.stable?.version}`;
    await this.emit(
      'rollout.aborted',
      { reason, automatic, canary: this.state.canary, step: this.state.currentStepIndex },
      actor,
    );
  }

  private async complete(reason: string, actor?: string): Promise<void> {
    const canary = this.state.canary;
    const previous = this.state.stable;
    await this.d.promoteCanary();
    this.options.metrics?.rolloutStep.labels(this.d.name).set(-1);
    this.state.stable = canary;
    this.state.canary = null;
    this.state.phase = 'Healthy';
    this.state.currentStepIndex = null;
    this.state.weight = 0;
    this.state.pause = null;
    this.state.message = `promoted ${canary?.source} (version ${canary?.version}) to stable: ${reason}`;
    await this.emit('rollout.promoted', { reason, stable: canary, previous }, actor);
  }

  private persist(): Promise<void> {
    this.state.updatedAt = new Date().toISOString();
    const snapshot = JSON.stringify(this.state);
    this.saving = this.saving
      .then(() => writeJsonAtomic(this.options.stateFile, JSON.parse(snapshot)))
      .catch((err) => this.options.warn?.(`cannot save rollout state: ${(err as Error).message}`));
    return this.saving;
  }

  /** Persists the state, then reports the event (state first: the audit entry describes what is on disk). */
  private emit(type: RolloutEvent['type'], details: Record<string, unknown>, actor?: string): Promise<void> {
    const p = this.emitNow(type, details, actor);
    this.emitting.add(p);
    return p.finally(() => this.emitting.delete(p));
  }

  private async emitNow(
    type: RolloutEvent['type'],
    details: Record<string, unknown>,
    actor?: string,
  ): Promise<void> {
    await this.persist();
    const event: RolloutEvent = {
      type,
      model: this.d.name,
      at: new Date().toISOString(),
      ...(actor ? { actor } : {}),
      details,
    };
    try {
      await this.options.onEvent?.(event);
    } catch (err) {
      this.options.warn?.(`audit event ${type} not recorded: ${(err as Error).message}`);
    }
  }
}
