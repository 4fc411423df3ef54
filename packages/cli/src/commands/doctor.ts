import { execFile } from 'node:child_process';
import { constants, existsSync } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { findConfigFile, loadConfig, resolveProjectPath } from '@slipway/core';
import { availableBackends } from '@slipway/training';
import type { Command } from '../command.js';

const run = promisify(execFile);

export interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
}

async function toolVersion(cmd: string, args: string[]): Promise<string | null> {
  try {
    const { stdout, stderr } = await run(cmd, args, { timeout: 20_000 });
    return (stdout || stderr).trim().split('\n')[0] ?? '';
  } catch {
    return null;
  }
}

export async function doctor(cwd: string): Promise<Check[]> {
  const checks: Check[] = [];
  const major = Number(process.versions.node.split('.')[0]);
  checks.push({
    name: 'node',
    status: major >= 24 ? 'ok' : major >= 22 ? 'warn' : 'fail',
    detail: `v${process.versions.node}${major >= 24 ? '' : major >= 22 ? ' (works; GitHub runs Actions on Node 24)' : ' (Slipway needs Node 22 or newer)'}`,
  });

  const configFile = findConfigFile(cwd);
  let trackingUri = process.env.SLIPWAY_TRACKING_URI ?? process.env.MLFLOW_TRACKING_URI;
  let root = cwd;
  if (!configFile) {
    checks.push({
      name: 'config',
      status: 'fail',
      detail: `no slipway.config.ts in ${cwd} (run \`slipway init\`)`,
    });
  } else {
    try {
      const loaded = await loadConfig({ cwd });
      root = loaded.root;
      trackingUri ??= loaded.config.tracking.uri;
      checks.push({ name: 'config', status: 'ok', detail: `${loaded.file} is valid` });
    } catch (err) {
      checks.push({
        name: 'config',
        status: 'fail',
        detail: (err as Error).message.split('\n').slice(0, 4).join(' / '),
      });
    }
  }

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
      });
    } catch (err) {
      checks.push({
        name: 'tracking',
        status: 'fail',
        detail: `MLflow at ${uri} did not answer (${(err as Error).message})`,
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
  return checks;
}

export const doctorCommands: Command[] = [
  {
    name: 'doctor',
    summary: 'check Node, the config, tfjs backends, the tracking store and optional interop tools',
    async run(ctx) {
      const checks = await doctor(ctx.cwd);
      const failed = checks.some((c) => c.status === 'fail');
      ctx.output({ ok: !failed, checks }, () =>
        [
          ...checks.map(
            (c) =>
              `${c.status === 'ok' ? '✔' : c.status === 'warn' ? '!' : '✖'} ${c.name.padEnd(18)} ${c.detail}`,
          ),
          '',
          failed ? 'Some checks failed.' : 'All required checks passed.',
        ].join('\n'),
      );
      return failed ? 1 : 0;
    },
  },
];
