import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { configSchema, loadConfig, type SlipwayConfig, SlipwayError, writeFileAtomic } from '@slipway/core';
import {
  allowAuditedPackageCode,
  auditEvents,
  buildManifests,
  createLoader,
  type GuardAuditRecord,
  governance,
  policyGuard,
  type RolloutEvent,
  type RolloutState,
  rolloutSteps,
  type ServingConfig,
  startServer,
} from '@slipway/serving';
import type { Command, CommandContext } from '../command.js';
import { outputRoot } from '../output-root.js';
import { parseModelRef } from '../project.js';
import { projectTrackingUri } from '../tracking-uri.js';

/**
 * The loader's source for a model reference as every other command takes it: a package directory stays a
 * path; `champion`, `3`, `name@alias`, `name:3` become `models:/…` (the project's model by default).
 */
export function servingSource(ref: string, root: string, config: SlipwayConfig | null): string {
  if (/^models:\//.test(ref) || existsSync(resolve(root, ref))) return ref;
  const parsed = parseModelRef(ref, config?.model.name ?? config?.project.name ?? '');
  if (!parsed?.name) return ref;
  return parsed.alias ? `models:/${parsed.name}@${parsed.alias}` : `models:/${parsed.name}/${parsed.version}`;
}

const servingDefaults = (): ServingConfig => configSchema.shape.serving.unwrap().parse({}) as ServingConfig;

/** The project config when there is one; serving works on a bare package directory too. */
async function projectConfig(
  ctx: CommandContext,
): Promise<{ config: SlipwayConfig | null; serving: ServingConfig; root: string }> {
  try {
    const loaded = await loadConfig({
      cwd: ctx.cwd,
      ...(typeof ctx.flags.config === 'string' ? { file: ctx.flags.config } : {}),
    });
    return { config: loaded.config, serving: loaded.config.serving, root: loaded.root };
  } catch (err) {
    if ((err as SlipwayError).code === 'CONFIG_NOT_FOUND' && typeof ctx.flags.config !== 'string') {
      return { config: null, serving: servingDefaults(), root: ctx.cwd };
    }
    throw err;
  }
}

const configFlag = {
  config: {
    type: 'string' as const,
    value: '<file>',
    description: 'config file (default: slipway.config.ts in --cwd or a parent)',
  },
};

const adminFlags = {
  ...configFlag,
  url: {
    type: 'string' as const,
    value: '<url>',
    description: 'server URL (default: http://<serving.host>:<serving.port>)',
  },
  model: {
    type: 'string' as const,
    value: '<name>',
    description: 'served model name (default: the only one)',
  },
};

/** Calls the running server's admin API with the bearer token from serving.adminTokenEnv. */
async function admin(ctx: CommandContext, method: string, action: string, body?: unknown): Promise<unknown> {
  const { serving } = await projectConfig(ctx);
  const base =
    typeof ctx.flags.url === 'string'
      ? ctx.flags.url.replace(/\/+$/, '')
      : `http://${serving.host}:${serving.port}`;
  const token = process.env[serving.adminTokenEnv];
  if (!token) {
    throw new SlipwayError('NO_ADMIN_TOKEN', `${serving.adminTokenEnv} is not set`, {
      hint: `export ${serving.adminTokenEnv}=<the token the server was started with>`,
    });
  }
  // Who acts is the server's business: it is the name of this admin token, never a header we write.
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const call = async (path: string, m: string, b?: unknown) => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method: m,
        headers,
        ...(b === undefined ? {} : { body: JSON.stringify(b) }),
      });
    } catch (err) {
      throw new SlipwayError('SERVER_UNREACHABLE', `cannot reach ${base} (${(err as Error).message})`, {
        hint: 'start it with `slipway serve`, or pass --url',
      });
    }
    const text = await res.text();
    let json: unknown = text;
    try {
      json = JSON.parse(text);
    } catch {}
    if (!res.ok) {
      const e = json as { error?: string; code?: string; hint?: string };
      throw new SlipwayError(
        e.code ?? `HTTP_${res.status}`,
        `${m} ${path}: ${res.status} ${e.error ?? text}`,
        e.hint ? { hint: e.hint } : {},
      );
    }
    return json;
  };
  let model = typeof ctx.flags.model === 'string' ? ctx.flags.model : undefined;
  if (!model) {
    const names = (await call('/admin/models', 'GET')) as string[];
    if (names.length !== 1) {
      throw new SlipwayError('MODEL_REQUIRED', `the server serves ${names.length} models`, {
        hint: `pass --model (one of ${names.join(', ')})`,
      });
    }
    model = names[0] as string;
  }
  return call(`/admin/models/${encodeURIComponent(model)}/${action}`, method, body);
}

/**
 * `name:version` and `name@alias` become registry references; a path stays a path (resolved here,
 * as the server may run elsewhere), which the server refuses for rollouts with the reason.
 */

function renderState(data: unknown): string {
  const s = data as RolloutState;
  const lines = [
    `model:   ${s.model}`,
    `phase:   ${s.phase}${s.pause ? ` (${s.pause.reason}${s.pause.until ? ` until ${s.pause.until}` : ''})` : ''}`,
    `stable:  ${s.stable ? `${s.stable.version} (${s.stable.source})` : '-'}`,
    `canary:  ${s.canary ? `${s.canary.version} (${s.canary.source}), weight ${s.weight}%` : '-'}`,
  ];
  if (s.currentStepIndex !== null) lines.push(`step:    ${s.currentStepIndex + 1} of ${s.steps.length}`);
  if (s.analysis) {
    lines.push(`analysis (step ${s.analysis.step + 1}): ${s.analysis.phase}`);
    for (const m of s.analysis.metrics) {
      const last = m.measurements.at(-1);
      lines.push(
        `  ${m.name}: ${m.phase}, ${m.count} measured, ${m.failed} failed${last ? `, last ${last.value ?? 'no data'}` : ''}`,
      );
    }
  }
  lines.push(s.message);
  return lines.join('\n');
}

export const servingCommands: Command[] = [
  {
    name: 'serve',
    summary: 'serve model packages over Open Inference Protocol v2 and POST /predict, with canary rollouts',
    args: '[model...]',
    description:
      'Each model is a package directory or a registry reference, as for every command: <alias>, <version>, <name>@<alias>, <name>:<version>, models:/<name>@<alias>; ' +
      'NAME=SOURCE names it. Without one, serving.model from the config is served. Stops gracefully on SIGTERM.',
    flags: {
      ...configFlag,
      host: { type: 'string', value: '<host>', description: 'address to listen on (default serving.host)' },
      port: {
        type: 'string',
        value: '<port>',
        description: 'port (default serving.port; 0 picks a free one)',
      },
      'no-batching': { type: 'boolean', description: 'turn micro-batching off' },
      'allow-package-code': {
        type: 'boolean',
        description:
          'run custom-transform code bundled in packages whose transform this process has not registered (warned and audited; default: refused)',
      },
    },
    async run(ctx) {
      const { config, serving, root } = await projectConfig(ctx);
      const cfg: ServingConfig = { ...serving };
      if (typeof ctx.flags.host === 'string') cfg.host = ctx.flags.host;
      if (typeof ctx.flags.port === 'string') {
        const p = Number(ctx.flags.port);
        if (!Number.isInteger(p) || p < 0 || p > 65535)
          throw new SlipwayError('BAD_FLAG', `--port ${ctx.flags.port} is not a port number`, {
            hint: 'use 0..65535',
          });
        cfg.port = p;
      }
      if (ctx.flags['no-batching'] === true) cfg.microBatch = false;
      const sources = ctx.positionals.length > 0 ? ctx.positionals : cfg.model ? [cfg.model] : [];
      if (sources.length === 0) {
        throw new SlipwayError('NO_MODEL', 'nothing to serve', {
          hint: 'pass a model package directory or models:/<name>@<alias>, or set serving.model',
        });
      }
      const models = sources.map((s) => {
        const m = /^([a-z0-9][a-z0-9-]*)=(.+)$/.exec(s);
        return m
          ? { name: m[1] as string, source: servingSource(m[2] as string, root, config) }
          : { source: servingSource(s, root, config) };
      });
      let onEvent: ((e: RolloutEvent) => Promise<void>) | undefined;
      const warn = (msg: string) => process.stderr.write(`slipway serve: ${msg}\n`);
      const allowCode = ctx.flags['allow-package-code'] === true || cfg.allowPackageCode;
      const keyEnv = config?.governance.auditKeyEnv ?? 'SLIPWAY_AUDIT_KEY';
      const key = process.env[keyEnv] ?? null;
      let sink: unknown = null;
      let sinkProblem = '';
      let audit: {
        read(): Promise<string[]>;
        append(r: GuardAuditRecord): Promise<void>;
        key: string | null;
      } = {
        read: async () => [],
        append: async () => {
          throw new SlipwayError('NO_AUDIT_LOG', 'the audit log is not available', {
            hint: 'check the tracking store (tracking.uri)',
          });
        },
        key,
      };
      try {
        const g = await governance();
        const { openStore } = await import('@slipway/tracking');
        const store = g.storeAuditSink(await openStore(projectTrackingUri(config), { cwd: root })) as {
          read(): Promise<string[]>;
        };
        sink = store;
        onEvent = await auditEvents(store, { key });
        audit = {
          read: () => store.read(),
          // Policy decisions carry governance's own outcomes (allowed/refused).
          append: async (r) => {
            await g.appendAudit(store, r as unknown as Parameters<typeof g.appendAudit>[1], { key });
          },
          key,
        };
      } catch (err) {
        sinkProblem = (err as Error).message;
        warn(`rollout events are not audited: ${sinkProblem}`);
      }
      if (allowCode) {
        if (!sink) {
          throw new SlipwayError(
            'PACKAGE_CODE_NOT_AUDITED',
            `--allow-package-code needs the audit log, which cannot be opened (${sinkProblem})`,
            { hint: 'run in a project whose tracking store is writable, or register the transforms instead' },
          );
        }
        await allowAuditedPackageCode({
          sink,
          key: process.env[keyEnv] ?? null,
          warn,
          actor: process.env.GITHUB_ACTOR ?? process.env.USER ?? null,
        });
      }
      // Every admin action that moves traffic is checked against the project's policy; without a
      // project (a bare package directory) nothing can be rolled out, only served and aborted.
      const rolloutGuard = policyGuard({
        root,
        policyPath: config?.governance.policy ?? 'slipway.policy.yaml',
        ...(projectTrackingUri(config) ? { trackingUri: projectTrackingUri(config) } : {}),
        environment: cfg.rollout.environment,
        aliases: cfg.rollout.aliases,
        audit,
        warn,
      });
      const token = process.env[cfg.adminTokenEnv];
      const server = await startServer({
        config: cfg,
        root,
        models,
        load: createLoader({ cwd: root, ...(config ? { trackingUri: config.tracking.uri } : {}) }),
        ...(token ? { adminToken: token } : {}),
        rolloutGuard,
        ...(onEvent ? { onEvent } : {}),
        warn,
      });
      const served = [...server.deployments.values()].map((d) => ({
        name: d.name,
        version: d.stable.version,
        source: d.stable.loaded.source,
      }));
      ctx.output({ url: server.url, models: served, admin: Boolean(token) }, () =>
        [
          `serving on ${server.url}`,
          ...served.map((m) => `  ${m.name} ${m.version} (${m.source})`),
          token ? '  admin API on' : `  admin API off (set ${cfg.adminTokenEnv})`,
        ].join('\n'),
      );
      await new Promise<void>((done) => {
        const stop = (signal: string) => {
          warn(`${signal}: finishing in-flight requests`);
          server.close().then(done, done);
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      return 0;
    },
  },
  {
    name: 'canary start',
    summary:
      'start a canary rollout of a model package on a running server (or --shadow: mirror traffic to it)',
    args: '<package>',
    flags: {
      ...adminFlags,
      shadow: {
        type: 'string',
        value: '<percent>',
        description:
          'mirror this share of requests to the package instead (answers discarded, compared); 0 ends it',
      },
    },
    async run(ctx) {
      const source = ctx.positionals[0];
      const shadow = typeof ctx.flags.shadow === 'string' ? Number(ctx.flags.shadow) : undefined;
      if (shadow !== undefined && !(shadow >= 0 && shadow <= 100)) {
        throw new SlipwayError('BAD_FLAG', `--shadow ${ctx.flags.shadow} is not a percentage`, {
          hint: 'use 0..100',
        });
      }
      if (shadow === 0) {
        ctx.output(await admin(ctx, 'DELETE', 'shadow'), () => 'shadow traffic ended');
        return;
      }
      if (!source)
        throw new SlipwayError('MISSING_ARGUMENT', 'which package?', {
          hint: 'slipway canary start <dir | models:/name@alias>',
        });
      // A path is resolved here: the server may run in another directory.
      const abs = existsSync(resolve(ctx.cwd, source))
        ? resolve(ctx.cwd, source)
        : await projectConfig(ctx).then(({ config, root }) => servingSource(source, root, config));
      if (shadow !== undefined) {
        ctx.output(await admin(ctx, 'PUT', 'shadow', { source: abs, percent: shadow }), (d) => {
          const m = d as { parameters: { shadow: { version: string; percent: number } } };
          return `mirroring ${m.parameters.shadow.percent}% of requests to ${m.parameters.shadow.version}`;
        });
        return;
      }
      // The project's steps (or the safe default) travel with the request, whatever the server was started with.
      const { serving } = await projectConfig(ctx);
      ctx.output(
        await admin(ctx, 'POST', 'rollout', { source: abs, steps: rolloutSteps(serving.rollout.steps) }),
        renderState,
      );
    },
  },
  {
    name: 'canary status',
    summary: 'show the rollout state of a running server',
    flags: adminFlags,
    async run(ctx) {
      ctx.output(await admin(ctx, 'GET', 'rollout'), renderState);
    },
  },
  {
    name: 'canary promote',
    summary: 'resume a paused rollout, or with --full make the canary stable now',
    flags: { ...adminFlags, full: { type: 'boolean', description: 'skip the remaining steps' } },
    async run(ctx) {
      ctx.output(await admin(ctx, 'POST', 'rollout/promote', { full: ctx.flags.full === true }), renderState);
    },
  },
  {
    name: 'canary abort',
    summary: 'abort the rollout: all traffic back to stable',
    flags: {
      ...adminFlags,
      reason: { type: 'string', value: '<text>', description: 'why (goes to the audit log)' },
    },
    async run(ctx) {
      const reason = typeof ctx.flags.reason === 'string' ? ctx.flags.reason : undefined;
      ctx.output(await admin(ctx, 'POST', 'rollout/abort', reason ? { reason } : {}), renderState);
    },
  },
  {
    name: 'deploy manifests',
    summary: 'write Kubernetes + Argo Rollouts manifests (Deployment, Services, Rollout, AnalysisTemplates)',
    flags: {
      ...configFlag,
      name: { type: 'string', value: '<name>', description: 'app/model name (default: project name)' },
      model: {
        type: 'string',
        value: '<source>',
        description: 'what the container serves (default serving.model)',
      },
      image: {
        type: 'string',
        value: '<image>',
        description: 'container image (default serving.kubernetes.image)',
      },
      namespace: {
        type: 'string',
        value: '<ns>',
        description: 'namespace (default serving.kubernetes.namespace)',
      },
      out: { type: 'string', value: '<file>', description: 'write the YAML here instead of stdout' },
    },
    async run(ctx) {
      const { config, serving } = await projectConfig(ctx);
      const name = typeof ctx.flags.name === 'string' ? ctx.flags.name : config?.project.name;
      if (!name || !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)) {
        throw new SlipwayError('BAD_NAME', `"${name ?? ''}" is not a Kubernetes name`, {
          hint: 'pass --name with lower-case letters, digits and dashes',
        });
      }
      const modelSource = typeof ctx.flags.model === 'string' ? ctx.flags.model : serving.model;
      if (!modelSource)
        throw new SlipwayError('NO_MODEL', 'what should the pods serve?', {
          hint: 'pass --model models:/<name>@champion or set serving.model',
        });
      const m = buildManifests({
        name,
        modelSource,
        config: serving,
        ...(typeof ctx.flags.image === 'string' ? { image: ctx.flags.image } : {}),
        ...(typeof ctx.flags.namespace === 'string' ? { namespace: ctx.flags.namespace } : {}),
      });
      if (typeof ctx.flags.out === 'string') {
        const out = resolve(ctx.cwd, ctx.flags.out);
        await writeFileAtomic(out, m.yaml, { given: ctx.flags.out, ...outputRoot(ctx.cwd) });
        ctx.output(
          { file: out, objects: m.objects.map((o) => `${o.kind}/${o.metadata?.name}`) },
          (d) => `wrote ${(d as { file: string }).file}`,
        );
      } else if (ctx.json) {
        ctx.output(m.objects.map((o) => o.toJSON()));
      } else {
        process.stdout.write(m.yaml);
      }
    },
  },
];
