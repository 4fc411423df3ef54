import { formatBytes, SlipwayError } from '@slipway/core/base';
import {
  type AddReport,
  addPaths,
  type CheckoutReport,
  dataCheckout,
  dataPull,
  dataPush,
  dataStatus,
  type PullReport,
  type PushReport,
  type StatusReport,
} from '@slipway/data/versioning';
import type { Command, CommandContext, FlagSpec } from '../command.js';

const jobsFlag: FlagSpec = {
  type: 'string',
  short: 'j',
  value: '<n>',
  description: 'worker threads for hashing and copying (default: one per core, at most 4)',
};
const remoteFlag: FlagSpec = {
  type: 'string',
  short: 'r',
  value: '<name>',
  description: "remote from .dvc/config (default: the output's `remote:`, else core.remote)",
};
const forceFlag: FlagSpec = {
  type: 'boolean',
  short: 'f',
  description: 'overwrite or delete workspace files even when their content is not in the cache',
};

function jobsOf(ctx: CommandContext): number | undefined {
  const raw = ctx.flags.jobs;
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new SlipwayError('CLI_BAD_ARGUMENTS', `--jobs ${String(raw)}: expected a whole number ≥ 1`, {
      hint: 'for example --jobs 2',
    });
  }
  return n;
}

function common(ctx: CommandContext) {
  return { cwd: ctx.cwd, progress: ctx.progress, jobs: jobsOf(ctx) };
}

const mark = (state: string) => (state === 'ok' ? '✔' : '✖');

export const dataVersionCommands: Command[] = [
  {
    name: 'data add',
    summary: 'track files or directories: write <path>.dvc (DVC 3 format) and store the content in the cache',
    args: '<path...>',
    flags: { jobs: jobsFlag },
    description:
      'Creates .dvc/ (as `dvc init` would) when no project is found above the current directory.\n' +
      'Unchanged files (same inode, mtime and size) are not read again.',
    async run(ctx) {
      if (ctx.positionals.length === 0) {
        throw new SlipwayError('CLI_BAD_ARGUMENTS', 'slipway data add: no path given', {
          hint: 'slipway data add <file-or-directory>...',
        });
      }
      const report = await addPaths(ctx.positionals, common(ctx));
      ctx.output(report, (d) => {
        const r = d as AddReport;
        const lines = r.initialized ? [`initialized a DVC project in ${r.root}`] : [];
        for (const x of r.results) {
          const what =
            x.nfiles !== undefined ? `${x.nfiles} files, ${formatBytes(x.size)}` : formatBytes(x.size);
          lines.push(
            `${x.changed ? 'added' : 'unchanged'} ${x.path} → ${x.dvcFile} (${what}; ${x.hashed} hashed, ${x.files - x.hashed} unchanged)`,
          );
        }
        return lines.join('\n');
      });
      return 0;
    },
  },
  {
    name: 'data status',
    summary:
      'compare tracked data with its .dvc files: ok, modified, missing, not in cache (exit 1 unless all ok)',
    args: '[target...]',
    flags: { jobs: jobsFlag },
    async run(ctx) {
      const report = await dataStatus(ctx.positionals, common(ctx));
      ctx.output(report, (d) => {
        const r = d as StatusReport;
        if (r.entries.length === 0) return 'no .dvc files found';
        const lines = r.entries.map((e) => {
          let line = `${mark(e.state)} ${e.path.padEnd(30)} ${e.state}${e.state !== 'not-in-cache' && !e.inCache ? ' (not in cache)' : ''}`;
          if (e.changes) {
            const c = e.changes;
            line += ` (${c.added.length} added, ${c.modified.length} modified, ${c.deleted.length} deleted)`;
          }
          return line;
        });
        lines.push('', r.clean ? 'Data is up to date.' : 'Some data differs from its .dvc file.');
        return lines.join('\n');
      });
      return report.clean ? 0 : 1;
    },
  },
  {
    name: 'data checkout',
    summary: 'restore tracked data from the cache, verifying every object',
    args: '[target...]',
    flags: { force: forceFlag, jobs: jobsFlag },
    async run(ctx) {
      const report = await dataCheckout(ctx.positionals, { ...common(ctx), force: Boolean(ctx.flags.force) });
      ctx.output(report, (d) => {
        const r = d as CheckoutReport;
        if (r.entries.length === 0) return 'no .dvc files found';
        return r.entries
          .map((e) =>
            e.action === 'unchanged'
              ? `✔ ${e.path} unchanged`
              : `✔ ${e.path} restored ${e.restored} file(s)${e.removed ? `, removed ${e.removed}` : ''}`,
          )
          .join('\n');
      });
      return 0;
    },
  },
  {
    name: 'data push',
    summary: "upload cached data to a remote (local directory or S3) in DVC's layout",
    args: '[target...]',
    flags: { remote: remoteFlag, jobs: jobsFlag },
    async run(ctx) {
      const report = await dataPush(ctx.positionals, {
        ...common(ctx),
        ...(typeof ctx.flags.remote === 'string' ? { remote: ctx.flags.remote } : {}),
      });
      ctx.output(report, (d) =>
        (d as PushReport).remotes
          .map(
            (r) =>
              `pushed ${r.transferred} object(s), ${formatBytes(r.bytes)} to ${r.remote} (${r.url}); ${r.present} already there`,
          )
          .join('\n'),
      );
      return 0;
    },
  },
  {
    name: 'data pull',
    summary: 'download data from a remote into the cache (verified) and check it out',
    args: '[target...]',
    flags: { remote: remoteFlag, force: forceFlag, jobs: jobsFlag },
    async run(ctx) {
      const report = await dataPull(ctx.positionals, {
        ...common(ctx),
        force: Boolean(ctx.flags.force),
        ...(typeof ctx.flags.remote === 'string' ? { remote: ctx.flags.remote } : {}),
      });
      ctx.output(report, (d) => {
        const r = d as PullReport;
        return [
          ...r.remotes.map(
            (x) =>
              `fetched ${x.transferred} object(s), ${formatBytes(x.bytes)} from ${x.remote} (${x.url}); ${x.present} already cached`,
          ),
          ...r.checkout.entries.map((e) =>
            e.action === 'unchanged' ? `✔ ${e.path} unchanged` : `✔ ${e.path} restored ${e.restored} file(s)`,
          ),
        ].join('\n');
      });
      return 0;
    },
  },
];
