import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { commitTemp, reserveTemp, SlipwayError } from '@slipway/core';
import {
  checkAlias,
  checkDataset,
  checkExperimentName,
  checkLogName,
  checkMetric,
  checkModelName,
  checkParams,
  checkTags,
  LIMITS,
} from '../limits.js';
import { composeRunTags, TAG } from '../lineage.js';
import { artifactRelPath } from '../paths.js';
import {
  type ArtifactInfo,
  type DatasetInput,
  type Experiment,
  type LogLine,
  MAX_LOG_LINE,
  type MetricPoint,
  type ModelVersion,
  type RegisteredModel,
  type Run,
  type RunStatus,
  type Store,
} from '../types.js';
import { type HttpOptions, isMlflowError, MlflowHttp, stringifyJson } from './http.js';

type KV = { key: string; value: string };
type J = Record<string, unknown>;

const toRecord = (list: unknown): Record<string, string> =>
  Object.fromEntries(((list as KV[] | undefined) ?? []).map((t) => [t.key, t.value]));
const toList = (record: Record<string, string> | undefined): KV[] =>
  Object.entries(record ?? {}).map(([key, value]) => ({ key, value }));
const num = (v: unknown): number =>
  typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : Number(v ?? 0);
const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
/** Steps stay exact: a bigint from the parser is kept, a safe number is a number. */
const step = (v: unknown): number | bigint => (typeof v === 'bigint' ? v : num(v));
/** Doubles come back as numbers or as the strings "NaN", "Infinity", "-Infinity". */
const dbl = (v: unknown): number => (typeof v === 'string' ? Number(v) : num(v));

const AUDIT_EXPERIMENT = 'slipway-audit';
/** Run tag that makes a retried runs/create safe (see createRun). */
const CREATE_TOKEN = 'slipway.createToken';
const LOG_TAG = 'slipway.log';

function mapExperiment(e: J): Experiment {
  return {
    id: str(e.experiment_id),
    name: str(e.name),
    ...(e.artifact_location ? { artifactLocation: str(e.artifact_location) } : {}),
    tags: toRecord(e.tags),
  };
}

function mapRun(run: J): Run {
  const info = (run.info ?? {}) as J;
  const data = (run.data ?? {}) as J;
  const inputs = ((run.inputs as J | undefined)?.dataset_inputs as J[] | undefined) ?? [];
  return {
    id: str(info.run_id ?? info.run_uuid),
    experimentId: str(info.experiment_id),
    name: str(info.run_name),
    status: str(info.status) as RunStatus,
    startTime: num(info.start_time),
    endTime: info.end_time === undefined || info.end_time === null ? null : num(info.end_time),
    params: toRecord(data.params),
    // The create token is plumbing for safe retries, not part of the run's story.
    tags: Object.fromEntries(Object.entries(toRecord(data.tags)).filter(([k]) => k !== CREATE_TOKEN)),
    metrics: Object.fromEntries(
      ((data.metrics as J[] | undefined) ?? []).map((m) => [str(m.key), dbl(m.value)]),
    ),
    inputs: inputs.map((i) => {
      const d = (i.dataset ?? {}) as J;
      const context = toRecord(i.tags)[TAG.datasetContext];
      return {
        name: str(d.name),
        digest: str(d.digest),
        sourceType: str(d.source_type),
        source: str(d.source),
        ...(d.schema ? { schema: str(d.schema) } : {}),
        ...(d.profile ? { profile: str(d.profile) } : {}),
        ...(context !== undefined ? { context } : {}),
      };
    }),
    artifactUri: str(info.artifact_uri),
  };
}

function mapVersion(v: J): ModelVersion {
  return {
    name: str(v.name),
    version: str(v.version),
    source: str(v.source),
    runId: v.run_id ? str(v.run_id) : null,
    tags: Object.fromEntries(Object.entries(toRecord(v.tags)).filter(([k]) => k !== CREATE_TOKEN)),
    aliases: ((v.aliases as string[] | undefined) ?? []).map(String).sort(),
    createdAt: num(v.creation_timestamp),
    ...(v.description ? { description: str(v.description) } : {}),
  };
}

function mapModel(m: J): RegisteredModel {
  const latest = ((m.latest_versions as J[] | undefined) ?? []).map((v) => Number(v.version));
  return {
    name: str(m.name),
    ...(m.description ? { description: str(m.description) } : {}),
    tags: toRecord(m.tags),
    aliases: Object.fromEntries(
      ((m.aliases as { alias: string; version: string }[] | undefined) ?? []).map((a) => [
        a.alias,
        str(a.version),
      ]),
    ),
    latestVersion: latest.length ? String(Math.max(...latest)) : null,
  };
}

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Splits items into requests that respect MLflow's per-request count and size limits. */
export function chunk<T>(items: T[], maxCount: number, size: (item: T) => number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  // Room for the envelope: {"run_id":"…","metrics":[…]}.
  const budget = LIMITS.batchBytes - 512;
  for (const item of items) {
    const s = size(item) + 1;
    if (current.length > 0 && (current.length >= maxCount || bytes + s > budget)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += s;
  }
  if (current.length) out.push(current);
  return out;
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (next < items.length && failed === undefined) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
}

export interface MlflowStoreOptions extends HttpOptions {
  /** Concurrent log-batch requests while logging metrics (default 4). */
  concurrency?: number;
  /** Metrics per log-batch request (default and maximum 1000, MLflow's limit). */
  metricsPerRequest?: number;
}

/** The MLflow REST client (tracking, registry, proxied artifacts) behind the Store interface. */
export class MlflowStore implements Store {
  readonly kind = 'mlflow' as const;
  readonly uri: string;
  readonly http: MlflowHttp;
  private readonly concurrency: number;
  private readonly metricsPerRequest: number;
  private readonly artifactRoots = new Map<string, string>();

  constructor(uri: string, options: MlflowStoreOptions = {}) {
    this.uri = uri.replace(/\/+$/, '');
    this.http = new MlflowHttp(this.uri, options);
    this.concurrency = options.concurrency ?? 4;
    this.metricsPerRequest = Math.max(
      1,
      Math.min(LIMITS.batchMetrics, options.metricsPerRequest ?? LIMITS.batchMetrics),
    );
  }

  close(): Promise<void> {
    return this.http.close();
  }

  // ---- experiments and runs

  async getOrCreateExperiment(name: string): Promise<Experiment> {
    checkExperimentName(name);
    const existing = await this.experimentByName(name);
    if (existing) return existing;
    try {
      await this.http.call('POST', '/experiments/create', { body: { name } });
    } catch (err) {
      // Someone else (or our own retried request) created it first.
      if (!isMlflowError(err, 'RESOURCE_ALREADY_EXISTS')) throw err;
    }
    const created = await this.experimentByName(name);
    if (!created)
      throw new SlipwayError('MLFLOW_INCONSISTENT', `experiment "${name}" vanished right after creation`);
    return created;
  }

  private async experimentByName(name: string): Promise<Experiment | null> {
    try {
      const res = await this.http.call<{ experiment: J }>('GET', '/experiments/get-by-name', {
        query: { experiment_name: name },
      });
      if (res.experiment.lifecycle_stage === 'deleted')
        throw new SlipwayError(
          'TRACKING_EXPERIMENT_DELETED',
          `experiment "${name}" is deleted on ${this.uri}`,
          {
            hint: 'restore it in the MLflow UI (or `mlflow experiments restore`), or use another experiment name',
          },
        );
      return mapExperiment(res.experiment);
    } catch (err) {
      if (isMlflowError(err, 'RESOURCE_DOES_NOT_EXIST')) return null;
      throw err;
    }
  }

  async listExperiments(): Promise<Experiment[]> {
    const out: Experiment[] = [];
    let token: string | undefined;
    do {
      const res = await this.http.call<{ experiments?: J[]; next_page_token?: string }>(
        'POST',
        '/experiments/search',
        {
          body: {
            max_results: 1000,
            order_by: ['creation_time ASC'],
            ...(token ? { page_token: token } : {}),
          },
        },
      );
      out.push(...(res.experiments ?? []).map(mapExperiment));
      token = res.next_page_token || undefined;
    } while (token);
    return out;
  }

  async createRun(
    experimentId: string,
    options: { name?: string; tags?: Record<string, string>; startTime?: number; parentRunId?: string } = {},
  ): Promise<Run> {
    const tags = composeRunTags(options);
    checkTags(tags);
    const name = tags[TAG.runName];
    // runs/create is not idempotent: a token tag lets a retry find the run a lost attempt created.
    const token = randomBytes(12).toString('hex');
    tags[CREATE_TOKEN] = token;
    const res = await this.http.call<{ run: J }>('POST', '/runs/create', {
      body: {
        experiment_id: experimentId,
        start_time: options.startTime ?? Date.now(),
        ...(name !== undefined ? { run_name: name } : {}),
        tags: toList(tags),
      },
      recover: async () => {
        const found = await this.http.call<{ runs?: J[] }>('POST', '/runs/search', {
          body: {
            experiment_ids: [experimentId],
            filter: `tags.\`${CREATE_TOKEN}\` = '${token}'`,
            max_results: 1,
          },
          once: true,
        });
        return found.runs?.[0] ? { run: found.runs[0] } : undefined;
      },
    });
    const run = mapRun(res.run);
    this.artifactRoots.set(run.id, run.artifactUri);
    return run;
  }

  async getRun(runId: string): Promise<Run> {
    const res = await this.http.call<{ run: J }>('GET', '/runs/get', { query: { run_id: runId } });
    const run = mapRun(res.run);
    this.artifactRoots.set(run.id, run.artifactUri);
    return run;
  }

  async searchRuns(
    experimentIds: string[],
    options: { filter?: string; maxResults?: number; orderBy?: string[] } = {},
  ): Promise<Run[]> {
    const max = options.maxResults ?? Number.POSITIVE_INFINITY;
    const out: Run[] = [];
    let token: string | undefined;
    do {
      const res = await this.http.call<{ runs?: J[]; next_page_token?: string }>('POST', '/runs/search', {
        body: {
          experiment_ids: experimentIds,
          ...(options.filter ? { filter: options.filter } : {}),
          max_results: Math.min(1000, max - out.length),
          ...(options.orderBy ? { order_by: options.orderBy } : {}),
          ...(token ? { page_token: token } : {}),
        },
      });
      out.push(...(res.runs ?? []).map(mapRun));
      token = res.next_page_token || undefined;
    } while (token && out.length < max);
    return out;
  }

  async setRunStatus(runId: string, status: RunStatus, endTime?: number): Promise<void> {
    const terminal = status === 'FINISHED' || status === 'FAILED' || status === 'KILLED';
    const end = endTime ?? (terminal ? Date.now() : undefined);
    await this.http.call('POST', '/runs/update', {
      body: { run_id: runId, status, ...(end !== undefined ? { end_time: end } : {}) },
    });
  }

  async logParams(runId: string, params: Record<string, string | number | boolean>): Promise<void> {
    const checked = checkParams(params);
    const list = toList(checked);
    for (const batch of chunk(list, LIMITS.batchParams, (p) => stringifyJson(p).length))
      await this.http.call('POST', '/runs/log-batch', { body: { run_id: runId, params: batch } });
  }

  async setTags(runId: string, tags: Record<string, string>): Promise<void> {
    checkTags(tags);
    for (const batch of chunk(toList(tags), LIMITS.batchTags, (t) => stringifyJson(t).length))
      await this.http.call('POST', '/runs/log-batch', { body: { run_id: runId, tags: batch } });
  }

  /**
   * Metrics go in log-batch requests of ≤1000 points and <1 MB, a few at a time. Every point keeps the
   * timestamp it was given, so a batch retried after a lost response carries identical rows, which the
   * server's (run, key, timestamp, step, value) key stores once: no duplicates after a retry.
   */
  async logMetrics(runId: string, points: MetricPoint[]): Promise<void> {
    const wire = points.map((p) => {
      checkMetric(p);
      return { key: p.key, value: p.value, timestamp: p.timestamp, step: p.step };
    });
    const batches = chunk(wire, this.metricsPerRequest, (m) => stringifyJson(m).length);
    await mapLimit(batches, this.concurrency, async (batch) => {
      await this.http.call('POST', '/runs/log-batch', { body: { run_id: runId, metrics: batch } });
    });
  }

  async logInputs(runId: string, inputs: DatasetInput[]): Promise<void> {
    for (const input of inputs) checkDataset(input);
    const datasets = inputs.map((i) => ({
      tags: i.context !== undefined ? [{ key: TAG.datasetContext, value: i.context }] : [],
      dataset: {
        name: i.name,
        digest: i.digest,
        source_type: i.sourceType,
        source: i.source,
        ...(i.schema !== undefined ? { schema: i.schema } : {}),
        ...(i.profile !== undefined ? { profile: i.profile } : {}),
      },
    }));
    for (const batch of chunk(datasets, 1000, (d) => stringifyJson(d).length))
      await this.http.call('POST', '/runs/log-inputs', { body: { run_id: runId, datasets: batch } });
  }

  async getMetricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    const out: MetricPoint[] = [];
    let token: string | undefined;
    do {
      const res = await this.http.call<{ metrics?: J[]; next_page_token?: string }>(
        'GET',
        '/metrics/get-history',
        {
          query: { run_id: runId, metric_key: key, max_results: 25_000, page_token: token },
        },
      );
      for (const m of res.metrics ?? [])
        out.push({ key: str(m.key), value: dbl(m.value), timestamp: num(m.timestamp), step: step(m.step) });
      token = res.next_page_token || undefined;
    } while (token);
    return sortPoints(out);
  }

  // ---- artifacts (through the server's mlflow-artifacts proxy)

  private async artifactBase(runId: string): Promise<string> {
    let root = this.artifactRoots.get(runId);
    if (root === undefined) root = (await this.getRun(runId)).artifactUri;
    if (!root.startsWith('mlflow-artifacts:'))
      throw new SlipwayError(
        'MLFLOW_ARTIFACTS_NOT_PROXIED',
        `run ${runId} stores artifacts at ${root}, which this client cannot reach through ${this.uri}`,
        {
          hint: 'start the server with --serve-artifacts (and no --default-artifact-root), then use a new experiment',
        },
      );
    return new URL(root).pathname.replace(/\/+$/, '');
  }

  private artifactUrlPath(base: string, rel: string): string {
    const segments = `${base}/${rel}`.split('/').filter(Boolean).map(encodeURIComponent);
    return `/api/2.0/mlflow-artifacts/artifacts/${segments.join('/')}`;
  }

  async logArtifact(runId: string, localPath: string, artifactPath?: string): Promise<void> {
    const base = await this.artifactBase(runId);
    const prefix = artifactPath ? artifactRelPath(artifactPath) : '';
    const info = await stat(localPath).catch(() => null);
    if (!info)
      throw new SlipwayError(
        'FILE_NOT_FOUND',
        `${localPath}: no such file or directory to log as an artifact`,
        {
          hint: 'check the path',
        },
      );
    const files: [string, string][] = info.isDirectory()
      ? (await readdir(localPath, { recursive: true, withFileTypes: true }))
          .filter((e) => e.isFile())
          .map((e) => {
            const full = join(e.parentPath, e.name);
            return [full, join(prefix, relative(localPath, full)).split(sep).join('/')];
          })
      : [[localPath, prefix ? `${prefix}/${basename(localPath)}` : basename(localPath)]];
    await mapLimit(files, this.concurrency, async ([full, rel]) => {
      await this.http.send('PUT', this.artifactUrlPath(base, rel), { stream: () => createReadStream(full) });
    });
  }

  async listArtifacts(runId: string, path?: string): Promise<ArtifactInfo[]> {
    const out: ArtifactInfo[] = [];
    let token: string | undefined;
    do {
      const res = await this.http.call<{ files?: J[]; next_page_token?: string }>('GET', '/artifacts/list', {
        query: { run_id: runId, path: path ? artifactRelPath(path) : undefined, page_token: token },
      });
      for (const f of res.files ?? [])
        out.push({ path: str(f.path), isDir: f.is_dir === true, size: f.is_dir ? null : num(f.file_size) });
      token = res.next_page_token || undefined;
    } while (token);
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }

  async downloadArtifact(runId: string, path: string, destination: string): Promise<string> {
    const rel = artifactRelPath(path);
    const base = await this.artifactBase(runId);
    const target = join(destination, ...rel.split('/'));
    const children = await this.listArtifacts(runId, rel);
    if (children.length > 0) {
      await mkdir(target, { recursive: true });
      for (const child of children) await this.downloadArtifact(runId, child.path, destination);
      return target;
    }
    await mkdir(dirname(target), { recursive: true });
    // Streamed to a temp file next to the target and renamed: a partial download never shows up.
    for (let attempt = 1; ; attempt++) {
      const tmp = reserveTemp(target);
      try {
        const body = await this.http.send<Readable>('GET', this.artifactUrlPath(base, rel), { raw: true });
        await pipeline(body, createWriteStream(tmp));
        await commitTemp(tmp, target);
        return target;
      } catch (err) {
        await rm(tmp, { force: true });
        const code = (err as { code?: string }).code ?? '';
        if (attempt >= 3 || !/^(ECONNRESET|UND_ERR_SOCKET|UND_ERR_BODY_TIMEOUT|EPIPE)$/.test(code)) throw err;
      }
    }
  }

  // ---- registry (aliases only; stages are deprecated and never used)

  async ensureRegisteredModel(
    name: string,
    options: { description?: string; tags?: Record<string, string> } = {},
  ): Promise<RegisteredModel> {
    checkModelName(name);
    if (options.tags) checkTags(options.tags, LIMITS.modelTagValue);
    try {
      const res = await this.http.call<{ registered_model: J }>('POST', '/registered-models/create', {
        body: {
          name,
          ...(options.description !== undefined ? { description: options.description } : {}),
          tags: toList(options.tags),
        },
      });
      return mapModel(res.registered_model);
    } catch (err) {
      // RESOURCE_ALREADY_EXISTS is HTTP 400 here (not 409); ALREADY_EXISTS is accepted too.
      if (!isMlflowError(err, 'RESOURCE_ALREADY_EXISTS') && !isMlflowError(err, 'ALREADY_EXISTS')) throw err;
      return this.getRegisteredModel(name);
    }
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    const res = await this.http.call<{ registered_model: J }>('GET', '/registered-models/get', {
      query: { name },
    });
    return mapModel(res.registered_model);
  }

  async searchRegisteredModels(
    options: { filter?: string; maxResults?: number } = {},
  ): Promise<RegisteredModel[]> {
    const max = options.maxResults ?? Number.POSITIVE_INFINITY;
    const out: RegisteredModel[] = [];
    let token: string | undefined;
    do {
      const res = await this.http.call<{ registered_models?: J[]; next_page_token?: string }>(
        'GET',
        '/registered-models/search',
        {
          query: {
            filter: options.filter,
            max_results: Math.min(1000, max - out.length),
            order_by: ['name ASC'],
            page_token: token,
          },
        },
      );
      out.push(...(res.registered_models ?? []).map(mapModel));
      token = res.next_page_token || undefined;
    } while (token && out.length < max);
    return out;
  }

  async createModelVersion(
    name: string,
    source: string,
    options: { runId?: string; tags?: Record<string, string>; description?: string } = {},
  ): Promise<ModelVersion> {
    if (options.tags) checkTags(options.tags, LIMITS.modelTagValue);
    // Not idempotent either: the token finds the version a lost attempt created (see createRun).
    const token = randomBytes(12).toString('hex');
    const res = await this.http.call<{ model_version: J }>('POST', '/model-versions/create', {
      body: {
        name,
        source,
        ...(options.runId ? { run_id: options.runId } : {}),
        ...(options.description !== undefined ? { description: options.description } : {}),
        tags: toList({ ...options.tags, [CREATE_TOKEN]: token }),
      },
      recover: async () => {
        const found = await this.http.call<{ model_versions?: J[] }>('GET', '/model-versions/search', {
          query: { filter: `name=${quote(name)} AND tags.\`${CREATE_TOKEN}\` = '${token}'` },
          once: true,
        });
        return found.model_versions?.[0] ? { model_version: found.model_versions[0] } : undefined;
      },
    });
    return mapVersion(res.model_version);
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    const res = await this.http.call<{ model_version: J }>('GET', '/model-versions/get', {
      query: { name, version },
    });
    return mapVersion(res.model_version);
  }

  async searchModelVersions(name: string): Promise<ModelVersion[]> {
    const out: ModelVersion[] = [];
    let token: string | undefined;
    do {
      const res = await this.http.call<{ model_versions?: J[]; next_page_token?: string }>(
        'GET',
        '/model-versions/search',
        { query: { filter: `name=${quote(name)}`, max_results: 10_000, page_token: token } },
      );
      out.push(...(res.model_versions ?? []).map(mapVersion));
      token = res.next_page_token || undefined;
    } while (token);
    // model-versions/search leaves aliases out; the registered model has them.
    if (out.length) {
      const { aliases } = await this.getRegisteredModel(name);
      for (const v of out)
        v.aliases = Object.entries(aliases)
          .filter(([, version]) => version === v.version)
          .map(([alias]) => alias)
          .sort();
    }
    return out.sort((a, b) => Number(a.version) - Number(b.version));
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    checkTags({ [key]: value }, LIMITS.modelTagValue);
    await this.http.call('POST', '/model-versions/set-tag', { body: { name, version, key, value } });
  }

  async setAlias(
    name: string,
    alias: string,
    version: string,
    options: { expected?: string | null } = {},
  ): Promise<void> {
    checkAlias(alias);
    // MLflow has no conditional alias update: read just before writing (see Registry.setAlias).
    if (options.expected !== undefined) {
      const now = await this.getVersionByAlias(name, alias);
      checkExpectedAlias(name, alias, now?.version ?? null, options.expected);
    }
    await this.http.call('POST', '/registered-models/alias', { body: { name, alias, version } });
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    checkAlias(alias);
    await this.http.call('DELETE', '/registered-models/alias', { body: { name, alias } });
  }

  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion | null> {
    checkAlias(alias);
    try {
      const res = await this.http.call<{ model_version: J }>('GET', '/registered-models/alias', {
        query: { name, alias },
      });
      return mapVersion(res.model_version);
    } catch (err) {
      // MLflow answers a missing alias with INVALID_PARAMETER_VALUE "Registered model alias x not found".
      const missingAlias =
        isMlflowError(err, 'INVALID_PARAMETER_VALUE') && /alias .* not found/i.test(err.message);
      if (!missingAlias && !isMlflowError(err, 'RESOURCE_DOES_NOT_EXIST') && !isMlflowError(err, 'NOT_FOUND'))
        throw err;
      await this.getRegisteredModel(name); // a missing model is an error, a missing alias is null
      return null;
    }
  }

  // ---- append-only logs: every line is a write-once param `<log>/<n>` of one audit run

  private auditRunId: string | undefined;

  /**
   * The one run that holds every log. Whoever creates the `slipway-audit` experiment (the server lets exactly
   * one creator succeed) creates the run and names it in the experiment tag; the others wait for that tag.
   */
  private async auditRun(create: boolean): Promise<string | null> {
    if (this.auditRunId) return this.auditRunId;
    let experiment = await this.experimentByName(AUDIT_EXPERIMENT);
    if (!experiment) {
      if (!create) return null;
      let created = false;
      try {
        await this.http.call('POST', '/experiments/create', {
          body: {
            name: AUDIT_EXPERIMENT,
            tags: [{ key: 'mlflow.note.content', value: 'Slipway append-only logs' }],
          },
        });
        created = true;
      } catch (err) {
        if (!isMlflowError(err, 'RESOURCE_ALREADY_EXISTS')) throw err;
      }
      experiment = (await this.experimentByName(AUDIT_EXPERIMENT)) as Experiment;
      if (created) {
        const run = await this.createRun(experiment.id, { name: 'logs', tags: { [LOG_TAG]: 'all' } });
        await this.http.call('POST', '/experiments/set-experiment-tag', {
          body: { experiment_id: experiment.id, key: LOG_TAG, value: run.id },
        });
        experiment.tags[LOG_TAG] = run.id;
      }
    }
    const deadline = Date.now() + 30_000;
    while (!experiment.tags[LOG_TAG]) {
      if (!create) return null;
      if (Date.now() > deadline) {
        // The creator died between creating the experiment and naming the run: adopt the oldest run, or make one.
        const runs = await this.searchRuns([experiment.id], { orderBy: ['attributes.start_time ASC'] });
        const id =
          runs[0]?.id ??
          (await this.createRun(experiment.id, { name: 'logs', tags: { [LOG_TAG]: 'all' } })).id;
        await this.http.call('POST', '/experiments/set-experiment-tag', {
          body: { experiment_id: experiment.id, key: LOG_TAG, value: id },
        });
        experiment.tags[LOG_TAG] = id;
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
      experiment = (await this.experimentByName(AUDIT_EXPERIMENT)) as Experiment;
    }
    this.auditRunId = experiment.tags[LOG_TAG] as string;
    return this.auditRunId;
  }

  private async logLines(runId: string, name: string): Promise<Map<number, string>> {
    const run = await this.getRun(runId);
    const lines = new Map<number, string>();
    const prefix = `${name}/`;
    for (const [key, value] of Object.entries(run.params)) {
      if (!key.startsWith(prefix)) continue;
      const n = key.slice(prefix.length);
      if (/^\d+$/.test(n)) lines.set(Number(n), value.slice(value.indexOf('\t') + 1));
    }
    return lines;
  }

  private async logParam(runId: string, name: string, index: number, line: string): Promise<boolean> {
    const key = `${name}/${String(index).padStart(9, '0')}`;
    // The writer's nonce makes two identical lines from two writers differ, so the write-once check bites;
    // a retried request of our own carries the same value, which MLflow accepts again.
    const value = `${randomBytes(4).toString('hex')}\t${line}`;
    try {
      await this.http.call('POST', '/runs/log-parameter', { body: { run_id: runId, key, value } });
      return true;
    } catch (err) {
      if (!isMlflowError(err, 'INVALID_PARAMETER_VALUE') && !isMlflowError(err, 'RESOURCE_ALREADY_EXISTS'))
        throw err;
      return false;
    }
  }

  async appendLog(name: string, line: string, options: { at?: number } = {}): Promise<void> {
    checkLogName(name);
    checkLogLine(name, line);
    const runId = (await this.auditRun(true)) as string;
    if (options.at !== undefined) {
      // Compare-and-set: the server refuses a second value for a param, so a taken position fails.
      if (!Number.isInteger(options.at) || options.at < 1)
        throw new SlipwayError('TRACKING_INVALID_VALUE', `log "${name}": position ${options.at} is not ≥ 1`, {
          hint: 'positions are 1-based',
        });
      if (await this.logParam(runId, name, options.at - 1, line)) return;
      throw positionTaken(name, options.at, (await this.logLines(runId, name)).size);
    }
    let n = (await this.logLines(runId, name)).size;
    for (let attempt = 0; attempt < 1000; attempt++) {
      if (await this.logParam(runId, name, n, line)) return;
      // Position taken by another writer: move on.
      n = Math.max(n + 1, (await this.logLines(runId, name)).size);
    }
    throw new SlipwayError('TRACKING_LOG_CONTENDED', `log "${name}": could not find a free position`, {
      hint: 'too many concurrent writers; retry',
    });
  }

  async readLog(name: string): Promise<string> {
    return (await this.readLogLines(name)).map(({ line }) => `${line}\n`).join('');
  }

  async readLogLines(name: string): Promise<LogLine[]> {
    checkLogName(name);
    const runId = await this.auditRun(false);
    if (!runId) return [];
    return [...(await this.logLines(runId, name)).entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([n, line]) => ({ position: n + 1, line }));
  }
}

/** A compare-and-set append lost: the position holds someone else's line. */
export function positionTaken(name: string, at: number, held: number): SlipwayError {
  return new SlipwayError(
    'TRACKING_LOG_POSITION_TAKEN',
    `log "${name}": position ${at} is not the next free one (the log holds ${held} line(s)); another writer appended first`,
    { hint: 're-read the log and build the line again' },
  );
}

/** A compare-and-set alias move lost: the alias no longer points where the caller read it. */
export function checkExpectedAlias(
  name: string,
  alias: string,
  actual: string | null,
  expected: string | null,
): void {
  if (actual === expected) return;
  throw new SlipwayError(
    'TRACKING_ALIAS_MOVED',
    `${name}@${alias} points at ${actual === null ? '(unset)' : `v${actual}`}, not the expected ${expected === null ? '(unset)' : `v${expected}`}: someone else moved it`,
    { hint: 'read the alias again and retry' },
  );
}

export function checkLogLine(name: string, line: string): void {
  if (line.includes('\n') || line.includes('\r') || line.length > MAX_LOG_LINE)
    throw new SlipwayError(
      'TRACKING_INVALID_VALUE',
      `log "${name}": a line must be one line of at most ${MAX_LOG_LINE} characters (got ${line.length})`,
      { hint: 'write a compact JSON object per line' },
    );
}

export function sortPoints(points: MetricPoint[]): MetricPoint[] {
  const cmp = (a: number | bigint, b: number | bigint) => (a < b ? -1 : a > b ? 1 : 0);
  return points.sort((a, b) => cmp(a.step, b.step) || a.timestamp - b.timestamp || a.value - b.value);
}
