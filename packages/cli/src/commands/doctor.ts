import { execFile } from 'node:child_process';
import { constants, existsSync } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { findConfigFile, type LoadedConfig, loadConfig, resolveProjectPath } from '@slipway/core';
import { availableBackends } from '@slipway/training';
import type { Command } from '../command.js';

const run = promisify(execFile);

export interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  /** What to do about a warn or fail: a command or an edit. */
  fix?: string;
}

async function toolVersion(cmd: string, args: string[]): Promise<string | null> {
  try {
    const { stdout, stderr } = await run(cmd, args, { timeout: 20_000 });
    return (stdout || stderr).trim().split('\n')[0] ?? '';
  } catch {
    return null;
  }
}

export async function doctor(cwd: string, options: { config?: string } = {}): Promise<Check[]> {
  const checks: Check[] = [];
  const major = Number(process.versions.node.split('.')[0]);
  checks.push({
    name: 'node',
    status: major >= 24 ? 'ok' : major >= 22 ? 'warn' : 'fail',
    detail: `v${process.versions.node}${major >= 24 ? '' : major >= 22 ? ' (works; GitHub runs Actions on Node 24)' : ' (Slipway needs Node 22 or newer)'}`,
  });

  const configFile = options.config ? resolve(cwd, options.config) : findConfigFile(cwd);
  let trackingUri = process.env.SLIPWAY_TRACKING_URI ?? process.env.MLFLOW_TRACKING_URI;
  let root = cwd;
  let loaded: LoadedConfig | null = null;
  if (!configFile || !existsSync(configFile)) {
    checks.push({
      name: 'config',
      status: 'fail',
      detail: options.config ? `${configFile} does not exist` : `no slipway.config.ts in ${cwd} or above`,
      fix: options.config ? 'pass the path of your slipway.config.ts' : 'run `slipway init`',
    });
  } else {
    try {
      loaded = await loadConfig({ cwd, ...(options.config ? { file: options.config } : {}) });
      root = loaded.root;
      trackingUri ??= loaded.config.tracking.uri;
      checks.push({ name: 'config', status: 'ok', detail: `${loaded.file} is valid` });
    } catch (err) {
      checks.push({
        name: 'config',
        status: 'fail',
        detail: (err as Error).message.split('\n').slice(0, 4).join(' / '),
        fix:
          (err as { hint?: string }).hint ??
          'edit the field named above (`slipway config print` shows the resolved config)',
      });
    }
  }
  if (loaded) checks.push(...(await projectChecks(loaded)));

  // Backends in the order `auto` tries them; native ones are optional peers (@slipway/training loads them).
  const backends = await availableBackends();
  const available = backends.filter((b) => b.available);
  const unavailable = backends.filter((b) => !b.available && !b.note?.endsWith('is not installed'));
  checks.push({
    name: 'tfjs backends',
    status: available.some((b) => b.name !== 'cpu') ? 'ok' : available.length ? 'warn' : 'fail',
    detail: available.length
      ? `available: ${available.map((b) => b.name).join(', ')} (auto picks ${available[0]!.name}${available[0]!.note ? `: ${available[0]!.note}` : ''})${unavailable.map((b) => `; ${b.note}`).join('')}`
      : 'none: install @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm',
  });

  const uri = trackingUri ?? '.slipway';
  if (/^https?:\/\//.test(uri)) {
    try {
      const res = await fetch(new URL('health', uri.endsWith('/') ? uri : `${uri}/`), {
        signal: AbortSignal.timeout(5000),
      });
      checks.push({
        name: 'tracking',
        status: res.ok ? 'ok' : 'fail',
        detail: `MLflow at ${uri} answered HTTP ${res.status}`,
        ...(res.ok
          ? {}
          : { fix: 'check the URL in SLIPWAY_TRACKING_URI / tracking.uri and the server logs' }),
      });
    } catch (err) {
      checks.push({
        name: 'tracking',
        status: 'fail',
        detail: `MLflow at ${uri} did not answer (${(err as Error).message})`,
        fix: 'start the MLflow server, or unset SLIPWAY_TRACKING_URI to use the embedded store (.slipway/)',
      });
    }
  } else {
    const dir = resolveProjectPath(root, uri);
    try {
      if (!existsSync(dir)) await mkdir(dir, { recursive: true });
      await access(dir, constants.W_OK);
      checks.push({ name: 'tracking', status: 'ok', detail: `local store at ${dir} is writable` });
    } catch (err) {
      checks.push({
        name: 'tracking',
        status: 'fail',
        detail: `local store at ${dir} is not writable (${(err as Error).message})`,
        fix: `make ${dir} writable by you, or set tracking.uri to a directory that is`,
      });
    }
  }

  const venvBin = resolve(root, '.venv-interop', 'bin');
  for (const [tool, args] of [
    ['dvc', ['--version']],
    ['mlflow', ['--version']],
  ] as const) {
    const local = join(venvBin, tool);
    const version = (await toolVersion(existsSync(local) ? local : tool, [...args])) ?? null;
    checks.push({
      name: `${tool} (optional)`,
      status: version ? 'ok' : 'warn',
      detail: version ?? 'not found; only needed for interop with existing DVC/MLflow setups',
    });
  }
  if (loaded) checks.push(...(await grantChecks(loaded)));
  return checks;
}

/** The datasets, label, features and schema the config names: present and consistent. */
async function projectChecks(loaded: LoadedConfig): Promise<Check[]> {
  const { config, root } = loaded;
  const checks: Check[] = [];
  const { describeDataset, readSchema } = await import('@slipway/data');
  const splits: [string, string][] = [
    ['train', config.data.train],
    ['eval', config.data.eval],
  ];
  let trainColumns: string[] | null = null;
  for (const [role, rel] of splits) {
    const path = resolveProjectPath(root, rel);
    if (!existsSync(path)) {
      const pointer = existsSync(`${path}.dvc`);
      checks.push({
        name: `data ${role}`,
        status: 'fail',
        detail: `${rel} (data.${role}) does not exist${pointer ? ` but ${rel}.dvc does` : ''}`,
        fix: pointer
          ? 'run `slipway data pull` (or `slipway data checkout`) to restore it'
          : `put your ${role} split at ${rel}, or point data.${role} in slipway.config.ts at it`,
      });
      continue;
    }
    try {
      const info = await describeDataset(path);
      const names = info.columns.map((c) => c.name);
      if (role === 'train') trainColumns = names;
      const problems: string[] = [];
      if (info.rowCount === 0) problems.push('has no rows');
      if (!names.includes(config.data.label)) problems.push(`has no label column "${config.data.label}"`);
      const missing = config.features.map((f) => f.column).filter((c) => !names.includes(c));
      if (missing.length) problems.push(`lacks feature column(s) ${missing.join(', ')}`);
      checks.push(
        problems.length
          ? {
              name: `data ${role}`,
              status: 'fail',
              detail: `${rel}: ${problems.join('; ')} (its columns: ${names.join(', ')})`,
              fix: 'name the label in data.label and one features entry per input column, as the file spells them',
            }
          : {
              name: `data ${role}`,
              status: 'ok',
              detail: `${rel}: ${info.rowCount.toLocaleString('en-US')} rows, label "${config.data.label}" and ${config.features.length} feature column(s) present`,
            },
      );
    } catch (err) {
      checks.push({
        name: `data ${role}`,
        status: 'fail',
        detail: (err as Error).message,
        fix: (err as { hint?: string }).hint ?? 'fix the file',
      });
    }
  }
  if (!config.data.schema) {
    checks.push({
      name: 'schema',
      status: 'warn',
      detail: 'data.schema is not set, so pull requests validate no data',
      fix: `run \`slipway data schema infer ${config.data.train}\` and set data.schema: 'schema.json'`,
    });
  } else if (!existsSync(resolveProjectPath(root, config.data.schema))) {
    checks.push({
      name: 'schema',
      status: 'warn',
      detail: `${config.data.schema} (data.schema) does not exist yet`,
      fix: `run \`slipway data schema infer ${config.data.train} --out ${config.data.schema}\``,
    });
  } else {
    try {
      const schema = await readSchema(resolveProjectPath(root, config.data.schema));
      const unknown = trainColumns
        ? schema.columns.filter((c) => c.required && !trainColumns!.includes(c.name)).map((c) => c.name)
        : [];
      checks.push(
        unknown.length
          ? {
              name: 'schema',
              status: 'fail',
              detail: `${config.data.schema} requires column(s) ${unknown.join(', ')} that ${config.data.train} lacks`,
              fix: `re-infer it: \`slipway data schema infer ${config.data.train} --out ${config.data.schema}\``,
            }
          : {
              name: 'schema',
              status: 'ok',
              detail: `${config.data.schema}: ${schema.columns.length} columns`,
            },
      );
    } catch (err) {
      checks.push({
        name: 'schema',
        status: 'fail',
        detail: (err as Error).message,
        fix: (err as { hint?: string }).hint ?? 're-infer it',
      });
    }
  }
  return checks;
}

/** Whether the person running doctor may register and promote under the policy, as the CLI would judge. */
async function grantChecks(loaded: LoadedConfig): Promise<Check[]> {
  const g = await import('@slipway/governance');
  const model = loaded.config.model.name ?? loaded.config.project.name;
  const alias = loaded.config.eval.baseline;
  const name = 'policy grants';
  try {
    const identity = await g.resolveIdentity({ cwd: loaded.root });
    const policy = await g.loadPolicyFor(identity, {
      projectRoot: loaded.root,
      policyPath: loaded.config.governance.policy,
      ref: null,
    });
    const denied: string[] = [];
    for (const action of ['register', `promote:${alias}`]) {
      const d = await g.authorize({
        policy: policy.policy,
        identity,
        action,
        model,
        lookup: g.offlineLookup,
      });
      if (!d.allowed) denied.push(`${action}: ${d.reason}`);
    }
    const who = identity.ci ? identity.login : `${identity.login} (matched as "@local")`;
    return [
      denied.length
        ? {
            name,
            status: 'warn',
            detail: `${who} may not ${denied.join('; ')}`,
            fix: identity.ci
              ? `add ${identity.login} (or its team) to a role granted these actions in ${loaded.config.governance.policy}`
              : `add "@local" to the members of a role granted register and promote:${alias} in ${loaded.config.governance.policy}`,
          }
        : {
            name,
            status: 'ok',
            detail: `${who} may register and promote:${alias} "${model}" under ${loaded.config.governance.policy}`,
          },
    ];
  } catch (err) {
    return [
      {
        name,
        status: 'warn',
        detail: (err as Error).message,
        fix: (err as { hint?: string }).hint ?? `fix ${loaded.config.governance.policy}`,
      },
    ];
  }
}

export const doctorCommands: Command[] = [
  {
    name: 'doctor',
    summary:
      'check Node, the config, the data (files, label, features, schema), the tracking store, your policy grants',
    flags: {
      config: {
        type: 'string',
        value: '<file>',
        description: 'config file (default: slipway.config.ts in --cwd or a parent)',
      },
    },
    async run(ctx) {
      const checks = await doctor(
        ctx.cwd,
        typeof ctx.flags.config === 'string' ? { config: ctx.flags.config } : {},
      );
      const failed = checks.some((c) => c.status === 'fail');
      ctx.output({ ok: !failed, checks }, () =>
        [
          ...checks.map(
            (c) =>
              `${c.status === 'ok' ? '✔' : c.status === 'warn' ? '!' : '✖'} ${c.name.padEnd(18)} ${c.detail}${c.fix ? `\n  ${''.padEnd(18)} fix: ${c.fix}` : ''}`,
          ),
          '',
          failed ? 'Some checks failed.' : 'All required checks passed.',
        ].join('\n'),
      );
      return failed ? 1 : 0;
    },
  },
];
