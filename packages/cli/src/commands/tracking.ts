import { findConfigFile, loadConfig, SlipwayError } from '@slipway/core';
import { type Experiment, openStore, type Run, type Store } from '@slipway/tracking';
import type { Command, CommandContext } from '../command.js';
import { renderTable } from '../table.js';

const storeFlags = {
  uri: {
    type: 'string' as const,
    value: '<uri>',
    description:
      'tracking store: a directory or an http(s) MLflow URL (default: env, then tracking.uri, then .slipway)',
  },
  config: {
    type: 'string' as const,
    value: '<file>',
    description: 'config file (default: slipway.config.ts in --cwd or a parent, when there is one)',
  },
};

/** --uri, then SLIPWAY_TRACKING_URI / MLFLOW_TRACKING_URI, then the config's tracking.uri, then `.slipway`. */
async function withStore<T>(
  ctx: CommandContext,
  fn: (store: Store, experiment?: string) => Promise<T>,
): Promise<T> {
  let uri = typeof ctx.flags.uri === 'string' ? ctx.flags.uri : undefined;
  let cwd = ctx.cwd;
  let experiment: string | undefined;
  const configFile = typeof ctx.flags.config === 'string' ? ctx.flags.config : findConfigFile(ctx.cwd);
  if (configFile) {
    const loaded = await loadConfig({ cwd: ctx.cwd, file: configFile });
    experiment = loaded.config.tracking.experiment;
    if (!uri && !process.env.SLIPWAY_TRACKING_URI && !process.env.MLFLOW_TRACKING_URI) {
      uri = loaded.config.tracking.uri;
      cwd = loaded.root;
    }
  }
  const store = await openStore(uri, { cwd });
  try {
    return await fn(store, experiment);
  } finally {
    await store.close();
  }
}

const time = (ms: number | null) =>
  ms === null ? '' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

function metricSummary(run: Run, max = 3): string {
  const entries = Object.entries(run.metrics).sort(([a], [b]) => a.localeCompare(b));
  const shown = entries.slice(0, max).map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toPrecision(4)}`);
  return entries.length > max ? `${shown.join(' ')} …` : shown.join(' ');
}

function positiveInt(ctx: CommandContext, flag: string, fallback: number): number {
  const raw = ctx.flags[flag];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0)
    throw new SlipwayError('USAGE', `--${flag} ${String(raw)} is not a positive integer`, {
      hint: `e.g. --${flag} 20`,
    });
  return n;
}

/** Tables by default, piped or not, like every other verb; `--json` is the machine-readable form. */
function human(_ctx: CommandContext, render: () => string): (data: unknown) => string {
  return render;
}

function requireArg(ctx: CommandContext, what: string): string {
  const value = ctx.positionals[0];
  if (!value)
    throw new SlipwayError('USAGE', `missing ${what}`, {
      hint: `slipway ${what === 'run id' ? 'runs show <id>' : 'models show <name>'}`,
    });
  return value;
}

export const trackingCommands: Command[] = [
  {
    name: 'runs list',
    summary: 'list tracked runs, newest first',
    flags: {
      ...storeFlags,
      experiment: {
        type: 'string',
        value: '<name>',
        description: 'only this experiment (default: tracking.experiment, else all)',
      },
      limit: { type: 'string', value: '<n>', description: 'at most n runs (default 50)' },
      filter: {
        type: 'string',
        value: '<expr>',
        description: 'MLflow search filter, e.g. "metrics.auc > 0.8"',
      },
    },
    async run(ctx) {
      const limit = positiveInt(ctx, 'limit', 50);
      const runs = await withStore(ctx, async (store, configured) => {
        const wanted = typeof ctx.flags.experiment === 'string' ? ctx.flags.experiment : configured;
        const experiments = await store.listExperiments();
        const chosen: Experiment[] = wanted ? experiments.filter((e) => e.name === wanted) : experiments;
        if (wanted && chosen.length === 0)
          throw new SlipwayError(
            'TRACKING_NOT_FOUND',
            `experiment "${wanted}" does not exist in ${store.uri}`,
            {
              hint: `experiments there: ${experiments.map((e) => e.name).join(', ') || '(none)'}`,
            },
          );
        if (chosen.length === 0) return [];
        const names = new Map(chosen.map((e) => [e.id, e.name]));
        const found = await store.searchRuns(
          chosen.map((e) => e.id),
          {
            maxResults: limit,
            orderBy: ['attributes.start_time DESC'],
            ...(typeof ctx.flags.filter === 'string' ? { filter: ctx.flags.filter } : {}),
          },
        );
        return found.map((r) => ({ ...r, experiment: names.get(r.experimentId) ?? r.experimentId }));
      });
      ctx.output(
        runs,
        human(ctx, () =>
          runs.length === 0
            ? 'no runs'
            : renderTable(
                ['RUN', 'EXPERIMENT', 'NAME', 'STATUS', 'STARTED', 'METRICS'],
                runs.map((r) => [r.id, r.experiment, r.name, r.status, time(r.startTime), metricSummary(r)]),
              ),
        ),
      );
    },
  },
  {
    name: 'runs show',
    summary: 'show one run: params, metrics, tags, dataset inputs, artifacts',
    args: '<run-id>',
    flags: storeFlags,
    async run(ctx) {
      const id = requireArg(ctx, 'run id');
      const data = await withStore(ctx, async (store) => {
        const run = await store.getRun(id);
        const artifacts = await store.listArtifacts(id);
        return { ...run, artifacts };
      });
      ctx.output(
        data,
        human(ctx, () => {
          const kv = (rec: Record<string, string | number>) =>
            Object.keys(rec).length === 0
              ? '  (none)'
              : renderTable(
                  ['KEY', 'VALUE'],
                  Object.entries(rec)
                    .sort(([a], [b]) => a.localeCompare(b))
                    .map(([k, v]) => [k, String(v).length > 80 ? `${String(v).slice(0, 79)}…` : v]),
                );
          return [
            `run ${data.id} (${data.name}) in experiment ${data.experimentId}`,
            `status ${data.status}, started ${time(data.startTime)}${data.endTime ? `, ended ${time(data.endTime)}` : ''}`,
            `artifacts at ${data.artifactUri}`,
            '',
            'params',
            kv(data.params),
            '',
            'metrics (latest)',
            kv(data.metrics),
            '',
            'tags',
            kv(data.tags),
            '',
            'dataset inputs',
            data.inputs.length === 0
              ? '  (none)'
              : renderTable(
                  ['NAME', 'DIGEST', 'CONTEXT', 'SOURCE'],
                  data.inputs.map((i) => [i.name, i.digest, i.context ?? '', i.source.slice(0, 60)]),
                ),
            '',
            'artifacts',
            data.artifacts.length === 0
              ? '  (none)'
              : renderTable(
                  ['PATH', 'SIZE'],
                  data.artifacts.map((a) => [a.isDir ? `${a.path}/` : a.path, a.size ?? '']),
                ),
          ].join('\n');
        }),
      );
    },
  },
  {
    name: 'models list',
    summary: 'list registered models with their latest version and aliases',
    flags: {
      ...storeFlags,
      filter: { type: 'string', value: '<expr>', description: 'e.g. "name LIKE \'churn%\'"' },
    },
    async run(ctx) {
      const models = await withStore(ctx, (store) =>
        store.searchRegisteredModels(
          typeof ctx.flags.filter === 'string' ? { filter: ctx.flags.filter } : {},
        ),
      );
      ctx.output(
        models,
        human(ctx, () =>
          models.length === 0
            ? 'no registered models'
            : renderTable(
                ['MODEL', 'LATEST', 'ALIASES', 'DESCRIPTION'],
                models.map((m) => [
                  m.name,
                  m.latestVersion ?? '',
                  Object.entries(m.aliases)
                    .sort(([a], [b]) => a.localeCompare(b))
                    .map(([a, v]) => `${a}→v${v}`)
                    .join(' '),
                  m.description ?? '',
                ]),
              ),
        ),
      );
    },
  },
  {
    name: 'models show',
    summary: 'show a registered model and its versions (source, run, aliases, tags)',
    args: '<name>',
    flags: storeFlags,
    async run(ctx) {
      const name = requireArg(ctx, 'model name');
      const data = await withStore(ctx, async (store) => ({
        ...(await store.getRegisteredModel(name)),
        versions: await store.searchModelVersions(name),
      }));
      ctx.output(
        data,
        human(ctx, () =>
          [
            `model ${data.name}${data.description ? `: ${data.description}` : ''}`,
            '',
            data.versions.length === 0
              ? 'no versions'
              : renderTable(
                  ['VERSION', 'ALIASES', 'RUN', 'CREATED', 'SOURCE', 'TAGS'],
                  data.versions.map((v) => [
                    v.version,
                    v.aliases.join(' '),
                    v.runId ?? '',
                    time(v.createdAt),
                    v.source,
                    Object.entries(v.tags)
                      .map(([k, val]) => `${k}=${val}`)
                      .join(' '),
                  ]),
                ),
          ].join('\n'),
        ),
      );
    },
  },
];
