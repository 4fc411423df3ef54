import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SlipwayError } from '@slipway/core';
import type { EvalReport } from '@slipway/eval';
import {
  auditKeyFromEnv,
  createGitHubLookup,
  type Identity,
  offlineLookup,
  registerVersion,
  storeAuditSink,
  trustedPolicy,
} from '@slipway/governance';
import { verifyModelPackage } from '@slipway/training';
import type { Command } from '../command.js';
import { findEvalReport, lastTrainedPackage, loadProject, modelName, openProjectStore } from '../project.js';
import { policyFlag, policyFlagDef, trustedInputsOf } from '../trusted.js';

async function readReport(path: string): Promise<EvalReport> {
  let report: EvalReport;
  try {
    report = JSON.parse(await readFile(path, 'utf8')) as EvalReport;
  } catch (err) {
    throw new SlipwayError(
      'EVAL_REPORT_INVALID',
      `${path}: cannot read the eval report (${(err as Error).message})`,
      { hint: 'pass the report.json that `slipway eval --out <dir>` wrote' },
    );
  }
  if (report?.schema !== 'slipway.eval-report/v1') {
    throw new SlipwayError(
      'EVAL_REPORT_INVALID',
      `${path}: schema is ${JSON.stringify(report?.schema)}, not slipway.eval-report/v1`,
      { hint: 'pass the report.json that slipway eval wrote' },
    );
  }
  return report;
}

export const registerCommands: Command[] = [
  {
    name: 'register',
    summary:
      'register a model package as a new version of the project’s model (policy: register), with its eval report',
    args: '[package-dir]',
    flags: {
      eval: {
        type: 'string',
        value: '<report.json>',
        description:
          'the package’s eval report, stored with the version (promotion needs it; default: the one slipway eval wrote in slipway-out/)',
      },
      model: {
        type: 'string',
        value: '<name>',
        description: 'registered model name (default: model.name or project.name)',
      },
      config: {
        type: 'string',
        value: '<file>',
        description: 'config file (default: slipway.config.ts in --cwd or a parent)',
      },
      ...policyFlagDef,
    },
    description:
      'Registering the same package twice returns the existing version. Exit code 1 when the policy refuses.',
    async run(ctx) {
      // Identity and (in CI) policy are decided before the config module runs.
      const trusted = await trustedInputsOf(ctx);
      const loaded = await loadProject(ctx);
      const dir = ctx.positionals[0]
        ? resolve(ctx.cwd, ctx.positionals[0])
        : await lastTrainedPackage(loaded, 'the package directory');
      const actor = trusted.identity as Identity;
      const policy = await trustedPolicy(trusted, {
        projectRoot: loaded.root,
        configPolicyPath: loaded.config.governance.policy,
        policyPath: policyFlag(ctx),
      });
      const token = process.env.SLIPWAY_GITHUB_TOKEN || process.env.GITHUB_TOKEN || null;
      const reportPath =
        typeof ctx.flags.eval === 'string'
          ? resolve(ctx.cwd, ctx.flags.eval)
          : findEvalReport(loaded, (await verifyModelPackage(dir)).manifest.hash);
      const evalReport = reportPath ? await readReport(reportPath) : null;
      const store = await openProjectStore(loaded);
      try {
        const result = await registerVersion({
          store,
          model: typeof ctx.flags.model === 'string' ? ctx.flags.model : modelName(loaded),
          packageDir: dir,
          actor,
          policy,
          lookup: token
            ? createGitHubLookup({ token, apiUrl: process.env.GITHUB_API_URL ?? 'https://api.github.com' })
            : offlineLookup,
          audit: storeAuditSink(store),
          auditKey: auditKeyFromEnv(loaded.config.governance.auditKeyEnv),
          auditKeyEnv: loaded.config.governance.auditKeyEnv,
          evalReport,
          ...(loaded.config.tracking.experiment ? { experiment: loaded.config.tracking.experiment } : {}),
        });
        ctx.output(result, () =>
          result.registered
            ? `${result.existing ? 'already registered' : 'registered'} ${result.model} version ${result.version} (package ${result.packageHash.slice(0, 12)}${result.evalRecorded ? ', eval report stored' : ''})`
            : `refused by ${result.refusedBy!.rule}: ${result.refusedBy!.reason}`,
        );
        return result.registered ? 0 : 1;
      } finally {
        await store.close();
      }
    },
  },
];
