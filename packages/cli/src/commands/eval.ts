import { relative, resolve } from 'node:path';
import { ExitCode, loadConfig } from '@slipway/core';
import { type EvalReport, evaluate, writeReports } from '@slipway/eval';
import { evalReportDigest } from '@slipway/governance';
import type { Command } from '../command.js';
import { outputRoot } from '../output-root.js';
import {
  auditStage,
  evalReportDir,
  lastTrainedPackage,
  modelName,
  REF_FORMS,
  resolveModel,
} from '../project.js';

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
  const dropped = report.missingValues?.label.droppedRows ?? 0;
  if (dropped > 0)
    lines.push(
      `  ${dropped} row(s) without a label "${report.missingValues?.label.column}" were left out (data.missingLabel "drop")`,
    );
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
        value: '<model>',
        description: `candidate: ${REF_FORMS} (default: the package the last \`slipway train\` wrote)`,
      },
      baseline: {
        type: 'string',
        value: '<model>',
        description: 'baseline, any model reference (default: eval.baseline, "champion")',
      },
      data: { type: 'string', value: '<dataset>', description: 'evaluation data (default: data.eval)' },
      out: {
        type: 'string',
        value: '<dir>',
        description:
          'report directory (default: slipway-out/eval/<candidate hash>, where card and register find it)',
      },
      'no-explain': { type: 'boolean', description: 'skip permutation importance and SHAP' },
    },
    async run(ctx) {
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
      const candidateRef =
        typeof ctx.flags.candidate === 'string'
          ? ctx.flags.candidate
          : await lastTrainedPackage(loaded, '--candidate');
      const candidate = await resolveModel(candidateRef, loaded, {
        cwd: ctx.cwd,
        flag: '--candidate',
      });
      const baselineSpec = typeof ctx.flags.baseline === 'string' ? ctx.flags.baseline : config.eval.baseline;
      let baseline: Awaited<ReturnType<typeof resolveModel>> | null = null;
      try {
        baseline = await resolveModel(baselineSpec, loaded, {
          cwd: ctx.cwd,
          flag: '--baseline',
          missingAlias: 'null',
        });
        const data =
          typeof ctx.flags.data === 'string'
            ? resolve(ctx.cwd, ctx.flags.data)
            : resolve(loaded.root, config.data.eval);
        const report = await evaluate({
          candidate: candidate.model,
          baseline: baseline?.model ?? null,
          data,
          root: loaded.root,
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
            : evalReportDir(loaded, candidate.model.hash);
        const written = await writeReports(report, out, outputRoot(ctx.cwd));
        await auditStage(loaded, {
          event: 'eval',
          outcome: report.verdict === 'pass' ? 'ok' : 'failed',
          model: modelName(loaded),
          version: candidate.version,
          data: {
            packageHash: report.candidate.packageHash,
            // The digest `register` records: ties the stored report to this evaluation's entry.
            reportSha256: evalReportDigest(report),
            verdict: report.verdict,
            baseline: report.baseline?.version ?? null,
            failedGates: report.gates.filter((g) => !g.passed).map((g) => `${g.metric} ${g.rule}`),
          },
        });
        ctx.output({ verdict: report.verdict, reports: written, report }, () => human(report, out, ctx.cwd));
        return report.verdict === 'pass' ? ExitCode.Ok : ExitCode.CheckFailed;
      } finally {
        candidate.model.dispose();
        baseline?.model.dispose();
      }
    },
  },
];
