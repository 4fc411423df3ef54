import { resolve } from 'node:path';
import { monitorWindow, renderMonitorMarkdown, writeMonitorReports } from '@slipway/eval';
import type { Command } from '../command.js';
import { outputRoot } from '../output-root.js';
import { auditStage, loadProject, outputPath, resolveModel } from '../project.js';

export const monitorCommands: Command[] = [
  {
    name: 'monitor',
    summary:
      'compare a window of live data with the model’s training profile: drift, schema changes, performance',
    args: '[window...]',
    description:
      'Windows are datasets (CSV, Parquet, JSON lines); without arguments, the `data.monitor` windows of the config.\n' +
      'Exits 1 when any window raises an alert (dataset drift, a changed input schema, prediction drift or a failed gate).',
    flags: {
      model: {
        type: 'string',
        value: '<ref>',
        description: 'package directory, alias (default: champion) or <name>:<version>',
      },
      labels: {
        type: 'string',
        value: '<dataset>',
        description: 'labels that arrived later, joined to the window on data.id',
      },
      out: {
        type: 'string',
        value: '<dir>',
        description: 'write monitor.json/.md/.html per window here (default: slipway-out/monitor)',
      },
      config: {
        type: 'string',
        value: '<file>',
        description: 'config file (default: slipway.config.ts in --cwd or a parent)',
      },
    },
    async run(ctx) {
      const loaded = await loadProject(ctx);
      const windows: [string, string][] = ctx.positionals.length
        ? ctx.positionals.map((p) => [p.split('/').pop() ?? p, resolve(ctx.cwd, p)])
        : Object.entries(loaded.config.data.monitor).map(([n, p]) => [n, resolve(loaded.root, p)]);
      const { model, version } = await resolveModel(
        typeof ctx.flags.model === 'string' ? ctx.flags.model : loaded.config.eval.baseline,
        loaded,
        { cwd: ctx.cwd, flag: '--model' },
      );
      const outRoot =
        typeof ctx.flags.out === 'string' ? resolve(ctx.cwd, ctx.flags.out) : outputPath(loaded, 'monitor');
      const results: {
        report: Awaited<ReturnType<typeof monitorWindow>>;
        files: Awaited<ReturnType<typeof writeMonitorReports>>;
      }[] = [];
      try {
        for (const [name, path] of windows) {
          const report = await monitorWindow({
            model,
            window: path,
            name,
            version,
            config: loaded.config,
            // data.eval (the prediction-drift reference) is project-relative, not relative to the process cwd.
            root: loaded.root,
            progress: ctx.progress,
            ...(typeof ctx.flags.labels === 'string' ? { labels: resolve(ctx.cwd, ctx.flags.labels) } : {}),
          });
          const files = await writeMonitorReports(report, resolve(outRoot, name), outputRoot(ctx.cwd));
          await auditStage(loaded, {
            event: 'drift',
            outcome: report.alert ? 'alert' : 'ok',
            model: report.model.name,
            version,
            data: { window: name, share: report.drift.share, reasons: report.reasons },
          });
          results.push({ report, files });
        }
      } finally {
        model.dispose();
      }
      ctx.output(
        {
          alert: results.some((r) => r.report.alert),
          windows: results.map((r) => ({
            name: r.report.window.name,
            alert: r.report.alert,
            reasons: r.report.reasons,
            files: r.files,
          })),
        },
        () =>
          results
            .map(
              (r) => `${renderMonitorMarkdown(r.report).split('\n<details>')[0]}\nreports: ${r.files.html}`,
            )
            .join('\n\n'),
      );
      return results.some((r) => r.report.alert) ? 1 : 0;
    },
  },
];
