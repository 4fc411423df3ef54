import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { type LoadedConfig, SlipwayError } from '@slipway/core';
import type { EvalReport } from '@slipway/eval';
import {
  type AuditSink,
  appendAudit,
  approve,
  auditKeyFromEnv,
  cardForPackage,
  cardForVersion,
  createGitHubLookup,
  filterAuditEntries,
  type GitHubLookup,
  type Identity,
  type LoadedPolicy,
  layoutSegments,
  lineageChain,
  loadGateConfigFor,
  offlineLookup,
  parseAuditLines,
  promote,
  recordModelCard,
  refreshModelCard,
  renderAuditTable,
  renderLineage,
  replaceEvalReport,
  reproduce,
  startAuditSegment,
  storeAuditSink,
  trustedPolicy,
  verifyAudit,
  verifyLayout,
  writeModelCard,
} from '@slipway/governance';
import type { Store } from '@slipway/tracking';
import { verifyModelPackage } from '@slipway/training';
import type { Command, CommandContext } from '../command.js';
import { outputRoot } from '../output-root.js';
import {
  findEvalReport,
  loadProject,
  modelName,
  openProjectStore,
  outputPath,
  parseModelRef,
  REF_FORMS,
} from '../project.js';
import { policyFlag, policyFlagDef, trustedInputsOf } from '../trusted.js';

const configFlag = {
  config: {
    type: 'string' as const,
    value: '<file>',
    description: 'config file (default: slipway.config.ts in --cwd or a parent)',
  },
};

async function withStore<T>(loaded: LoadedConfig, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openProjectStore(loaded);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function auditOf(store: Store): AuditSink {
  return storeAuditSink(store);
}

function keyOf(loaded: LoadedConfig): string | null {
  return auditKeyFromEnv(loaded.config.governance.auditKeyEnv);
}

/** GitHub lookups with the job's token (GITHUB_TOKEN; SLIPWAY_GITHUB_TOKEN for one with org read), else none. */
function lookupFor(): GitHubLookup {
  const token = process.env.SLIPWAY_GITHUB_TOKEN || process.env.GITHUB_TOKEN || null;
  if (!token) return offlineLookup;
  return createGitHubLookup({ token, apiUrl: process.env.GITHUB_API_URL ?? 'https://api.github.com' });
}

function need(ctx: CommandContext, n: number, usage: string): string[] {
  if (ctx.positionals.length < n) {
    throw new SlipwayError('USAGE', `missing arguments: slipway ${usage}`, {
      hint: `e.g. slipway ${usage.replace(/<model>/, 'flight-delay').replace(/<version>/, '3')}`,
    });
  }
  return ctx.positionals;
}

async function readReportFile(path: string): Promise<EvalReport> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new SlipwayError('FILE_NOT_FOUND', `${path}: eval report not found`, {
      hint: 'pass the report.json that slipway eval wrote',
    });
  }
  let report: EvalReport;
  try {
    report = JSON.parse(text) as EvalReport;
  } catch (err) {
    throw new SlipwayError('EVAL_REPORT_INVALID', `${path}: not JSON (${(err as Error).message})`, {
      hint: 'pass the report.json that slipway eval wrote',
    });
  }
  if (report?.schema !== 'slipway.eval-report/v1') {
    throw new SlipwayError(
      'EVAL_REPORT_INVALID',
      `${path}: schema is ${JSON.stringify(report?.schema)}, not slipway.eval-report/v1`,
      {
        hint: 'pass the report.json that slipway eval wrote',
      },
    );
  }
  return report;
}

/** A registered version, written as resolveModel reads it (`<version>`, `<alias>`, `<name>:<version>`, …). */
async function versionRef(
  store: Store,
  loaded: LoadedConfig,
  ref: string,
): Promise<{ model: string; version: string }> {
  const parsed = parseModelRef(ref, modelName(loaded));
  if (!parsed) {
    throw new SlipwayError('MODEL_NOT_FOUND', `"${ref}" is not a package directory or a registry version`, {
      hint: `pass ${REF_FORMS}`,
    });
  }
  if (parsed.version) return { model: parsed.name, version: parsed.version };
  const v = await store.getVersionByAlias(parsed.name, parsed.alias!);
  if (!v)
    throw new SlipwayError('MODEL_ALIAS_NOT_SET', `model "${parsed.name}" has no alias "${parsed.alias}"`, {
      hint: 'pass a version number instead, or promote a version to that alias first',
    });
  return { model: parsed.name, version: v.version };
}

/** A registered version from `<ref>` (any model reference) or the older `<model> <version>` pair. */
async function versionArgs(
  ctx: CommandContext,
  loaded: LoadedConfig,
  usage: string,
): Promise<{ model: string; version: string }> {
  need(ctx, 1, usage);
  if (ctx.positionals.length >= 2) return { model: ctx.positionals[0]!, version: ctx.positionals[1]! };
  return withStore(loaded, (store) => versionRef(store, loaded, ctx.positionals[0]!));
}

export const governanceCommands: Command[] = [
  {
    name: 'card',
    summary:
      'write MODEL_CARD.md (Hugging Face front matter) and model_card.json (Model Card Toolkit) for a package or version',
    args: '<package-dir|version|alias|name:version|name@alias>',
    flags: {
      ...configFlag,
      out: {
        type: 'string',
        value: '<dir>',
        description: 'where to write the card (default: slipway-out/card)',
      },
      eval: {
        type: 'string',
        value: '<report.json>',
        description:
          'the eval report (default: for a version the stored one, for a package the one slipway eval wrote in slipway-out/); for a version it is also stored',
      },
      'no-record': {
        type: 'boolean',
        description: 'for a version: do not store the card in the tracking store',
      },
      ...policyFlagDef,
    },
    description:
      'Facts the config, package, eval report or registry do not give are listed under "Missing information", never invented. For a registry version the card is stored as run artifacts card/MODEL_CARD.md + card/model_card.json and its sha256 tagged on the version (slipway.card.sha256), which promotion requires.',
    async run(ctx) {
      const [ref] = need(ctx, 1, 'card <package-dir|version>');
      // Replacing a version's report is a decision: identity and (in CI) policy are decided before the
      // config module runs.
      const trusted = await trustedInputsOf(ctx);
      const loaded = await loadProject(ctx);
      const out = resolve(
        ctx.cwd,
        typeof ctx.flags.out === 'string' ? ctx.flags.out : outputPath(loaded, 'card'),
      );
      let report =
        typeof ctx.flags.eval === 'string' ? await readReportFile(resolve(ctx.cwd, ctx.flags.eval)) : null;
      const asPath = isAbsolute(ref!) ? ref! : resolve(ctx.cwd, ref!);
      let result: Record<string, unknown>;
      if (existsSync(asPath) && statSync(asPath).isDirectory()) {
        // The report `slipway eval` wrote for this package in the output root, when there is one.
        const found = report
          ? null
          : findEvalReport(loaded, (await verifyModelPackage(asPath)).manifest.hash);
        if (found) report = await readReportFile(found);
        const card = await cardForPackage({
          config: loaded.config,
          packageDir: asPath,
          evalReport: report,
          projectRoot: loaded.root,
        });
        const written = await writeModelCard(out, card, outputRoot(ctx.cwd));
        result = {
          target: 'package',
          packageHash: card.packageHash,
          markdown: written.markdownPath,
          json: written.jsonPath,
          sha256: written.sha256,
          recorded: false,
          missing: card.missing,
        };
      } else {
        result = await withStore(loaded, async (store) => {
          const { model, version } = await versionRef(store, loaded, ref!);
          if (report) {
            // Replacing a registered version's report is a decision: policy-checked and audited.
            const actor = trusted.identity as Identity;
            const policy = await trustedPolicy(trusted, {
              projectRoot: loaded.root,
              configPolicyPath: loaded.config.governance.policy,
              policyPath: policyFlag(ctx),
            });
            const replaced = await replaceEvalReport({
              store,
              model,
              version,
              report,
              actor,
              policy,
              lookup: lookupFor(),
              audit: auditOf(store),
              auditKey: keyOf(loaded),
              auditKeyEnv: loaded.config.governance.auditKeyEnv,
            });
            if (replaced.refusedBy) {
              throw new SlipwayError(
                'EVAL_REPORT_REFUSED',
                `replacing the eval report of ${model} v${version} was refused by ${replaced.refusedBy.rule}: ${replaced.refusedBy.reason} (audit #${replaced.audit?.seq})`,
                {
                  hint: 'only an actor the policy grants `register` for this model may replace its report',
                  exitCode: 1,
                },
              );
            }
          }
          const {
            card,
            version: v,
            evalSource,
            evalProblem,
          } = await cardForVersion({
            config: loaded.config,
            store,
            model,
            version,
            audit: auditOf(store),
            auditKey: keyOf(loaded),
            projectRoot: loaded.root,
          });
          const written = await writeModelCard(out, card, outputRoot(ctx.cwd));
          const record = ctx.flags['no-record'] !== true;
          if (record) await recordModelCard(store, v, written);
          return {
            target: 'version',
            model,
            version,
            packageHash: card.packageHash,
            markdown: written.markdownPath,
            json: written.jsonPath,
            sha256: written.sha256,
            recorded: record,
            eval: evalSource,
            evalProblem,
            missing: card.missing,
          };
        });
      }
      ctx.output(result, (d) => {
        const r = d as {
          markdown: string;
          json: string;
          recorded: boolean;
          missing: { field: string; source: string }[];
          evalProblem?: string | null;
        };
        return [
          `wrote ${relative(ctx.cwd, r.markdown)} and ${relative(ctx.cwd, r.json)}${r.recorded ? ' (stored on the version)' : ''}`,
          ...(r.evalProblem ? [`evaluation: ${r.evalProblem}`] : []),
          r.missing.length
            ? `missing (${r.missing.length}): ${r.missing.map((m) => m.field).join(', ')}`
            : 'nothing missing',
        ].join('\n');
      });
    },
  },
  {
    name: 'lineage',
    summary:
      'show the chain: data digests → commit → config → run → package → registry version → promotions → rollouts',
    args: '<version|name:version> (or <model> <version>)',
    flags: { ...configFlag },
    async run(ctx) {
      const loaded = await loadProject(ctx);
      const { model, version } = await versionArgs(ctx, loaded, 'lineage <version>');
      const chain = await withStore(loaded, (store) =>
        lineageChain({
          store,
          model: model!,
          version: version!,
          audit: auditOf(store),
          auditKey: keyOf(loaded),
        }),
      );
      const { lineage: _raw, ...data } = chain;
      ctx.output(data, () => renderLineage(chain));
      return chain.breaks.length > 0 ? 1 : 0;
    },
  },
  {
    name: 'reproduce',
    summary:
      'retrain a registered version from its recorded lineage and report whether the weights hash matches',
    args: '<version|name:version> (or <model> <version>)',
    flags: {
      ...configFlag,
      keep: { type: 'boolean', description: 'keep the materialised project under .slipway/' },
    },
    description:
      'Exit code 1 when the weights differ or the recorded commit, data or config cannot be recovered.',
    async run(ctx) {
      const loaded = await loadProject(ctx);
      const { model, version } = await versionArgs(ctx, loaded, 'reproduce <version>');
      const result = await withStore(loaded, (store) =>
        reproduce({
          store,
          model: model!,
          version: version!,
          projectDir: loaded.root,
          audit: auditOf(store),
          auditKey: keyOf(loaded),
          progress: ctx.progress,
          keep: ctx.flags.keep === true,
        }),
      );
      ctx.output(result, () =>
        [
          ...result.checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`),
          result.blockedBy
            ? `cannot reproduce ${model} v${version}: ${result.blockedBy}`
            : result.weightsMatch
              ? `reproduced ${model} v${version}: weights match (sha256 ${result.original.weightsSha256})`
              : `NOT reproduced: weights differ (${result.reproduced?.weightsSha256} vs ${result.original.weightsSha256})`,
        ].join('\n'),
      );
      return result.weightsMatch ? 0 : 1;
    },
  },
  {
    name: 'audit verify',
    summary:
      'check the hash chain (and HMACs, with the audit key) of the audit log; names the first bad line',
    flags: {
      ...configFlag,
      'expect-head': {
        type: 'string',
        value: '<hash>',
        description:
          'a checkpoint taken earlier (`<seq>:<hash>` as verify prints it, or the hash): fails unless the chain still holds that entry (detects removal of the last entries)',
      },
    },
    async run(ctx) {
      const loaded = await loadProject(ctx);
      const key = keyOf(loaded);
      const result = await withStore(loaded, (store) =>
        verifyAudit(auditOf(store), {
          key,
          expectHead: typeof ctx.flags['expect-head'] === 'string' ? ctx.flags['expect-head'] : null,
        }),
      );
      ctx.output({ ...result, keyConfigured: key !== null }, () =>
        result.ok
          ? `audit log ok: ${result.entries} entries, head ${result.checkpoint}${result.hmacVerified ? ', HMACs verified' : key ? '' : ` (no key in $${loaded.config.governance.auditKeyEnv}: HMACs not checked)`}${typeof ctx.flags['expect-head'] === 'string' ? ', checkpoint found in the chain' : ''}${result.cut?.length ? `; ${result.cut.map((c) => `${c.positions.length} line(s) of ${c.location} cut off by a later segment`).join('; ')}` : ''}`
          : `audit log BROKEN at ${result.location} line ${result.firstBad!.line}: ${result.firstBad!.reason}`,
      );
      return result.ok ? 0 : 1;
    },
  },
  {
    name: 'audit show',
    summary: 'print the audit log as a table (filter by model, version, actor, kind; --json for the entries)',
    flags: {
      ...configFlag,
      model: { type: 'string', value: '<name>', description: 'only entries about this model' },
      version: { type: 'string', value: '<n>', description: 'only entries about this version' },
      actor: { type: 'string', value: '<login>', description: 'only entries by this actor' },
      kind: {
        type: 'string',
        value: '<event[,event]>',
        description:
          'only these kinds: train, eval, register, approve, promote, rollout, rollback, drift, segment',
      },
      unkeyed: {
        type: 'boolean',
        description: 'show the separate log of events written without the audit key',
      },
    },
    description:
      'The whole chain is verified first; a broken chain is still shown up to its first bad line, with the break named, and the exit code is 1.',
    async run(ctx) {
      const loaded = await loadProject(ctx);
      const key = keyOf(loaded);
      const str = (f: unknown) => (typeof f === 'string' && f.length > 0 ? f : null);
      const { entries, result } = await withStore(loaded, async (store) => {
        const sink = ctx.flags.unkeyed === true ? auditOf(store).unkeyed() : auditOf(store);
        const layout = layoutSegments(await sink.readSegments());
        const result = verifyLayout(layout, {
          key: ctx.flags.unkeyed === true ? null : key,
          location: sink.location,
        });
        const trusted = result.ok ? layout.lines : layout.lines.slice(0, result.firstBad!.line - 1);
        return { entries: parseAuditLines(trusted), result };
      });
      const shown = filterAuditEntries(entries, {
        model: str(ctx.flags.model),
        version: str(ctx.flags.version),
        actor: str(ctx.flags.actor),
        kind:
          str(ctx.flags.kind)
            ?.split(',')
            .map((k) => k.trim()) ?? null,
      });
      ctx.output(
        { ok: result.ok, checkpoint: result.checkpoint, firstBad: result.firstBad, entries: shown },
        () =>
          [
            shown.length ? renderAuditTable(shown) : 'no entries match',
            result.ok
              ? `${shown.length} of ${result.entries} entries; head ${result.checkpoint}`
              : `audit log BROKEN at line ${result.firstBad!.line}: ${result.firstBad!.reason} (entries after it are not shown)`,
          ].join('\n'),
      );
      return result.ok ? 0 : 1;
    },
  },
  {
    name: 'audit segment',
    summary:
      'start a new audit log segment anchoring the last good entry (cuts off a broken tail; starts signing an unsigned log)',
    flags: {
      ...configFlag,
      reason: { type: 'string', value: '<text>', description: 'why (recorded in the segment entry)' },
    },
    description:
      'The segment entry records the anchored head, what was cut off and why, and is signed with the audit key when one is set; on a signed chain the key is required. Entries before the first bad line are kept; nothing good can be cut.',
    async run(ctx) {
      if (typeof ctx.flags.reason !== 'string' || !ctx.flags.reason.trim())
        throw new SlipwayError('USAGE', 'missing --reason <text>', {
          hint: 'e.g. --reason "junk line 1000 in MLflow"',
        });
      const trusted = await trustedInputsOf(ctx);
      const loaded = await loadProject(ctx);
      const actor = trusted.identity as Identity;
      const r = await withStore(loaded, (store) =>
        startAuditSegment(auditOf(store), {
          actor: actor.login,
          reason: ctx.flags.reason as string,
          key: keyOf(loaded),
          keyEnv: loaded.config.governance.auditKeyEnv,
        }),
      );
      ctx.output(r, () =>
        [
          `segment ${r.segment} started at entry ${r.entry.seq}, anchoring ${r.anchored.seq}:${r.anchored.hash}`,
          r.cut ? `cut off from line ${r.cut.line}: ${r.cut.reason}` : 'nothing cut off',
          `new head ${r.entry.seq}:${r.entry.hash}`,
        ].join('\n'),
      );
      return 0;
    },
  },
  {
    name: 'approve',
    summary:
      'approve promoting a version to an alias, or rolling it out to a serving environment (you must be in the role the policy names; never your own version)',
    args: '<version|name:version> (or <model> <version>)',
    flags: {
      ...configFlag,
      for: { type: 'string', value: '<alias>', description: 'the alias being approved, e.g. champion' },
      rollout: {
        type: 'string',
        value: '<environment>',
        description:
          'instead of --for: approve rolling the version out to this serving environment (policy action rollout:<environment>)',
      },
      ...policyFlagDef,
    },
    async run(ctx) {
      // Identity and (in CI) policy are decided before the config module runs.
      const trusted = await trustedInputsOf(ctx);
      const loaded = await loadProject(ctx);
      const { model, version } = await versionArgs(ctx, loaded, 'approve <version> --for <alias>');
      const forAlias = typeof ctx.flags.for === 'string' ? ctx.flags.for : null;
      const rollout = typeof ctx.flags.rollout === 'string' ? ctx.flags.rollout : null;
      if (!forAlias === !rollout)
        throw new SlipwayError('USAGE', 'give either --for <alias> or --rollout <environment>', {
          hint: 'e.g. --for champion (a promotion) or --rollout production (a canary rollout)',
        });
      const actor = trusted.identity as Identity;
      const policy = await trustedPolicy(trusted, {
        projectRoot: loaded.root,
        configPolicyPath: loaded.config.governance.policy,
        policyPath: policyFlag(ctx),
      });
      const result = await withStore(loaded, (store) =>
        approve({
          store,
          model: model!,
          version: version!,
          ...(forAlias ? { alias: forAlias } : { rollout: rollout as string }),
          actor,
          policy,
          lookup: lookupFor(),
          audit: auditOf(store),
          auditKey: keyOf(loaded),
          auditKeyEnv: loaded.config.governance.auditKeyEnv,
        }),
      );
      ctx.output(
        { ...result, actor: actor.login },
        () => `${result.approved ? 'approved' : 'REFUSED'} (${result.rule}): ${result.reason}`,
      );
      return result.approved ? 0 : 1;
    },
  },
  {
    name: 'promote',
    summary:
      'move a registry alias to a version when the policy, eval gates, model card and approvals allow it',
    args: '<version|name:version|models:/name/version> (or <model> <version>)',
    flags: {
      ...configFlag,
      to: {
        type: 'string',
        value: '<alias>',
        description: 'the alias to move (default: eval.baseline, "champion")',
      },
      'policy-ref': {
        type: 'string',
        value: '<ref>',
        description: 'outside CI: read the policy from this git ref (CI always uses the base branch)',
      },
      ...policyFlagDef,
    },
    description:
      'The actor is the GitHub event sender (GITHUB_ACTOR) in Actions, else `git config user.name` / $USER; it cannot be passed. In CI the policy is read from the base branch with git, never from the pull request. Every attempt is appended to the audit log. Exit code 1 when refused; the refusal names the rule.',
    async run(ctx) {
      // Identity and (in CI) policy are decided before the config module runs.
      const trusted = await trustedInputsOf(ctx);
      const loaded = await loadProject(ctx);
      const { model, version } = await versionArgs(ctx, loaded, 'promote <version>');
      const actor = trusted.identity as Identity;
      const alias = typeof ctx.flags.to === 'string' ? ctx.flags.to : loaded.config.eval.baseline;
      let policy: LoadedPolicy;
      try {
        policy = await trustedPolicy(trusted, {
          projectRoot: loaded.root,
          configPolicyPath: loaded.config.governance.policy,
          policyPath: policyFlag(ctx),
          ref: typeof ctx.flags['policy-ref'] === 'string' ? ctx.flags['policy-ref'] : null,
        });
      } catch (err) {
        // Fails closed, and the refused attempt is still on the record.
        await withStore(loaded, (store) =>
          appendAudit(
            auditOf(store),
            {
              event: 'promote',
              outcome: 'refused',
              actor: actor.login,
              model: model!,
              version: version!,
              data: {
                alias,
                rule: 'policy',
                reason: String((err as Error).message).slice(0, 1500),
                identitySource: actor.source,
              },
            },
            { key: keyOf(loaded), keyEnv: loaded.config.governance.auditKeyEnv, keylessFallback: true },
          ),
        ).catch(() => {});
        throw err;
      }
      // Gates are recomputed against the thresholds of the same protected ref the policy comes from.
      const gates = await loadGateConfigFor(actor, {
        configFile: loaded.file,
        config: loaded.config,
        ref: typeof ctx.flags['policy-ref'] === 'string' ? ctx.flags['policy-ref'] : null,
      });
      const result = await withStore(loaded, async (store) => {
        const promoted = await promote({
          store,
          model: model!,
          version: version!,
          alias,
          actor,
          policy,
          lookup: lookupFor(),
          audit: auditOf(store),
          auditKey: keyOf(loaded),
          auditKeyEnv: loaded.config.governance.auditKeyEnv,
          gates,
        });
        let card: { refreshed: boolean; reason?: string } = { refreshed: false };
        if (promoted.promoted && !promoted.unchanged) {
          // The stored card predates the promotion: rewrite it with the new alias and the audit record.
          // The promotion itself is done and audited; a card that cannot be rebuilt is reported, not fatal.
          const dir = await mkdtemp(join(tmpdir(), 'slipway-card-'));
          try {
            await refreshModelCard({
              config: loaded.config,
              store,
              model: model!,
              version: version!,
              audit: auditOf(store),
              auditKey: keyOf(loaded),
              projectRoot: loaded.root,
              outDir: dir,
            });
            card = { refreshed: true };
          } catch (err) {
            card = { refreshed: false, reason: (err as Error).message };
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        }
        return { ...promoted, card };
      });
      ctx.output({ ...result, policy: { source: policy.source, sha256: policy.sha256 } }, () =>
        [
          ...result.checks.map((c) => `${c.passed ? '✓' : '✗'} ${c.name} [${c.rule}]: ${c.reason}`),
          result.promoted
            ? result.unchanged
              ? `${model}@${result.alias} already points at v${version}; nothing moved (audit #${result.audit.seq})`
              : `${model}@${result.alias}: v${result.previousVersion ?? '(unset)'} → v${version} by ${result.actor} (audit #${result.audit.seq})`
            : `REFUSED by ${result.refusedBy!.rule}: ${result.refusedBy!.reason}`,
          ...(result.card.refreshed
            ? ['model card re-stored with the new alias and this promotion']
            : result.card.reason
              ? [`model card not refreshed: ${result.card.reason} (run slipway card ${model}:${version})`]
              : []),
        ].join('\n'),
      );
      return result.promoted ? 0 : 1;
    },
  },
];
