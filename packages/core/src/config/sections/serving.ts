import { z } from 'zod';

const duration = z.union([
  z.int().min(0),
  z.string().regex(/^\d+(ms|s|m|h)$/, 'a duration like "30s", "5m" or "250ms"'),
]);

/** Live metrics the embedded rollout controller measures, canary against stable (serving/src/rollout). */
export const ANALYSIS_METRICS = [
  'error_rate',
  'latency_p50',
  'latency_p95',
  'latency_p99',
  'latency_p99_ratio',
  'prediction_drift',
] as const;

export const analysisStep = z.strictObject({
  /** Time between measurements (Argo `interval`). */
  interval: duration.default('10s'),
  /** Measurements per metric before the analysis succeeds (Argo `count`). */
  count: z.int().min(1).default(3),
  /** Failed measurements tolerated; one more fails the analysis (Argo default 0). */
  failureLimit: z.int().min(-1).default(0),
  /** Inconclusive measurements tolerated; one more pauses the rollout (Argo default 0). */
  inconclusiveLimit: z.int().min(0).default(0),
  /** Consecutive measurement errors (e.g. no canary traffic) tolerated (Argo default 4). */
  consecutiveErrorLimit: z.int().min(0).default(4),
  metrics: z
    .array(
      z.strictObject({
        name: z.enum(ANALYSIS_METRICS),
        /** An expression over `result`, e.g. `result < 0.01` (Argo's expr syntax subset). */
        successCondition: z.string().optional(),
        failureCondition: z.string().optional(),
      }),
    )
    .min(1),
});

export const rolloutStep = z.union([
  z.strictObject({ setWeight: z.int().min(0).max(100) }),
  z.strictObject({ pause: z.strictObject({ duration: duration.optional() }) }),
  z.strictObject({ analysis: analysisStep }),
]);

const microBatch = z.union([
  z.literal(false),
  z.strictObject({
    maxDelayMs: z.number().min(0).max(1000).default(2),
    maxBatchSize: z.int().min(1).max(65536).default(64),
  }),
]);

const predictionLog = z.union([
  z.literal(false),
  z.strictObject({
    /** JSON lines file, relative to the project root. */
    path: z.string().default('.slipway/serving/predictions.jsonl'),
    /** Share of requests logged, 0..1. */
    sampleRate: z.number().min(0).max(1).default(0.05),
    /** The file is rotated (to `<path>.1`, …) when it would grow past this many bytes. */
    maxBytes: z
      .int()
      .min(4096)
      .default(64 * 1024 * 1024),
    /** Rotated files kept besides the current one. */
    keep: z.int().min(0).max(100).default(3),
    /** Rows logged per sampled request (the entry records how many there were). */
    maxRowsPerEntry: z.int().min(1).default(100),
  }),
]);

const auth = z.strictObject({
  /** Environment variable with the inference bearer tokens (`name:token`, comma or newline separated). */
  tokenEnv: z.string().default('SLIPWAY_INFERENCE_TOKENS'),
  /** File with more tokens, one `name:token` a line (relative to the project root). */
  tokenFile: z.string().optional(),
  /** true: the server refuses to start without a token (no silent anonymous inference). */
  required: z.boolean().default(false),
  /** /metrics needs a token too while inference auth is on. */
  metrics: z.boolean().default(true),
});

const kubernetes = z.strictObject({
  image: z.string().default('ghcr.io/slipway/serve:latest'),
  namespace: z.string().optional(),
  replicas: z.int().min(1).default(2),
  /** Prometheus address the AnalysisTemplate queries. */
  prometheusAddress: z.string().default('http://prometheus.monitoring.svc:9090'),
  /** PromQL range used by the analysis queries. */
  window: z.string().default('2m'),
});

const servingShape = z.strictObject({
  host: z.string().default('127.0.0.1'),
  port: z.int().min(0).max(65535).default(8080),
  /** Model package served as stable when `slipway serve` gets no source: a path or `models:/<name>@<alias>`. */
  model: z.string().optional(),
  microBatch: microBatch.default({ maxDelayMs: 2, maxBatchSize: 64 }),
  maxBodyBytes: z.int().min(1024).default(1_048_576),
  /** Rows one request may carry (400 above it). */
  maxRows: z.int().min(1).default(10_000),
  /** Prediction worker threads; 0 predicts on the event loop (tests, debugging). Default: CPUs - 1. */
  workers: z.int().min(0).max(256).optional(),
  /** Prediction requests admitted at once (reading, queued or predicting); more get 503 + Retry-After. */
  maxInflight: z.int().min(1).default(64),
  /** Rows admitted at once over all requests; more get 503 + Retry-After. */
  maxInflightRows: z.int().min(1).default(200_000),
  /** A prediction request that has no answer this long after it arrived gets 503 (its queued work is dropped). */
  deadlineMs: z.int().min(10).default(30_000),
  /** A client must send its request headers within this time (slowloris). */
  headersTimeoutMs: z.int().min(100).default(5_000),
  /** Bearer tokens for inference and /metrics; off while no token is configured. */
  auth: auth.default({ tokenEnv: 'SLIPWAY_INFERENCE_TOKENS', required: false, metrics: true }),
  /**
   * Who may pin a version (`/v2/models/m/versions/v/infer`, `?version=`) or choose a sticky key:
   * `authenticated` callers only (default), `anyone`, or nobody (`off`).
   */
  clientSteering: z.enum(['authenticated', 'anyone', 'off']).default('authenticated'),
  /** A client must send its whole request within this time (slow clients get 408). */
  requestTimeoutMs: z.int().min(100).default(10_000),
  /** A canary answer slower than this is dropped, stable answers and a canary failure is counted. */
  canaryTimeoutMs: z.int().min(1).default(1_000),
  /** Requests with the same value of this header always get the same variant. */
  stickyHeader: z.string().default('x-slipway-key'),
  /**
   * Environment variable holding the admin bearer token(s) (the admin API is off without one):
   * `name:token` pairs (comma or newline separated) name who acts; a bare token acts as the
   * server's own local user.
   */
  adminTokenEnv: z.string().default('SLIPWAY_ADMIN_TOKEN'),
  /**
   * Run custom-transform code bundled in a package's features.json when this process has not registered
   * the transform. Off: a package is data. On: every such load prints a warning and is audited.
   */
  allowPackageCode: z.boolean().default(false),
  /** File with more admin tokens, one `name:token` a line (relative to the project root). */
  adminTokensFile: z.string().optional(),
  /** Rollout state (survives restarts), relative to the project root. */
  stateDir: z.string().default('.slipway/serving'),
  predictionLog: predictionLog.default({
    path: '.slipway/serving/predictions.jsonl',
    sampleRate: 0.05,
    maxBytes: 64 * 1024 * 1024,
    keep: 3,
    maxRowsPerEntry: 100,
  }),
  rollout: z
    .strictObject({
      /** Empty: the safe default (10 % → analysis → 50 % → analysis → 100 %). */
      steps: z.array(rolloutStep).default([]),
      /** The environment this server serves: rollouts need the policy's `rollout:<environment>` grant. */
      environment: z
        .string()
        .regex(/^[A-Za-z0-9_-]+$/)
        .default('local'),
      /** A rollout source must be a registered version holding one of these aliases. */
      aliases: z.array(z.string().min(1)).min(1).default(['champion', 'challenger']),
      /** Requests each variant needs in an interval before a measurement can pass or fail. */
      minRequests: z.int().min(1).default(20),
      /** Requests with more rows than this are answered but not counted in the analysis. */
      analysisMaxRows: z.int().min(1).default(1_000),
    })
    .default({
      steps: [],
      environment: 'local',
      aliases: ['champion', 'challenger'],
      minRequests: 20,
      analysisMaxRows: 1_000,
    }),
  kubernetes: kubernetes.default({
    image: 'ghcr.io/slipway/serve:latest',
    replicas: 2,
    prometheusAddress: 'http://prometheus.monitoring.svc:9090',
    window: '2m',
  }),
});

export const servingSection = servingShape.default(servingShape.parse({}));
