import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { commitTemp, reserveTemp, SlipwayError, withDirectoryLock, writeJsonAtomic } from '@slipway/core';
import { stringifyJson } from '../json.js';
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
import { checkExpectedAlias, checkLogLine, positionTaken, sortPoints } from '../mlflow/store.js';
import { artifactRelPath } from '../paths.js';
import type {
  ArtifactInfo,
  DatasetInput,
  Experiment,
  LogLine,
  MetricPoint,
  ModelVersion,
  RegisteredModel,
  Run,
  RunStatus,
  Store,
} from '../types.js';
import { compare, matchRun, parseFilter, sortRuns } from './filter.js';
import { appendLines, corrupt, readJsonFile, readJsonLines, readLines } from './journal.js';

/*
 * Layout of a local store directory:
 *   store.json                          format marker
 *   experiments/<id>.json               {id, name, tags, createdAt}           (atomic JSON)
 *   runs/<run-id>/run.json              {id, experimentId, name, startTime}   (atomic JSON, written once)
 *   runs/<run-id>/journal.jsonl         params, tags, metrics, inputs, status (append-only, one JSON per line)
 *   runs/<run-id>/artifacts/…           artifact files (temp + rename)
 *   models/<name>/model.json            {name, description, tags, aliases, createdAt} (atomic JSON)
 *   models/<name>/versions/<n>.json     {version, source, runId, tags, createdAt, description}
 *   logs/<name>.log                     append-only text logs (appendLog)
 * Every append and read-modify-write holds a lock file in the directory it changes (withDirectoryLock).
 */
const FORMAT = 'slipway-tracking-store';
const LOCK = '.lock';

interface RunHeader {
  id: string;
  experimentId: string;
  name: string;
  startTime: number;
}

interface ModelFile {
  name: string;
  description?: string;
  tags: Record<string, string>;
  aliases: Record<string, string>;
  createdAt: number;
}

interface VersionFile {
  version: string;
  source: string;
  runId: string | null;
  tags: Record<string, string>;
  createdAt: number;
  description?: string;
}

type Entry = Record<string, unknown>;

function notFound(what: string, hint: string): SlipwayError {
  return new SlipwayError('TRACKING_NOT_FOUND', `${what} does not exist`, { hint });
}

const num = (v: unknown): number => (typeof v === 'string' ? Number(v) : (v as number));

export class LocalStore implements Store {
  readonly kind = 'local' as const;
  readonly uri: string;
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.uri = this.root;
  }

  async close(): Promise<void> {}

  private async ready(): Promise<void> {
    const marker = join(this.root, 'store.json');
    const info = await readJsonFile<{ format?: string }>(marker);
    if (info === undefined) {
      await mkdir(this.root, { recursive: true });
      await writeJsonAtomic(marker, { format: FORMAT, version: 1 });
    } else if (info.format !== FORMAT) throw corrupt(marker, `is not a Slipway tracking store marker`);
  }

  // ---- experiments

  private async experiments(): Promise<Experiment[]> {
    const dir = join(this.root, 'experiments');
    const names = await readdir(dir).catch(() => [] as string[]);
    const out: Experiment[] = [];
    for (const file of names.filter((n) => n.endsWith('.json') && !n.startsWith('.'))) {
      const path = join(dir, file);
      const e = await readJsonFile<Experiment>(path);
      if (!e || typeof e.name !== 'string' || typeof e.id !== 'string')
        throw corrupt(path, 'is not an experiment record');
      out.push({
        id: e.id,
        name: e.name,
        tags: e.tags ?? {},
        ...(e.artifactLocation ? { artifactLocation: e.artifactLocation } : {}),
      });
    }
    return out.sort((a, b) => Number(a.id) - Number(b.id));
  }

  async getOrCreateExperiment(name: string): Promise<Experiment> {
    checkExperimentName(name);
    await this.ready();
    const found = (await this.experiments()).find((e) => e.name === name);
    if (found) return found;
    const dir = join(this.root, 'experiments');
    return withDirectoryLock(
      dir,
      async () => {
        const all = await this.experiments();
        const again = all.find((e) => e.name === name);
        if (again) return again;
        const id = String(all.reduce((m, e) => Math.max(m, Number(e.id)), 0) + 1);
        const experiment: Experiment = {
          id,
          name,
          tags: {},
          artifactLocation: pathToFileURL(join(this.root, 'runs')).href,
        };
        await writeJsonAtomic(join(dir, `${id}.json`), { ...experiment, createdAt: Date.now() });
        return experiment;
      },
      { name: LOCK },
    );
  }

  async listExperiments(): Promise<Experiment[]> {
    return this.experiments();
  }

  // ---- runs

  private runDir(runId: string): string {
    if (!/^[a-zA-Z0-9][\w-]{0,255}$/.test(runId))
      throw new SlipwayError('TRACKING_INVALID_VALUE', `run id "${runId}" is not a valid run id`, {
        hint: 'copy the id from `slipway runs list`',
      });
    return join(this.root, 'runs', runId);
  }

  private async header(runId: string): Promise<RunHeader> {
    const file = join(this.runDir(runId), 'run.json');
    const header = await readJsonFile<RunHeader>(file);
    if (!header) throw notFound(`run ${runId} in ${this.root}`, 'check the run id (`slipway runs list`)');
    if (typeof header.id !== 'string' || typeof header.experimentId !== 'string')
      throw corrupt(file, 'is not a run record');
    return header;
  }

  async createRun(
    experimentId: string,
    options: { name?: string; tags?: Record<string, string>; startTime?: number; parentRunId?: string } = {},
  ): Promise<Run> {
    await this.ready();
    if (!(await this.experiments()).some((e) => e.id === experimentId))
      throw notFound(`experiment ${experimentId} in ${this.root}`, 'create it with getOrCreateExperiment');
    const id = randomBytes(16).toString('hex');
    const tags = composeRunTags(options);
    const name = tags[TAG.runName] ?? `run-${id.slice(0, 8)}`;
    tags[TAG.runName] = name;
    checkTags(tags);
    const dir = this.runDir(id);
    await mkdir(join(dir, 'artifacts'), { recursive: true });
    // The journal exists before run.json: a run is visible only once run.json is complete.
    await appendLines(join(dir, 'journal.jsonl'), `${stringifyJson({ t: 'tags', tags })}\n`);
    await writeJsonAtomic(join(dir, 'run.json'), {
      id,
      experimentId,
      name,
      startTime: options.startTime ?? Date.now(),
    } satisfies RunHeader);
    return this.getRun(id);
  }

  private async journal(runId: string): Promise<Entry[]> {
    return readJsonLines(join(this.runDir(runId), 'journal.jsonl'));
  }

  private async append(runId: string, entries: Entry[], check?: (existing: Run) => void): Promise<void> {
    await this.header(runId);
    const dir = this.runDir(runId);
    const text = entries.map((e) => `${stringifyJson(e)}\n`).join('');
    await withDirectoryLock(
      dir,
      async () => {
        if (check) check(await this.getRun(runId));
        await appendLines(join(dir, 'journal.jsonl'), text);
      },
      { name: LOCK },
    );
  }

  private fold(header: RunHeader, entries: Entry[], file: string): Run & { history: MetricPoint[] } {
    const run: Run & { history: MetricPoint[] } = {
      id: header.id,
      experimentId: header.experimentId,
      name: header.name,
      status: 'RUNNING',
      startTime: header.startTime,
      endTime: null,
      params: {},
      tags: {},
      metrics: {},
      inputs: [],
      artifactUri: pathToFileURL(join(this.runDir(header.id), 'artifacts')).href,
      history: [],
    };
    const seen = new Set<string>();
    const latest = new Map<string, MetricPoint>();
    entries.forEach((e, i) => {
      switch (e.t) {
        case 'params':
          Object.assign(run.params, e.params);
          break;
        case 'tags':
          Object.assign(run.tags, e.tags);
          break;
        case 'metrics':
          for (const m of e.m as [string, number | string, number, number | bigint][]) {
            const point: MetricPoint = { key: m[0], value: num(m[1]), timestamp: m[2], step: m[3] };
            // Identical points are stored once, as MLflow's primary key does.
            const id = `${point.key}\u0000${point.timestamp}\u0000${point.step}\u0000${point.value}`;
            if (seen.has(id)) continue;
            seen.add(id);
            run.history.push(point);
            const prev = latest.get(point.key);
            if (
              !prev ||
              point.step > prev.step ||
              (point.step === prev.step &&
                (point.timestamp > prev.timestamp ||
                  (point.timestamp === prev.timestamp && point.value > prev.value)))
            )
              latest.set(point.key, point);
          }
          break;
        case 'inputs':
          for (const d of e.inputs as DatasetInput[])
            if (!run.inputs.some((x) => x.name === d.name && x.digest === d.digest)) run.inputs.push(d);
          break;
        case 'status':
          run.status = e.status as RunStatus;
          run.endTime = (e.endTime as number | null) ?? null;
          break;
        default:
          throw corrupt(file, `line ${i + 1} has an unknown entry type ${JSON.stringify(e.t)}`);
      }
    });
    for (const [key, p] of latest) run.metrics[key] = p.value;
    return run;
  }

  private async load(runId: string): Promise<Run & { history: MetricPoint[] }> {
    const header = await this.header(runId);
    return this.fold(header, await this.journal(runId), join(this.runDir(runId), 'journal.jsonl'));
  }

  async getRun(runId: string): Promise<Run> {
    const { history: _history, ...run } = await this.load(runId);
    return run;
  }

  async searchRuns(
    experimentIds: string[],
    options: { filter?: string; maxResults?: number; orderBy?: string[] } = {},
  ): Promise<Run[]> {
    const clauses = parseFilter(options.filter ?? '');
    const dir = join(this.root, 'runs');
    const ids = await readdir(dir).catch(() => [] as string[]);
    const runs: Run[] = [];
    for (const id of ids) {
      if (id.startsWith('.')) continue;
      const header = await readJsonFile<RunHeader>(join(dir, id, 'run.json'));
      if (!header || !experimentIds.includes(header.experimentId)) continue; // half-created run: skipped
      const run = await this.getRun(id);
      if (matchRun(run, clauses)) runs.push(run);
    }
    return sortRuns(runs, options.orderBy).slice(0, options.maxResults ?? runs.length);
  }

  async setRunStatus(runId: string, status: RunStatus, endTime?: number): Promise<void> {
    const terminal = status === 'FINISHED' || status === 'FAILED' || status === 'KILLED';
    await this.append(runId, [{ t: 'status', status, endTime: endTime ?? (terminal ? Date.now() : null) }]);
  }

  async logParams(runId: string, params: Record<string, string | number | boolean>): Promise<void> {
    const checked = checkParams(params);
    await this.append(runId, [{ t: 'params', params: checked }], (run) => {
      for (const [key, value] of Object.entries(checked))
        if (run.params[key] !== undefined && run.params[key] !== value)
          throw new SlipwayError(
            'TRACKING_PARAM_CHANGED',
            `run ${runId}: param "${key}" is already "${run.params[key]}" and cannot change to "${value}"`,
            { hint: 'params are write-once; start a new run or use a tag for values that change' },
          );
    });
  }

  async setTags(runId: string, tags: Record<string, string>): Promise<void> {
    checkTags(tags);
    await this.append(runId, [{ t: 'tags', tags }]);
  }

  async logMetrics(runId: string, points: MetricPoint[]): Promise<void> {
    for (const p of points) checkMetric(p);
    const entries: Entry[] = [];
    // Lines of ≤1000 points keep each append small; the whole call is one append under one lock.
    for (let i = 0; i < points.length; i += LIMITS.batchMetrics)
      entries.push({
        t: 'metrics',
        m: points.slice(i, i + LIMITS.batchMetrics).map((p) => [p.key, p.value, p.timestamp, p.step]),
      });
    if (entries.length) await this.append(runId, entries);
  }

  async logInputs(runId: string, inputs: DatasetInput[]): Promise<void> {
    for (const input of inputs) checkDataset(input);
    await this.append(runId, [{ t: 'inputs', inputs }]);
  }

  async getMetricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    const run = await this.load(runId);
    return sortPoints(run.history.filter((p) => p.key === key));
  }

  // ---- artifacts

  private artifactsDir(runId: string): string {
    return join(this.runDir(runId), 'artifacts');
  }

  async logArtifact(runId: string, localPath: string, artifactPath?: string): Promise<void> {
    await this.header(runId);
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
    for (const [full, rel] of files) {
      const target = join(this.artifactsDir(runId), ...rel.split('/'));
      await mkdir(dirname(target), { recursive: true });
      const tmp = reserveTemp(target);
      try {
        await pipeline(createReadStream(full), createWriteStream(tmp));
        await commitTemp(tmp, target);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    }
  }

  async listArtifacts(runId: string, path?: string): Promise<ArtifactInfo[]> {
    await this.header(runId);
    const rel = path ? artifactRelPath(path) : '';
    const dir = join(this.artifactsDir(runId), ...rel.split('/').filter(Boolean));
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const out: ArtifactInfo[] = [];
    for (const e of entries) {
      if (e.name.startsWith('.') && e.name.endsWith('.tmp')) continue; // an upload in flight
      const p = rel ? `${rel}/${e.name}` : e.name;
      out.push({
        path: p,
        isDir: e.isDirectory(),
        size: e.isDirectory() ? null : (await stat(join(dir, e.name))).size,
      });
    }
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }

  async downloadArtifact(runId: string, path: string, destination: string): Promise<string> {
    await this.header(runId);
    const rel = artifactRelPath(path);
    const source = join(this.artifactsDir(runId), ...rel.split('/'));
    const target = join(destination, ...rel.split('/'));
    const info = await stat(source).catch(() => null);
    if (!info)
      throw notFound(`artifact "${rel}" of run ${runId}`, "list the run's artifacts with listArtifacts");
    if (info.isDirectory()) {
      await mkdir(target, { recursive: true });
      for (const child of await this.listArtifacts(runId, rel))
        await this.downloadArtifact(runId, child.path, destination);
      return target;
    }
    await mkdir(dirname(target), { recursive: true });
    const tmp = reserveTemp(target);
    try {
      await pipeline(createReadStream(source), createWriteStream(tmp));
      await commitTemp(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return target;
  }

  // ---- registry

  private modelDir(name: string): string {
    checkModelName(name);
    return join(this.root, 'models', encodeURIComponent(name));
  }

  private async modelFile(name: string): Promise<ModelFile> {
    const file = join(this.modelDir(name), 'model.json');
    const model = await readJsonFile<ModelFile>(file);
    if (!model)
      throw notFound(
        `registered model "${name}" in ${this.root}`,
        'register it first (ensureRegisteredModel)',
      );
    if (typeof model.name !== 'string') throw corrupt(file, 'is not a registered-model record');
    return model;
  }

  private async versions(name: string): Promise<VersionFile[]> {
    const dir = join(this.modelDir(name), 'versions');
    const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => /^\d+\.json$/.test(f));
    const out: VersionFile[] = [];
    for (const f of files) {
      const v = await readJsonFile<VersionFile>(join(dir, f));
      if (!v || typeof v.version !== 'string') throw corrupt(join(dir, f), 'is not a model-version record');
      out.push(v);
    }
    return out.sort((a, b) => Number(a.version) - Number(b.version));
  }

  private toModel(model: ModelFile, versions: VersionFile[]): RegisteredModel {
    return {
      name: model.name,
      ...(model.description ? { description: model.description } : {}),
      tags: model.tags,
      aliases: { ...model.aliases },
      latestVersion: versions.length ? (versions[versions.length - 1] as VersionFile).version : null,
    };
  }

  private toVersion(name: string, model: ModelFile, v: VersionFile): ModelVersion {
    return {
      name,
      version: v.version,
      source: v.source,
      runId: v.runId,
      tags: v.tags,
      aliases: Object.entries(model.aliases)
        .filter(([, ver]) => ver === v.version)
        .map(([a]) => a)
        .sort(),
      createdAt: v.createdAt,
      ...(v.description ? { description: v.description } : {}),
    };
  }

  async ensureRegisteredModel(
    name: string,
    options: { description?: string; tags?: Record<string, string> } = {},
  ): Promise<RegisteredModel> {
    if (options.tags) checkTags(options.tags, LIMITS.modelTagValue);
    await this.ready();
    const dir = this.modelDir(name);
    return withDirectoryLock(
      dir,
      async () => {
        const file = join(dir, 'model.json');
        let model = await readJsonFile<ModelFile>(file);
        if (!model) {
          model = {
            name,
            ...(options.description ? { description: options.description } : {}),
            tags: options.tags ?? {},
            aliases: {},
            createdAt: Date.now(),
          };
          await writeJsonAtomic(file, model);
        }
        return this.toModel(model, await this.versions(name));
      },
      { name: LOCK },
    );
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.toModel(await this.modelFile(name), await this.versions(name));
  }

  async searchRegisteredModels(
    options: { filter?: string; maxResults?: number } = {},
  ): Promise<RegisteredModel[]> {
    const clauses = parseFilter(options.filter ?? '', 'attributes');
    const dirs = await readdir(join(this.root, 'models')).catch(() => [] as string[]);
    const out: RegisteredModel[] = [];
    for (const d of dirs) {
      if (d.startsWith('.')) continue;
      const name = decodeURIComponent(d);
      const model = await readJsonFile<ModelFile>(join(this.root, 'models', d, 'model.json'));
      if (!model) continue;
      const ok = clauses.every((c) => {
        if (c.entity === 'tags') return compare(model.tags[c.key], c.op, c.value);
        if (c.key === 'name') return compare(model.name, c.op, c.value);
        throw new SlipwayError(
          'TRACKING_INVALID_FILTER',
          `filter "${options.filter}": only name and tags.<key> are searchable`,
          {
            hint: "e.g. name LIKE 'churn%'",
          },
        );
      });
      if (ok) out.push(this.toModel(model, await this.versions(name)));
    }
    return out.sort((a, b) => a.name.localeCompare(b.name)).slice(0, options.maxResults ?? out.length);
  }

  async createModelVersion(
    name: string,
    source: string,
    options: { runId?: string; tags?: Record<string, string>; description?: string } = {},
  ): Promise<ModelVersion> {
    if (options.tags) checkTags(options.tags, LIMITS.modelTagValue);
    const dir = this.modelDir(name);
    return withDirectoryLock(
      dir,
      async () => {
        const model = await this.modelFile(name);
        const versions = await this.versions(name);
        const next = String(versions.reduce((m, v) => Math.max(m, Number(v.version)), 0) + 1);
        const v: VersionFile = {
          version: next,
          source,
          runId: options.runId ?? null,
          tags: options.tags ?? {},
          createdAt: Date.now(),
          ...(options.description ? { description: options.description } : {}),
        };
        await writeJsonAtomic(join(dir, 'versions', `${next}.json`), v);
        return this.toVersion(name, model, v);
      },
      { name: LOCK },
    );
  }

  private async version(name: string, version: string): Promise<[ModelFile, VersionFile]> {
    const model = await this.modelFile(name);
    if (!/^\d+$/.test(version))
      throw notFound(`version "${version}" of model "${name}"`, 'versions are numbers: 1, 2, …');
    const v = await readJsonFile<VersionFile>(join(this.modelDir(name), 'versions', `${version}.json`));
    if (!v)
      throw notFound(`version ${version} of model "${name}"`, 'list versions with `slipway models show`');
    return [model, v];
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    const [model, v] = await this.version(name, version);
    return this.toVersion(name, model, v);
  }

  async searchModelVersions(name: string): Promise<ModelVersion[]> {
    const model = await readJsonFile<ModelFile>(join(this.modelDir(name), 'model.json'));
    if (!model) return [];
    return (await this.versions(name)).map((v) => this.toVersion(name, model, v));
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    checkTags({ [key]: value }, LIMITS.modelTagValue);
    await withDirectoryLock(
      this.modelDir(name),
      async () => {
        const [, v] = await this.version(name, version);
        v.tags = { ...v.tags, [key]: value };
        await writeJsonAtomic(join(this.modelDir(name), 'versions', `${version}.json`), v);
      },
      { name: LOCK },
    );
  }

  private async updateAliases(
    name: string,
    change: (aliases: Record<string, string>) => void,
  ): Promise<void> {
    await withDirectoryLock(
      this.modelDir(name),
      async () => {
        const model = await this.modelFile(name);
        change(model.aliases);
        await writeJsonAtomic(join(this.modelDir(name), 'model.json'), model);
      },
      { name: LOCK },
    );
  }

  async setAlias(
    name: string,
    alias: string,
    version: string,
    options: { expected?: string | null } = {},
  ): Promise<void> {
    checkAlias(alias);
    await this.version(name, version);
    await this.updateAliases(name, (a) => {
      if (options.expected !== undefined) checkExpectedAlias(name, alias, a[alias] ?? null, options.expected);
      a[alias] = version;
    });
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    checkAlias(alias);
    await this.updateAliases(name, (a) => {
      delete a[alias];
    });
  }

  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion | null> {
    checkAlias(alias);
    const model = await this.modelFile(name);
    const version = model.aliases[alias];
    return version === undefined ? null : this.getModelVersion(name, version);
  }

  // ---- append-only logs

  async appendLog(name: string, line: string, options: { at?: number } = {}): Promise<void> {
    checkLogName(name);
    checkLogLine(name, line);
    await this.ready();
    const dir = join(this.root, 'logs');
    const file = join(dir, `${name}.log`);
    await withDirectoryLock(
      dir,
      async () => {
        if (options.at !== undefined) {
          const held = (await readLines(file)).length;
          if (held + 1 !== options.at) throw positionTaken(name, options.at, held);
        }
        await appendLines(file, `${line}\n`);
      },
      { name: LOCK },
    );
  }

  async readLog(name: string): Promise<string> {
    checkLogName(name);
    const lines = await readLines(join(this.root, 'logs', `${name}.log`));
    return lines.map((l) => `${l}\n`).join('');
  }

  async readLogLines(name: string): Promise<LogLine[]> {
    checkLogName(name);
    const lines = await readLines(join(this.root, 'logs', `${name}.log`));
    return lines.map((line, i) => ({ position: i + 1, line }));
  }
}
