// `pnpm demo:penguins`: the Slipway pull-request pipeline on the multiclass penguins example, with the
// embedded store and no server. Every step is a `slipway` command, exactly as a user or the Actions run it;
// the stages are the flight-delay demo's (apps/flight-delay/scripts/demo.ts).
//
//   node apps/penguins/scripts/demo.ts [--change] [--workdir <dir>] [--json-summary <file>]
//
// --change sets SLIPWAY_DEMO_CHANGE=1, which slipway.config.ts reads: the model becomes gradient-boosted
// trees (model.type 'gbdt') instead of the MLP. The data is unchanged, so its stages are cache hits;
// training reruns and the evaluation compares the trees with the MLP champion.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { prepare, SPLITS } from './prepare.ts';

const MODEL = 'penguins';
const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = resolve(appDir, '..', '..', 'packages', 'cli', 'dist', 'bin.js');
const { values: flags } = parseArgs({
  options: {
    change: { type: 'boolean', default: false },
    'json-summary': { type: 'string' },
    workdir: { type: 'string' },
  },
});
// --workdir runs the demo on a copy of the example (tests use it to start from nothing).
const app = flags.workdir ? resolve(flags.workdir) : appDir;
const out = join(app, 'out');
const change = flags.change === true;
const started = Date.now();
const env: NodeJS.ProcessEnv = {
  ...process.env,
  SLIPWAY_DEMO_CHANGE: change ? '1' : '0',
  SLIPWAY_ADMIN_TOKEN: randomBytes(24).toString('hex'),
};
delete env.SLIPWAY_TRACKING_URI;
delete env.MLFLOW_TRACKING_URI;
if (process.env.SLIPWAY_DEMO_TRACKING_URI) env.SLIPWAY_TRACKING_URI = process.env.SLIPWAY_DEMO_TRACKING_URI;

const seconds = () => ((Date.now() - started) / 1000).toFixed(1).padStart(5);
const say = (line: string) => process.stdout.write(`${line}\n`);
const rel = (p: string) => relative(process.cwd(), p) || '.';
let stepNo = 0;
const TOTAL = 11;
function step(title: string): void {
  stepNo++;
  say(`\n[${seconds()}s] ── ${stepNo}/${TOTAL} ${title}`);
}

class StepFailed extends Error {}

/** Runs `slipway <args> --json`; progress (stderr) streams to the terminal, the JSON result is returned. */
async function slipway<T = Record<string, unknown>>(
  args: string[],
  options: { allowExit?: number[] } = {},
): Promise<{ code: number; result: T }> {
  const child = spawn(process.execPath, [bin, ...args, '--json'], {
    cwd: app,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const code = await new Promise<number>((done) => child.on('close', (c) => done(c ?? 1)));
  let result: T;
  try {
    result = JSON.parse(stdout) as T;
  } catch {
    throw new StepFailed(`slipway ${args.join(' ')} exited ${code} without a JSON result:\n${stdout}`);
  }
  if (code !== 0 && !(options.allowExit ?? []).includes(code)) {
    const err = (result as { error?: { message: string; hint?: string } }).error;
    throw new StepFailed(
      `slipway ${args.join(' ')} exited ${code}${err ? `: ${err.message}${err.hint ? `\n  hint: ${err.hint}` : ''}` : ''}`,
    );
  }
  return { code, result };
}

/** A fresh copy of the example in --workdir: config, policy, schema, DVC config, node_modules linked. */
async function ensureWorkdir(): Promise<void> {
  if (app === appDir) return;
  await mkdir(join(app, '.dvc'), { recursive: true });
  for (const f of [
    'slipway.config.ts',
    'slipway.policy.yaml',
    'schema.json',
    '.dvc/config',
    '.dvc/.gitignore',
  ]) {
    if (!existsSync(join(app, f))) await copyFile(join(appDir, f), join(app, f));
  }
  if (!existsSync(join(app, 'node_modules')))
    await symlink(join(appDir, 'node_modules'), join(app, 'node_modules'), 'dir');
}

async function ensureData(): Promise<void> {
  const missing = Object.values(SPLITS).filter((s) => !existsSync(join(app, 'data', s.file)));
  if (missing.length === 0) {
    say('  data/ has the four splits (delete data/ to rebuild them from vega-datasets)');
    return;
  }
  await prepare(join(app, 'data'), (line) => say(`  ${line}`));
}

/** Replays the penguins of the "recent" window against POST /predict until `stop` resolves. */
async function replayTraffic(
  url: string,
  stop: Promise<unknown>,
): Promise<{ requests: number; failed: number; canary: number }> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const reader = await c.runAndReadAll(
    `SELECT island, beak_length_mm, beak_depth_mm, flipper_length_mm, body_mass_g, sex
     FROM read_parquet('${join(app, 'data', SPLITS['monitor-recent'].file)}') ORDER BY id`,
  );
  const rows = reader.getRowObjectsJson() as Record<string, unknown>[];
  c.closeSync();
  let done = false;
  stop.finally(() => {
    done = true;
  });
  const stats = { requests: 0, failed: 0, canary: 0 };
  let next = 0;
  const worker = async (w: number) => {
    while (!done) {
      const batch = [];
      for (let i = 0; i < 4; i++) batch.push(rows[next++ % rows.length]);
      try {
        const res = await fetch(`${url}/predict`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-request-key': `field-team-${(next * 7 + w) % 500}`,
          },
          body: JSON.stringify({ rows: batch }),
        });
        stats.requests++;
        if (!res.ok) stats.failed++;
        if (res.headers.get('x-slipway-variant') === 'canary') stats.canary++;
        await res.arrayBuffer();
      } catch {
        stats.requests++;
        stats.failed++;
      }
    }
  };
  await Promise.all([0, 1, 2, 3].map(worker));
  return stats;
}

async function startServer(source: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [bin, 'serve', `${MODEL}=${source}`, '--port', '0', '--json'], {
    cwd: app,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buffer = '';
  const url = await new Promise<string>((done, fail) => {
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      buffer += d;
      let parsed: { url?: string; error?: { message: string } };
      try {
        parsed = JSON.parse(buffer);
      } catch {
        return;
      }
      if (parsed.url) done(parsed.url);
      else fail(new StepFailed(`slipway serve failed: ${parsed.error?.message ?? buffer}`));
    });
    child.on('close', (code) =>
      fail(new StepFailed(`slipway serve exited ${code} before it listened:\n${buffer}`)),
    );
  });
  return { child, url };
}

interface RolloutState {
  phase: string;
  weight: number;
  message: string;
  stable: { version: string } | null;
}

async function canaryRollout(stableSource: string, canaryDir: string): Promise<Record<string, unknown>> {
  const { child, url } = await startServer(stableSource);
  say(`  serving the current champion at ${url}`);
  try {
    const admin = ['--url', url];
    await slipway(['canary', 'start', canaryDir, ...admin]);
    let finalState: RolloutState | null = null;
    const t0 = Date.now();
    const finished = (async () => {
      let lastLine = '';
      for (;;) {
        await new Promise((r) => setTimeout(r, 500));
        const { result } = await slipway<RolloutState>(['canary', 'status', ...admin]);
        const line = `  canary: ${result.phase}, weight ${result.weight}% — ${result.message}`;
        if (line !== lastLine) say(line);
        lastLine = line;
        if (result.phase !== 'Progressing' && result.phase !== 'Paused') {
          finalState = result;
          return;
        }
        if (Date.now() - t0 > 120_000) throw new StepFailed('the rollout did not finish within 2 minutes');
      }
    })();
    const traffic = await replayTraffic(url, finished);
    await finished;
    const state = finalState as RolloutState | null;
    say(
      `  replayed ${traffic.requests} requests from the recent window (${traffic.canary} answered by the canary, ${traffic.failed} failed)`,
    );
    return {
      phase: state?.phase,
      stable: state?.stable?.version ?? null,
      message: state?.message,
      traffic,
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('close', r));
  }
}

async function main(): Promise<void> {
  say(
    `Slipway demo on apps/penguins${change ? ' with --change (the MLP becomes gradient-boosted trees)' : ''}`,
  );
  await ensureWorkdir();
  await mkdir(out, { recursive: true });
  const summary: Record<string, unknown> = { change };

  step('prepare data (vega-datasets penguins → train / eval / monitor recent + Torgersen island)');
  await ensureData();

  step('version the data (DVC-compatible data.dvc)');
  const added = await slipway<{
    results: { dvcFile: string; nfiles?: number; size: number; hashed: number; changed: boolean }[];
  }>(['data', 'add', 'data']);
  for (const r of added.result.results) {
    say(
      `  ${r.dvcFile}: ${r.nfiles ?? 1} file(s), ${(r.size / 1024).toFixed(1)} KiB — ${r.changed ? `new content, ${r.hashed} file(s) hashed` : 'unchanged (hash cache hit: nothing re-hashed)'}`,
    );
  }
  summary.data = { changed: added.result.results.some((r) => r.changed) };

  step('validate the eval split against the reviewed schema, and check drift');
  const validation = await slipway<{ success: boolean }>(
    ['data', 'validate', 'data/eval.parquet', '--schema', join(app, 'schema.json')],
    { allowExit: [1] },
  );
  say(`  validation: ${validation.code === 0 ? 'passed' : 'anomalies found (see out/validation.json)'}`);
  await writeFile(join(out, 'validation.json'), JSON.stringify(validation.result, null, 2));
  const drift = await slipway<{ drifted: boolean; share: number; driftedCount: number; testedCount: number }>(
    [
      'data',
      'drift',
      '--reference',
      'data/train.parquet',
      '--current',
      'data/eval.parquet',
      '--out',
      join(out, 'drift.json'),
      '--html',
      join(out, 'drift.html'),
    ],
    { allowExit: [1] },
  );
  say(
    `  drift train → eval: ${drift.result.driftedCount}/${drift.result.testedCount} columns drifted (share ${drift.result.share.toFixed(2)}; dataset drift: ${drift.result.drifted ? 'yes' : 'no'})`,
  );
  summary.validation = { passed: validation.code === 0 };
  summary.drift = { drifted: drift.result.drifted, share: drift.result.share };

  step('train (stage cache in slipway.lock)');
  const trained = await slipway<{ packageDir: string; cached: boolean; hash: string }>(['train']);
  const packageDir = resolve(app, trained.result.packageDir);
  say(
    `  ${trained.result.cached ? 'stage cache hit: inputs unchanged, reused' : 'trained'} ${rel(packageDir)} (hash ${trained.result.hash.slice(0, 12)})`,
  );
  summary.train = { cached: trained.result.cached, hash: trained.result.hash, package: rel(packageDir) };

  step('evaluate against the champion');
  const evalDir = join(out, 'eval');
  const evaluated = await slipway<{
    verdict: string;
    report: {
      firstRun: boolean;
      gates: { metric: string; rule: string; passed: boolean; reason: string }[];
      metrics: { name: string; candidate: number | null; baseline: number | null; delta: number | null }[];
    };
  }>(
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
  for (const m of report.metrics.filter((m) => ['accuracy', 'macro_f1', 'log_loss'].includes(m.name))) {
    const fmt = (v: number | null) => (v === null ? '—' : v.toFixed(4));
    say(
      `    ${m.name.padEnd(9)} candidate ${fmt(m.candidate)}${m.baseline !== null ? `  champion ${fmt(m.baseline)}  Δ ${m.delta !== null && m.delta >= 0 ? '+' : ''}${fmt(m.delta)}` : ''}`,
    );
  }
  for (const g of report.gates) say(`    ${g.passed ? '✔' : '✖'} ${g.metric} ${g.rule}: ${g.reason}`);
  summary.eval = { verdict: evaluated.result.verdict, firstRun: report.firstRun };
  if (evaluated.code !== 0) {
    say('\nA gate failed: on a pull request this fails the check, and the candidate is not registered.');
    await finish(summary, 1);
    return;
  }

  step('register the candidate');
  const registered = await slipway<{ model: string; version: string }>([
    'register',
    packageDir,
    '--eval',
    join(evalDir, 'report.json'),
  ]);
  const version = registered.result.version;
  say(`  registered ${registered.result.model} version ${version}`);

  step('write the model card');
  const card = await slipway<{ markdown: string; missing: { field: string }[] }>([
    'card',
    `${MODEL}:${version}`,
    '--out',
    join(out, 'card'),
  ]);
  say(
    `  ${rel(card.result.markdown)} (${card.result.missing.length} field(s) listed as missing, not invented)`,
  );

  step('promote to champion (RBAC policy + gates + card + audit log)');
  const previous = await slipway<{ aliases?: Record<string, string> }>(['models', 'show', MODEL], {
    allowExit: [2],
  });
  const previousChampion = previous.result.aliases?.champion ?? null;
  const promoted = await slipway<{
    promoted: boolean;
    previousVersion: string | null;
    refusedBy: { rule: string; reason: string } | null;
  }>(['promote', MODEL, version, '--to', 'champion'], { allowExit: [1] });
  if (!promoted.result.promoted)
    throw new StepFailed(
      `promotion refused by ${promoted.result.refusedBy?.rule}: ${promoted.result.refusedBy?.reason}`,
    );
  say(`  champion: ${promoted.result.previousVersion ?? '(none)'} → ${version}`);

  step('canary rollout with traffic replayed from the recent window');
  if (previousChampion && previousChampion !== version) {
    summary.canary = await canaryRollout(`models:/${MODEL}/${previousChampion}`, packageDir);
  } else if (previousChampion === version) {
    say(`  version ${version} is already the champion and serving: nothing to roll out.`);
    summary.canary = { phase: 'unchanged' };
  } else {
    say(
      '  first release: there is no earlier champion to run a canary against, so this version goes live as stable.',
    );
    say('  run `pnpm demo:penguins --change` to see the trees rolled out as a canary against it.');
    summary.canary = { phase: 'first-release' };
  }

  step('monitor the recent window and Torgersen island against the training profile');
  const monitored = await slipway<{
    alert: boolean;
    windows: { name: string; alert: boolean; reasons: string[] }[];
  }>(['monitor', '--model', 'champion', '--out', join(out, 'monitor')], { allowExit: [1] });
  for (const w of monitored.result.windows)
    say(`  ${w.name}: ${w.alert ? `ALERT — ${w.reasons.join('; ')}` : 'no alert'}`);
  summary.monitor = monitored.result.windows.map((w) => ({
    name: w.name,
    alert: w.alert,
    reasons: w.reasons,
  }));

  step('verify the audit log');
  const audit = await slipway<{ ok: boolean; entries: number }>(['audit', 'verify']);
  say(`  audit log intact: ${audit.result.entries} hash-chained entries`);
  summary.audit = audit.result;

  summary.files = {
    prComment: rel(join(evalDir, 'report.md')),
    htmlReport: rel(join(evalDir, 'report.html')),
    modelCard: rel(card.result.markdown),
    driftReport: rel(join(out, 'drift.html')),
    monitor: rel(join(out, 'monitor')),
  };
  await finish(summary, 0);
}

async function finish(summary: Record<string, unknown>, code: number): Promise<void> {
  summary.seconds = (Date.now() - started) / 1000;
  if (summary.files) {
    const f = summary.files as Record<string, string>;
    say(`\nDone in ${summary.seconds}s. Outputs:`);
    say(`  PR comment (Markdown)  ${f.prComment}`);
    say(`  HTML report            ${f.htmlReport}`);
    say(`  model card             ${f.modelCard}`);
    say(`  drift report           ${f.driftReport}`);
    say(`  monitoring reports     ${f.monitor}/<window>/monitor.html`);
    say('  audit log              slipway audit verify (in the embedded store, .slipway/)');
  }
  if (flags['json-summary'])
    await writeFile(resolve(flags['json-summary']), `${JSON.stringify(summary, null, 2)}\n`);
  process.exitCode = code;
}

main().catch(async (err) => {
  process.stderr.write(
    `\ndemo failed at step ${stepNo}: ${err instanceof StepFailed ? err.message : (err as Error).stack}\n`,
  );
  process.exitCode = 2;
});
