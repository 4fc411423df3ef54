// The Slipway pull-request pipeline that `pnpm demo` and `pnpm demo:penguins` run, shared by the example
// apps: prepare → version the data → validate + drift → train → evaluate against the champion → register
// → model card → promote → canary → monitor → verify the audit log, on the embedded store and with no
// server. Every step is a `slipway … --json` command, exactly as a user or the Actions run it. An app's
// scripts/demo.ts passes runDemo a DemoSpec: its model, its data, its traffic and the lines that are its own.
//
//   node apps/<app>/scripts/demo.ts [--change] [--workdir <dir>] [--json-summary <file>]
//
// --change sets SLIPWAY_DEMO_CHANGE=1, which the app's slipway.config.ts reads. --workdir runs the demo on
// a copy of the example (tests use it to start from nothing). Node runs these files with type stripping:
// erasable TypeScript only.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { canaryRollout, type DemoTraffic } from './canary.ts';
import { type Cli, demoEnv, StepFailed, slipway } from './slipway.ts';

/** What makes one app's demo its own; everything else is the shared pipeline. */
export interface DemoSpec {
  /** The example's directory, apps/<name>. */
  appDir: string;
  /** The registered model's name, also the name `slipway serve` mounts it under. */
  model: string;
  /** What --change changes, for the banner. */
  change: string;
  /** Titles of the steps whose wording depends on the app's data. */
  titles: { prepare: string; validate: string; canary: string; monitor: string };
  data: {
    /** The split files `prepare` writes into data/. */
    files: string[];
    prepare: (dataDir: string, log: (line: string) => void) => Promise<unknown>;
    /** Unit of the sizes `data add` reports. */
    unit: 'KiB' | 'MiB';
    /** Copy splits already prepared in the app into a fresh --workdir (preparing them takes a while). */
    seedWorkdir?: boolean;
  };
  validation?: {
    /** Infer schema.json from the train split when the project has none. */
    inferMissingSchema?: boolean;
    /** Also write the drift report as Markdown (out/drift.md). */
    driftMarkdown?: boolean;
  };
  /** Metrics of the evaluation report to print, in order. */
  metrics: string[];
  traffic: DemoTraffic;
  /** Said after a first release, which has no champion to canary against: how to see a canary. */
  firstReleaseHint: string;
}

const TOTAL_STEPS = 11;
const UNITS = { KiB: 1024, MiB: 2 ** 20 };
/** Files a --workdir copy needs from the example: config, policy, the reviewed schema, DVC config. */
const WORKDIR_FILES = [
  'slipway.config.ts',
  'slipway.policy.yaml',
  'schema.json',
  '.dvc/config',
  '.dvc/.gitignore',
];

const say = (line: string) => process.stdout.write(`${line}\n`);
/** Paths as the user typed them: relative to where the demo was started. */
const rel = (p: string) => relative(process.cwd(), p) || '.';

/** One run of the demo: where it runs, how it calls the CLI, and the summary it builds. */
interface Demo {
  spec: DemoSpec;
  /** The directory the demo runs in: the example itself, or its --workdir copy. */
  app: string;
  out: string;
  cli: Cli;
  change: boolean;
  summary: Record<string, unknown>;
  step: (title: string) => void;
}

/** Prints the numbered step headers with the seconds since the start; remembers the step for errors. */
function stepPrinter(started: number): { step: (title: string) => void; current: () => number } {
  let n = 0;
  const seconds = () => ((Date.now() - started) / 1000).toFixed(1).padStart(5);
  return {
    step(title) {
      n++;
      say(`\n[${seconds()}s] ── ${n}/${TOTAL_STEPS} ${title}`);
    },
    current: () => n,
  };
}

/** Runs the demo for one app; sets process.exitCode (0 done, 1 a gate failed, 2 a step failed). */
export async function runDemo(spec: DemoSpec): Promise<void> {
  const started = Date.now();
  const { values: flags } = parseArgs({
    options: {
      change: { type: 'boolean', default: false },
      'json-summary': { type: 'string' },
      workdir: { type: 'string' },
    },
  });
  const app = flags.workdir ? resolve(flags.workdir) : spec.appDir;
  const change = flags.change === true;
  const steps = stepPrinter(started);
  const demo: Demo = {
    spec,
    app,
    out: join(app, 'out'),
    cli: { cwd: app, env: demoEnv(change) },
    change,
    summary: { change },
    step: steps.step,
  };
  try {
    const code = await pipeline(demo);
    demo.summary.seconds = (Date.now() - started) / 1000;
    if (demo.summary.files) printOutputs(demo.summary);
    if (flags['json-summary'])
      await writeFile(resolve(flags['json-summary']), `${JSON.stringify(demo.summary, null, 2)}\n`);
    process.exitCode = code;
  } catch (err) {
    process.stderr.write(
      `\ndemo failed at step ${steps.current()}: ${err instanceof StepFailed ? err.message : (err as Error).stack}\n`,
    );
    process.exitCode = 2;
  }
}

/** The eleven steps in order; returns 1 when a gate fails (the candidate then goes no further), else 0. */
async function pipeline(d: Demo): Promise<number> {
  say(
    `Slipway demo on apps/${basename(d.spec.appDir)}${d.change ? ` with --change (${d.spec.change})` : ''}`,
  );
  await ensureWorkdir(d);
  await mkdir(d.out, { recursive: true });
  await prepareData(d);
  await versionData(d);
  await validateAndDrift(d);
  const packageDir = await train(d);
  const evalDir = join(d.out, 'eval');
  if (!(await evaluate(d, packageDir, evalDir))) {
    say('\nA gate failed: on a pull request this fails the check, and the candidate is not registered.');
    return 1;
  }
  const version = await register(d, packageDir, evalDir);
  const card = await writeCard(d, version);
  const previousChampion = await promote(d, version);
  await rollOut(d, previousChampion, version);
  await monitor(d);
  await verifyAudit(d);
  d.summary.files = {
    prComment: rel(join(evalDir, 'report.md')),
    htmlReport: rel(join(evalDir, 'report.html')),
    modelCard: rel(card),
    driftReport: rel(join(d.out, 'drift.html')),
    monitor: rel(join(d.out, 'monitor')),
  };
  return 0;
}

/** A fresh copy of the example in --workdir: its files, node_modules linked for the config's imports. */
async function ensureWorkdir({ spec, app }: Demo): Promise<void> {
  if (app === spec.appDir) return;
  await mkdir(join(app, '.dvc'), { recursive: true });
  for (const f of WORKDIR_FILES) {
    if (!existsSync(join(app, f))) await copyFile(join(spec.appDir, f), join(app, f));
  }
  if (!existsSync(join(app, 'node_modules')))
    await symlink(join(spec.appDir, 'node_modules'), join(app, 'node_modules'), 'dir');
  if (spec.data.seedWorkdir && !existsSync(join(app, 'data')) && existsSync(join(spec.appDir, 'data'))) {
    await mkdir(join(app, 'data'));
    for (const file of spec.data.files) {
      if (existsSync(join(spec.appDir, 'data', file)))
        await copyFile(join(spec.appDir, 'data', file), join(app, 'data', file));
    }
  }
}

async function prepareData(d: Demo): Promise<void> {
  d.step(d.spec.titles.prepare);
  if (d.spec.data.files.every((file) => existsSync(join(d.app, 'data', file)))) {
    say('  data/ has the four splits (delete data/ to rebuild them from vega-datasets)');
    return;
  }
  await d.spec.data.prepare(join(d.app, 'data'), (line) => say(`  ${line}`));
}

async function versionData(d: Demo): Promise<void> {
  d.step('version the data (DVC-compatible data.dvc)');
  const { unit } = d.spec.data;
  const added = await slipway<{
    results: { dvcFile: string; nfiles?: number; size: number; hashed: number; changed: boolean }[];
  }>(d.cli, ['data', 'add', 'data']);
  for (const r of added.result.results) {
    say(
      `  ${r.dvcFile}: ${r.nfiles ?? 1} file(s), ${(r.size / UNITS[unit]).toFixed(1)} ${unit} — ${r.changed ? `new content, ${r.hashed} file(s) hashed` : 'unchanged (hash cache hit: nothing re-hashed)'}`,
    );
  }
  d.summary.data = { changed: added.result.results.some((r) => r.changed) };
}

async function validateAndDrift(d: Demo): Promise<void> {
  d.step(d.spec.titles.validate);
  const schemaFile = join(d.app, 'schema.json');
  if (d.spec.validation?.inferMissingSchema && !existsSync(schemaFile))
    await slipway(d.cli, ['data', 'schema', 'infer', 'data/train.parquet', '--out', schemaFile]);
  const validation = await slipway<{ success: boolean }>(
    d.cli,
    ['data', 'validate', 'data/eval.parquet', '--schema', schemaFile],
    { allowExit: [1] },
  );
  say(`  validation: ${validation.code === 0 ? 'passed' : 'anomalies found (see out/validation.json)'}`);
  await writeFile(join(d.out, 'validation.json'), JSON.stringify(validation.result, null, 2));
  const markdown = d.spec.validation?.driftMarkdown ? ['--markdown', join(d.out, 'drift.md')] : [];
  const drift = await slipway<{ drifted: boolean; share: number; driftedCount: number; testedCount: number }>(
    d.cli,
    [
      'data',
      'drift',
      '--reference',
      'data/train.parquet',
      '--current',
      'data/eval.parquet',
      '--out',
      join(d.out, 'drift.json'),
      ...markdown,
      '--html',
      join(d.out, 'drift.html'),
    ],
    { allowExit: [1] },
  );
  say(
    `  drift train → eval: ${drift.result.driftedCount}/${drift.result.testedCount} columns drifted (share ${drift.result.share.toFixed(2)}; dataset drift: ${drift.result.drifted ? 'yes' : 'no'})`,
  );
  d.summary.validation = { passed: validation.code === 0 };
  d.summary.drift = { drifted: drift.result.drifted, share: drift.result.share };
}

/** Trains (or reuses the stage cache); returns the model package's directory. */
async function train(d: Demo): Promise<string> {
  d.step('train (stage cache in slipway.lock)');
  const trained = await slipway<{ packageDir: string; cached: boolean; hash: string }>(d.cli, ['train']);
  const packageDir = resolve(d.app, trained.result.packageDir);
  say(
    `  ${trained.result.cached ? 'stage cache hit: inputs unchanged, reused' : 'trained'} ${rel(packageDir)} (hash ${trained.result.hash.slice(0, 12)})`,
  );
  d.summary.train = { cached: trained.result.cached, hash: trained.result.hash, package: rel(packageDir) };
  return packageDir;
}

/** Evaluates the candidate against the champion into `evalDir`; returns whether every gate passed. */
async function evaluate(d: Demo, packageDir: string, evalDir: string): Promise<boolean> {
  d.step('evaluate against the champion');
  const evaluated = await slipway<{
    verdict: string;
    report: {
      firstRun: boolean;
      gates: { metric: string; rule: string; passed: boolean; reason: string }[];
      metrics: { name: string; candidate: number | null; baseline: number | null; delta: number | null }[];
    };
  }>(
    d.cli,
    [
      'eval',
      '--candidate',
      packageDir,
      '--baseline',
      'champion',
      '--data',
      'data/eval.parquet',
      '--out',
      evalDir,
    ],
    { allowExit: [1] },
  );
  const report = evaluated.result.report;
  say(
    `  verdict: ${evaluated.result.verdict.toUpperCase()}${report.firstRun ? ' (first run: no champion yet, absolute thresholds only)' : ' (compared with the champion)'}`,
  );
  const fmt = (v: number | null) => (v === null ? '—' : v.toFixed(4));
  for (const m of report.metrics.filter((m) => d.spec.metrics.includes(m.name))) {
    say(
      `    ${m.name.padEnd(9)} candidate ${fmt(m.candidate)}${m.baseline !== null ? `  champion ${fmt(m.baseline)}  Δ ${m.delta !== null && m.delta >= 0 ? '+' : ''}${fmt(m.delta)}` : ''}`,
    );
  }
  for (const g of report.gates) say(`    ${g.passed ? '✔' : '✖'} ${g.metric} ${g.rule}: ${g.reason}`);
  d.summary.eval = { verdict: evaluated.result.verdict, firstRun: report.firstRun };
  return evaluated.code === 0;
}

/** Registers the candidate with its evaluation; returns the new version. */
async function register(d: Demo, packageDir: string, evalDir: string): Promise<string> {
  d.step('register the candidate');
  const registered = await slipway<{ model: string; version: string }>(d.cli, [
    'register',
    packageDir,
    '--eval',
    join(evalDir, 'report.json'),
  ]);
  say(`  registered ${registered.result.model} version ${registered.result.version}`);
  return registered.result.version;
}

/** Writes the version's model card; returns the Markdown file. */
async function writeCard(d: Demo, version: string): Promise<string> {
  d.step('write the model card');
  const card = await slipway<{ markdown: string; missing: { field: string }[] }>(d.cli, [
    'card',
    `${d.spec.model}:${version}`,
    '--out',
    join(d.out, 'card'),
  ]);
  say(
    `  ${rel(card.result.markdown)} (${card.result.missing.length} field(s) listed as missing, not invented)`,
  );
  return card.result.markdown;
}

/** Promotes `version` to champion; returns the champion it replaced (null on a first release). */
async function promote(d: Demo, version: string): Promise<string | null> {
  d.step('promote to champion (RBAC policy + gates + card + audit log)');
  const { model } = d.spec;
  const previous = await slipway<{ aliases?: Record<string, string> }>(d.cli, ['models', 'show', model], {
    allowExit: [2],
  });
  const promoted = await slipway<{
    promoted: boolean;
    previousVersion: string | null;
    refusedBy: { rule: string; reason: string } | null;
  }>(d.cli, ['promote', model, version, '--to', 'champion'], { allowExit: [1] });
  if (!promoted.result.promoted)
    throw new StepFailed(
      `promotion refused by ${promoted.result.refusedBy?.rule}: ${promoted.result.refusedBy?.reason}`,
    );
  say(`  champion: ${promoted.result.previousVersion ?? '(none)'} → ${version}`);
  // The promotion re-stored the card with the new alias and its record; out/card shows that card too.
  await slipway(d.cli, ['card', `${model}:${version}`, '--out', join(d.out, 'card'), '--no-record']);
  say(`  ${rel(join(d.out, 'card', 'MODEL_CARD.md'))} now names the champion alias and the promotion`);
  return previous.result.aliases?.champion ?? null;
}

/** Package hash → registry version for `versions`, from the registry (slipway models show). */
async function packageVersions(d: Demo, versions: string[]): Promise<Record<string, string>> {
  const { result } = await slipway<{ versions: { version: string; tags: Record<string, string> }[] }>(d.cli, [
    'models',
    'show',
    d.spec.model,
  ]);
  const out: Record<string, string> = {};
  for (const v of result.versions)
    if (versions.includes(v.version) && v.tags['slipway.package.hash'])
      out[v.tags['slipway.package.hash']] = v.version;
  return out;
}

/** Canaries the new champion against the one it replaced, when there is one to compare with. */
async function rollOut(d: Demo, previousChampion: string | null, version: string): Promise<void> {
  d.step(d.spec.titles.canary);
  if (previousChampion && previousChampion !== version) {
    const run = {
      cli: d.cli,
      model: d.spec.model,
      dataDir: join(d.app, 'data'),
      traffic: d.spec.traffic,
      say,
      versions: await packageVersions(d, [previousChampion, version]),
    };
    // The server rolls out only registered versions holding an allowed alias (the new champion here).
    d.summary.canary = await canaryRollout(
      run,
      `models:/${d.spec.model}/${previousChampion}`,
      `models:/${d.spec.model}/${version}`,
    );
  } else if (previousChampion === version) {
    say(`  version ${version} is already the champion and serving: nothing to roll out.`);
    d.summary.canary = { phase: 'unchanged' };
  } else {
    say(
      '  first release: there is no earlier champion to run a canary against, so this version goes live as stable.',
    );
    say(`  ${d.spec.firstReleaseHint}`);
    d.summary.canary = { phase: 'first-release' };
  }
}

async function monitor(d: Demo): Promise<void> {
  d.step(d.spec.titles.monitor);
  const monitored = await slipway<{
    alert: boolean;
    windows: { name: string; alert: boolean; reasons: string[] }[];
  }>(d.cli, ['monitor', '--model', 'champion', '--out', join(d.out, 'monitor')], { allowExit: [1] });
  for (const w of monitored.result.windows)
    say(`  ${w.name}: ${w.alert ? `ALERT — ${w.reasons.join('; ')}` : 'no alert'}`);
  d.summary.monitor = monitored.result.windows.map((w) => ({
    name: w.name,
    alert: w.alert,
    reasons: w.reasons,
  }));
}

async function verifyAudit(d: Demo): Promise<void> {
  d.step('verify the audit log');
  const audit = await slipway<{ ok: boolean; entries: number }>(d.cli, ['audit', 'verify']);
  say(`  audit log intact: ${audit.result.entries} hash-chained entries`);
  d.summary.audit = audit.result;
}

/** The closing list of what the run wrote (a run stopped by a gate has none to show). */
function printOutputs(summary: Record<string, unknown>): void {
  const f = summary.files as Record<string, string>;
  say(`\nDone in ${summary.seconds}s. Outputs:`);
  say(`  PR comment (Markdown)  ${f.prComment}`);
  say(`  HTML report            ${f.htmlReport}`);
  say(`  model card             ${f.modelCard}`);
  say(`  drift report           ${f.driftReport}`);
  say(`  monitoring reports     ${f.monitor}/<window>/monitor.html`);
  say('  audit log              slipway audit verify (in the embedded store, .slipway/)');
}
