/**
 * The two interfaces every store implements: the embedded local store and the MLflow client.
 * Timestamps are milliseconds since the epoch; ids are strings (MLflow int64s never pass through a JS number).
 */
export type RunStatus = 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED' | 'SCHEDULED';

export interface Experiment {
  id: string;
  name: string;
  artifactLocation?: string;
  tags: Record<string, string>;
}

export interface MetricPoint {
  key: string;
  value: number;
  timestamp: number;
  /** An int64: a number up to 2^53, a bigint beyond (read back the same way, never rounded). */
  step: number | bigint;
}

export interface DatasetInput {
  name: string;
  /** ≤ 36 characters (MLflow's limit). */
  digest: string;
  sourceType: string;
  source: string;
  schema?: string;
  profile?: string;
  /** Context tag, e.g. `training`, `eval`. */
  context?: string;
}

export interface Run {
  id: string;
  experimentId: string;
  name: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** Latest value of each metric. */
  metrics: Record<string, number>;
  inputs: DatasetInput[];
  artifactUri: string;
}

export interface ArtifactInfo {
  path: string;
  isDir: boolean;
  size: number | null;
}

export interface Tracker {
  readonly kind: 'local' | 'mlflow';
  readonly uri: string;
  getOrCreateExperiment(name: string): Promise<Experiment>;
  /** Active experiments, oldest first. */
  listExperiments(): Promise<Experiment[]>;
  /**
   * Starts a run. `mlflow.user`, `mlflow.source.type`, `mlflow.source.name` and `mlflow.runName` are filled in
   * unless given; `parentRunId` sets `mlflow.parentRunId`. Git facts come from `lineageTags()`.
   */
  createRun(
    experimentId: string,
    options?: { name?: string; tags?: Record<string, string>; startTime?: number; parentRunId?: string },
  ): Promise<Run>;
  getRun(runId: string): Promise<Run>;
  searchRuns(
    experimentIds: string[],
    options?: { filter?: string; maxResults?: number; orderBy?: string[] },
  ): Promise<Run[]>;
  setRunStatus(runId: string, status: RunStatus, endTime?: number): Promise<void>;
  logParams(runId: string, params: Record<string, string | number | boolean>): Promise<void>;
  logMetrics(runId: string, points: MetricPoint[]): Promise<void>;
  setTags(runId: string, tags: Record<string, string>): Promise<void>;
  logInputs(runId: string, inputs: DatasetInput[]): Promise<void>;
  getMetricHistory(runId: string, key: string): Promise<MetricPoint[]>;
  /** Uploads a local file or directory under `artifactPath` (streamed). */
  logArtifact(runId: string, localPath: string, artifactPath?: string): Promise<void>;
  listArtifacts(runId: string, path?: string): Promise<ArtifactInfo[]>;
  /** Downloads an artifact file or directory to `destination` (streamed); returns the local path. */
  downloadArtifact(runId: string, path: string, destination: string): Promise<string>;
}

export interface ModelVersion {
  name: string;
  version: string;
  source: string;
  runId: string | null;
  tags: Record<string, string>;
  aliases: string[];
  createdAt: number;
  description?: string;
}

export interface RegisteredModel {
  name: string;
  description?: string;
  tags: Record<string, string>;
  aliases: Record<string, string>;
  latestVersion: string | null;
}

export interface Registry {
  /** Idempotent: returns the existing model when it is already registered. */
  ensureRegisteredModel(
    name: string,
    options?: { description?: string; tags?: Record<string, string> },
  ): Promise<RegisteredModel>;
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  searchRegisteredModels(options?: { filter?: string; maxResults?: number }): Promise<RegisteredModel[]>;
  createModelVersion(
    name: string,
    source: string,
    options?: { runId?: string; tags?: Record<string, string>; description?: string },
  ): Promise<ModelVersion>;
  getModelVersion(name: string, version: string): Promise<ModelVersion>;
  searchModelVersions(name: string): Promise<ModelVersion[]>;
  setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void>;
  /**
   * Points `alias` at `version`. With `expected` (a version, or null for "unset") the move is a
   * compare-and-set: when the alias does not point there any more it fails with `TRACKING_ALIAS_MOVED`
   * and nothing changes. Atomic in the local store (under the model's lock); against MLflow, which has no
   * conditional alias update, the alias is read just before the write (a window of one request).
   */
  setAlias(
    name: string,
    alias: string,
    version: string,
    options?: { expected?: string | null },
  ): Promise<void>;
  deleteAlias(name: string, alias: string): Promise<void>;
  /** The version an alias points at, or null when the alias is not set. */
  getVersionByAlias(name: string, alias: string): Promise<ModelVersion | null>;
}

/**
 * An append-only text log kept in the store (the governance audit log lives here).
 * - `appendLog` adds one line (no newline inside, ≤ 5,000 characters) after every line already there;
 *   two processes appending at once both succeed and neither line is lost or interleaved.
 * - `appendLog(name, line, { at })` is a compare-and-set: it writes the line at 1-based position `at` only
 *   when that position is free, else fails with `TRACKING_LOG_POSITION_TAKEN` (someone else appended
 *   first: re-read and retry). The audit chain appends this way, so a stale entry is never written twice.
 * - `readLog` returns every line in append order, each followed by `\n`; `''` for a log never written.
 * - `readLogLines` returns the lines with their positions, so a gap (a position left empty while a later
 *   one holds a line) can be reported where it is.
 * - Lines are never rewritten or removed through this API.
 * Local store: `<store>/logs/<name>.log`, appended under the store lock (position = line number). MLflow:
 * one run per log in the experiment `slipway-audit`, line n kept as the write-once param `<name>/<n - 1>`
 * (a param cannot change value, so the server itself rejects a second writer at the same position).
 */
export interface AppendLog {
  appendLog(name: string, line: string, options?: { at?: number }): Promise<void>;
  readLog(name: string): Promise<string>;
  readLogLines(name: string): Promise<LogLine[]>;
}

export interface LogLine {
  /** 1-based position in the log. */
  position: number;
  line: string;
}

/** The longest line `appendLog` accepts. */
export const MAX_LOG_LINE = 5000;

/** A store is both; `openStore(uri)` returns one. */
export interface Store extends Tracker, Registry, AppendLog {
  close(): Promise<void>;
}
