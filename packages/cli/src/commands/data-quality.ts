import { isAbsolute, relative, resolve, sep } from 'node:path';
import {
  findConfigFile,
  isStdout,
  loadConfig,
  type SlipwayConfig,
  SlipwayError,
  writeOutput,
} from '@slipway/core';
import {
  type DataSchema,
  type DriftReport,
  describeDataset,
  driftReport,
  driftRoles,
  inferSchema,
  mergeProfiles,
  type Profile,
  profileDataset,
  readProfile,
  renderDriftHtml,
  renderDriftMarkdown,
  type ValidationReport,
  validateDataset,
} from '@slipway/data';
import type { Command, CommandContext, FlagSpec } from '../command.js';
import { outputRoot } from '../output-root.js';

/**
 * Writes an output file as Unix tools do: `-` is standard output (and the summary is then left out,
 * so stdout holds only the data), `/dev/null` writes nothing, any other path is written atomically
 * and never through a symbolic link inside the repository.
 */
async function emit(ctx: CommandContext, given: string, text: string): Promise<string> {
  return writeOutput(given, text, {
    cwd: ctx.cwd,
    stdout: (d) => ctx.stdout(typeof d === 'string' ? d : Buffer.from(d).toString('utf8')),
    ...outputRoot(ctx.cwd),
  });
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

const outFlag = (what: string, fallback: string): FlagSpec => ({
  type: 'string',
  short: 'o',
  value: '<file>',
  description: `where to write ${what} (default: ${fallback})`,
});

function abs(ctx: CommandContext, path: string): string {
  return isAbsolute(path) ? path : resolve(ctx.cwd, path);
}

/** A path as reports show it: relative to the project (--cwd) when inside it, never this machine's layout. */
function shown(ctx: CommandContext, path: string): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(ctx.cwd, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel.split(sep).join('/');
}

function str(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.flags[name];
  return typeof v === 'string' ? v : undefined;
}

function one(ctx: CommandContext, usage: string): string {
  if (ctx.positionals.length !== 1) {
    throw new SlipwayError(
      'CLI_BAD_ARGUMENTS',
      `slipway ${usage.split(' <')[0]}: expected one dataset, got ${ctx.positionals.length}`,
      { hint: `slipway ${usage}` },
    );
  }
  return abs(ctx, ctx.positionals[0]!);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(x < 0.001 && x > 0 ? 3 : 1)}%`;
}

/** The project's data section and root, when there is a config (these verbs also work without one). */
async function projectData(
  ctx: CommandContext,
): Promise<{ data: SlipwayConfig['data']; root: string } | null> {
  const file = str(ctx, 'config');
  if (!file && !findConfigFile(ctx.cwd)) return null;
  const loaded = await loadConfig({ cwd: ctx.cwd, ...(file ? { file } : {}) });
  return { data: loaded.config.data, root: loaded.root };
}

async function projectConfig(ctx: CommandContext): Promise<SlipwayConfig | undefined> {
  const file = str(ctx, 'config');
  if (!file && !findConfigFile(ctx.cwd)) return undefined;
  const loaded = await loadConfig({ cwd: ctx.cwd, ...(file ? { file } : {}) });
  return loaded.config;
}

export const dataQualityCommands: Command[] = [
  {
    name: 'data schema infer',
    summary:
      'infer schema.json: column types, nullability, numeric ranges, categorical domains (≤ 100 values)',
    args: '<dataset>',
    flags: {
      out: outFlag('the schema', "the config's data.schema, else schema.json"),
      config: {
        type: 'string',
        value: '<file>',
        description:
          'config whose data.id names the id column and data.schema the output (default: slipway.config.ts, if any)',
      },
    },
    async run(ctx) {
      const dataset = one(ctx, 'data schema infer <dataset>');
      // The config's data.id (when there is a project) is the column never range-checked.
      const project = await projectData(ctx);
      const schema = await inferSchema(dataset, {
        source: relative(ctx.cwd, dataset).split(sep).join('/'),
        ...(project?.data.id ? { id: project.data.id } : {}),
      });
      const target =
        str(ctx, 'out') ??
        (project?.data.schema ? resolve(project.root, project.data.schema) : 'schema.json');
      const out = await emit(ctx, target, json(schema));
      if (isStdout(out)) return 0;
      ctx.output({ file: out, schema }, (d) => {
        const s = (d as { file: string; schema: DataSchema }).schema;
        const lines = [`wrote ${out}`];
        for (const c of s.columns) {
          const extra = c.range
            ? ` [${c.range.min}, ${c.range.max}]`
            : c.domain
              ? ` in {${c.domain.values.slice(0, 8).join(', ')}${c.domain.values.length > 8 ? ', …' : ''}}`
              : '';
          lines.push(`  ${c.name}: ${c.type}${c.nullable ? ' (nullable)' : ''}${extra}`);
        }
        return lines.join('\n');
      });
      return 0;
    },
  },
  {
    name: 'data validate',
    summary: 'check a dataset against schema.json; anomalies use Great Expectations names; exit 1 on failure',
    args: '<dataset>',
    flags: {
      schema: {
        type: 'string',
        short: 's',
        value: '<file>',
        description: "schema to validate against (default: the config's data.schema, else schema.json)",
      },
      config: {
        type: 'string',
        value: '<file>',
        description: 'config whose data.schema is the default (default: slipway.config.ts, if any)',
      },
    },
    async run(ctx) {
      const dataset = one(ctx, 'data validate <dataset> --schema schema.json');
      const project = str(ctx, 'schema') ? null : await projectData(ctx);
      const schema = str(ctx, 'schema')
        ? abs(ctx, str(ctx, 'schema')!)
        : project?.data.schema
          ? resolve(project.root, project.data.schema)
          : abs(ctx, 'schema.json');
      const report = await validateDataset(dataset, schema);
      report.dataset = shown(ctx, report.dataset);
      ctx.output(report, (d) => {
        const r = d as ValidationReport;
        const lines = [
          `${r.success ? '✔ valid' : '✖ invalid'}: ${r.dataset} (${r.rowCount} rows, ${r.results.length} expectations, ${r.anomalies.length} failed)`,
        ];
        for (const a of r.anomalies) {
          const sample = a.sample.length ? ` e.g. ${a.sample.map((v) => JSON.stringify(v)).join(', ')}` : '';
          lines.push(
            `  ✖ ${a.expectation}${a.column ? `(${a.column})` : ''}: ${a.unexpectedCount} unexpected (${pct(a.unexpectedShare)})${sample}`,
          );
        }
        return lines.join('\n');
      });
      return report.success ? 0 : 1;
    },
  },
  {
    name: 'data profile',
    summary:
      'write a mergeable profile (quantile sketch, distinct counts, frequent values, histograms, nulls)',
    args: '<dataset>',
    flags: { out: outFlag('the profile', 'profile.json') },
    async run(ctx) {
      const dataset = one(ctx, 'data profile <dataset>');
      const profile = await profileDataset(dataset);
      const out = await emit(ctx, str(ctx, 'out') ?? 'profile.json', json(profile));
      if (isStdout(out)) return 0;
      ctx.output({ file: out, profile }, () => summarizeProfile(out, profile));
      return 0;
    },
  },
  {
    name: 'data profile merge',
    summary: 'merge profiles of shards into one (order does not matter)',
    args: '<profile.json...>',
    flags: { out: outFlag('the merged profile', 'profile.json') },
    async run(ctx) {
      if (ctx.positionals.length === 0) {
        throw new SlipwayError('CLI_BAD_ARGUMENTS', 'slipway data profile merge: no profiles given', {
          hint: 'slipway data profile merge a.json b.json --out merged.json',
        });
      }
      const profiles = await Promise.all(ctx.positionals.map((p) => readProfile(abs(ctx, p))));
      const merged = mergeProfiles(...profiles);
      const out = await emit(ctx, str(ctx, 'out') ?? 'profile.json', json(merged));
      if (isStdout(out)) return 0;
      ctx.output({ file: out, profile: merged }, () => summarizeProfile(out, merged));
      return 0;
    },
  },
  {
    name: 'data drift',
    summary:
      'per-column drift tests (Evidently defaults) + PSI vs a reference dataset or profile; exit 1 on dataset drift',
    flags: {
      reference: {
        type: 'string',
        value: '<dataset|profile.json>',
        description: 'reference data or its profile',
      },
      current: { type: 'string', value: '<dataset|profile.json>', description: 'data to check' },
      columns: { type: 'string', value: '<a,b,…>', description: 'only these columns' },
      out: { type: 'string', short: 'o', value: '<file>', description: 'also write the JSON report here' },
      markdown: { type: 'string', value: '<file>', description: 'also write a Markdown report (PR comment)' },
      html: { type: 'string', value: '<file>', description: 'also write a standalone HTML report' },
      config: {
        type: 'string',
        value: '<file>',
        description: 'config for the `drift` section (default: slipway.config.ts if found)',
      },
    },
    async run(ctx) {
      const reference = str(ctx, 'reference');
      const current = str(ctx, 'current');
      if (!reference || !current) {
        throw new SlipwayError(
          'CLI_BAD_ARGUMENTS',
          `slipway data drift: --${reference ? 'current' : 'reference'} is required`,
          {
            hint: 'slipway data drift --reference train.parquet (or profile.json) --current new.parquet',
          },
        );
      }
      const project = await projectConfig(ctx);
      const config = project?.drift;
      let columns = str(ctx, 'columns')
        ?.split(',')
        .map((c) => c.trim())
        .filter(Boolean);
      // In a project, drift is measured on the model's features; ids and other columns are listed, not tested.
      let notTested: { column: string; reason: string }[] | undefined;
      if (!columns && project && !/\.json$/i.test(reference)) {
        const roles = driftRoles(
          project,
          (await describeDataset(abs(ctx, reference))).columns.map((c) => c.name),
        );
        columns = roles.columns;
        notTested = roles.notTested;
      }
      const report = await driftReport({
        reference: abs(ctx, reference),
        current: abs(ctx, current),
        ...(config ? { config } : {}),
        ...(columns ? { columns } : {}),
        ...(notTested ? { notTested } : {}),
      });
      // Sources relative to the project: reports never carry this machine's directory layout.
      report.reference.source = shown(ctx, report.reference.source);
      report.current.source = shown(ctx, report.current.source);
      const outputs: [string | undefined, () => string][] = [
        [str(ctx, 'out'), () => json(report)],
        [str(ctx, 'markdown'), () => renderDriftMarkdown(report)],
        [str(ctx, 'html'), () => renderDriftHtml(report)],
      ];
      if (outputs.filter(([given]) => given !== undefined && isStdout(given)).length > 1) {
        throw new SlipwayError(
          'CLI_BAD_ARGUMENTS',
          'slipway data drift: only one output can be `-` (standard output)',
          {
            hint: 'write the other reports to files',
          },
        );
      }
      let toStdout = false;
      for (const [given, render] of outputs) {
        if (given === undefined) continue;
        if (isStdout(await emit(ctx, given, render()))) toStdout = true;
      }
      if (!toStdout) ctx.output(report, (d) => summarizeDrift(d as DriftReport));
      return report.drifted ? 1 : 0;
    },
  },
];

function summarizeProfile(file: string, p: Profile): string {
  const lines = [`wrote ${file} (${p.rowCount} rows, ${p.columns.length} columns)`];
  for (const c of p.columns) {
    const nulls = c.count ? ` nulls ${pct(c.nullCount / c.count)}` : '';
    const n = c.numeric;
    const num =
      n && n.count > 0
        ? ` mean ${n.mean.toPrecision(4)} std ${n.std.toPrecision(4)} p50 ${n.summary.p50} [${n.min}, ${n.max}] (rank error ≤ ${pct(n.quantiles.rankError / Math.max(1, n.quantiles.n))})`
        : '';
    lines.push(
      `  ${c.name} (${c.kind}): ${c.distinct.exact ? '' : '~'}${c.distinct.estimate} distinct${nulls}${num}`,
    );
  }
  return lines.join('\n');
}

function summarizeDrift(r: DriftReport): string {
  const lines = [
    `${r.drifted ? '✖ dataset drift' : '✔ no dataset drift'}: ${r.driftedCount}/${r.testedCount} columns drifted (share ${r.share.toFixed(3)}, threshold ${r.shareThreshold})`,
  ];
  for (const c of r.columns) {
    lines.push(
      `  ${c.drifted ? '✖' : '✔'} ${c.column} (${c.kind}): ${c.method} ${c.statistic.toPrecision(4)} vs ${c.threshold}${c.approximate && c.errorBound !== undefined ? ` (±${c.errorBound.toPrecision(2)})` : ''}, PSI ${c.psi.toFixed(4)}`,
    );
  }
  if (r.missingColumns.length) lines.push(`  ✖ missing in current: ${r.missingColumns.join(', ')}`);
  if (r.newColumns.length) lines.push(`  new in current (not tested): ${r.newColumns.join(', ')}`);
  for (const s of r.skipped) lines.push(`  – ${s.column}: ${s.reason}`);
  return lines.join('\n');
}
