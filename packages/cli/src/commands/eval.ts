import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { ExitCode, type LoadedConfig, loadConfig, SlipwayError } from '@slipway/core';
import { type EvalReport, evaluate, writeReports } from '@slipway/eval';
import { isNotFound, type Store } from '@slipway/tracking';
import { type LoadedModelPackage, loadModelPackage } from '@slipway/training';
import type { Command, CommandContext } from '../command.js';
import { auditStage, modelName, openProjectStore } from '../project.js';

interface Resolved {
  pkg: LoadedModelPackage;
  version: string | null;
  alias: string | null;
  cleanup: () => Promise<void>;
}

/** A registry version's package: its source directory, or else the `model` artifact of its run. */
async function packageOfVersion(
  store: Store,
  root: string,
  flag: string,
  v: { version: string; source: string; runId: string | null },
): Promise<{ pkg: LoadedModelPackage; cleanup: () => Promise<void> }> {
  const source = resolve(root, v.source.replace(/^file:\/\//, ''));
  if (existsSync(join(source, 'manifest.json')))
    return { pkg: await loadModelPackage(source), cleanup: async () => {} };
  if (!v.runId) {
    throw new SlipwayError(
      'MODEL_NOT_FOUND',
      `${flag}: version ${v.version} points at ${v.source}, which is not a package directory here`,
      {
        hint: 'pass the package directory instead',
      },
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'slipway-eval-model-'));
  const local = await store.downloadArtifact(v.runId, 'model', dir);
  return { pkg: await loadModelPackage(local), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * `spec` is a package directory, `name@ref` or `ref` (the project's model), where ref is a version number
 * (candidate) or an alias (baseline). A baseline alias that is not set yet means a first run: null.
 */
async function resolveSpec(
  ctx: CommandContext,
  loaded: LoadedConfig,
  spec: string,
  flag: string,
  kind: 'version' | 'alias',
): Promise<Resolved | null> {
  const asPath = resolve(ctx.cwd, spec);
  if (existsSync(asPath) && statSync(asPath).isDirectory()) {
    return { pkg: await loadModelPackage(asPath), version: null, alias: null, cleanup: async () => {} };
  }
  const at = spec.lastIndexOf('@');
  const name = at > 0 ? spec.slice(0, at) : (loaded.config.model.name ?? loaded.config.project.name);
  const ref = at > 0 ? spec.slice(at + 1) : spec;
  const isVersion = /^\d+$/.test(ref);
  if (!/^[A-Za-z0-9_-]+$/.test(ref) || (kind === 'version' && !isVersion && !/^[A-Za-z]/.test(ref))) {
    throw new SlipwayError(
      'MODEL_NOT_FOUND',
      `${flag} ${spec}: not a package directory, a model version or an alias`,
      {
        hint: `pass a package directory, <model>@<version> or <model>@<alias> (e.g. ${name}@champion)`,
      },
    );
  }
  const store = await openProjectStore(loaded);
  try {
    if (isVersion) {
      const v = await store.getModelVersion(name, ref).catch((err: unknown) => {
        if (isNotFound(err)) {
          throw new SlipwayError(
            'MODEL_NOT_FOUND',
            `${flag} ${spec}: model "${name}" has no version ${ref}`,
            {
              hint: 'list versions with the registry commands, or pass a package directory',
            },
          );
        }
        throw err;
      });
      const p = await packageOfVersion(store, loaded.root, flag, v);
      return { ...p, version: v.version, alias: null };
    }
    const v = await store.getVersionByAlias(name, ref).catch((err: unknown) => {
      if (isNotFound(err)) return null;
      throw err;
    });
    if (!v) {
      if (kind === 'alias') return null;
      throw new SlipwayError('MODEL_NOT_FOUND', `${flag} ${spec}: model "${name}" has no alias "${ref}"`, {
        hint: 'pass a package directory or a version number',
      });
    }
    const p = await packageOfVersion(store, loaded.root, flag, v);
    return { ...p, version: v.version, alias: ref };
  } finally {
    await store.close();
  }
}

function human(report: EvalReport, out: string, cwd: string): string {
  const lines = [
    `${report.verdict === 'pass' ? 'PASS' : 'FAIL'}: ${report.candidate.name} vs ${report.baseline ? `${report.baseline.name}${report.baseline.alias ? ` (@${report.baseline.alias})` : ''}` : 'no baseline (first run: only absolute thresholds applied)'} on ${report.dataset.rows} rows`,
  ];
  for (const m of report.metrics) {
    const d =
      m.delta === null
        ? ''
        : `  Δ ${m.delta >= 0 ? '+' : ''}${m.delta.toFixed(4)}${m.pValue === null ? '' : ` (p ${m.pValue.toFixed(3)})`}`;
    lines.push(
      `  ${m.name.padEnd(22)} ${m.candidate === null ? 'undefined'.padStart(8) : m.candidate.toFixed(4).padStart(8)}${m.baseline === null ? '' : `  baseline ${m.baseline.toFixed(4)}`}${d}`,
    );
  }
  for (const g of report.gates)
    lines.push(`  ${g.passed ? 'ok  ' : 'FAIL'} ${g.metric} ${g.rule}: ${g.reason}`);
  lines.push(`Reports: ${relative(cwd, out) || '.'}/report.{json,md,html}`);
  return lines.join('\n');
}

export const evalCommands: Command[] = [
  {
    name: 'eval',
    summary: 'evaluate a candidate model against the baseline: metrics, CIs, slices, gates, reports',
    description:
      'Exit 0 when every gate passes, 1 when a gate fails, 2 on an error. Without a baseline (the alias is not set yet) only absolute thresholds apply. Writes report.json, report.md (PR comment) and report.html.',
    flags: {
      config: {
        type: 'string',
        value: '<file>',
        description: 'config file (default: slipway.config.ts in --cwd or a parent)',
      },
      candidate: {
        type: 'string',
        value: '<dir|version>',
        description: 'candidate model: package directory, or <model>@<version>',
      },
      baseline: {
        type: 'string',
        value: '<alias|dir>',
        description: 'baseline: registry alias or package directory (default: eval.baseline, "champion")',
      },
      data: { type: 'string', value: '<dataset>', description: 'evaluation data (default: data.eval)' },
      out: {
        type: 'string',
        value: '<dir>',
        description: 'report directory (default: .slipway/eval/<candidate hash>)',
      },
      'no-explain': { type: 'boolean', description: 'skip permutation importance and SHAP' },
    },
    async run(ctx) {
      if (typeof ctx.flags.candidate !== 'string') {
        throw new SlipwayError('FLAG_MISSING', 'eval: --candidate is required', {
          hint: 'pass the package directory `slipway train` printed',
        });
      }
      const loaded = await loadConfig({
        cwd: ctx.cwd,
        ...(typeof ctx.flags.config === 'string' ? { file: ctx.flags.config } : {}),
      });
      const config =
        ctx.flags['no-explain'] === true
          ? {
              ...loaded.config,
              eval: { ...loaded.config.eval, explain: { ...loaded.config.eval.explain, enabled: false } },
            }
          : loaded.config;
      const candidate = await resolveSpec(ctx, loaded, ctx.flags.candidate, '--candidate', 'version');
      if (!candidate)
        throw new SlipwayError('MODEL_NOT_FOUND', '--candidate: not found', {
          hint: 'pass a package directory',
        });
      const baselineSpec = typeof ctx.flags.baseline === 'string' ? ctx.flags.baseline : config.eval.baseline;
      let baseline: Resolved | null = null;
      try {
        baseline = await resolveSpec(ctx, loaded, baselineSpec, '--baseline', 'alias');
        const data =
          typeof ctx.flags.data === 'string'
            ? resolve(ctx.cwd, ctx.flags.data)
            : resolve(loaded.root, config.data.eval);
        const report = await evaluate({
          candidate: candidate.pkg,
          baseline: baseline?.pkg ?? null,
          data,
          config,
          ...(baseline?.alias ? { baselineAlias: baseline.alias } : {}),
          candidateVersion: candidate.version,
          baselineVersion: baseline?.version ?? null,
          drift: 'profile',
          progress: ctx.progress,
        });
        const out =
          typeof ctx.flags.out === 'string'
            ? resolve(ctx.cwd, ctx.flags.out)
            : join(loaded.root, '.slipway', 'eval', candidate.pkg.hash.slice(0, 16));
        const written = await writeReports(report, out);
        await auditStage(loaded, {
          event: 'eval',
          outcome: report.verdict === 'pass' ? 'ok' : 'failed',
          model: modelName(loaded),
          version: candidate.version,
          data: {
            packageHash: report.candidate.packageHash,
            verdict: report.verdict,
            baseline: report.baseline?.version ?? null,
            failedGates: report.gates.filter((g) => !g.passed).map((g) => `${g.metric} ${g.rule}`),
          },
        });
        ctx.output({ verdict: report.verdict, reports: written, report }, () => human(report, out, ctx.cwd));
        return report.verdict === 'pass' ? ExitCode.Ok : ExitCode.CheckFailed;
      } finally {
        candidate.pkg.dispose();
        await candidate.cleanup();
        if (baseline) {
          baseline.pkg.dispose();
          await baseline.cleanup();
        }
      }
    },
  },
];
