// `pnpm demo`: the whole Slipway pull-request pipeline on the flight-delay example, with the embedded
// store and no server. Every step is a `slipway` command, exactly as a user or the Actions run it.
//
//   node apps/flight-delay/scripts/demo.ts [--change] [--json-summary <file>]
//
// --change sets SLIPWAY_DEMO_CHANGE=1, which slipway.config.ts reads: the route feature gets 1,024 hash
// buckets instead of 256 and training runs one more epoch. The data is unchanged, so its stages are cache
// hits; training reruns and the evaluation compares the new candidate with the champion.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { prepare, SPLITS } from './prepare.ts';

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
const adminToken = randomBytes(24).toString('hex');
const env: NodeJS.ProcessEnv = {
  ...process.env,
  SLIPWAY_DEMO_CHANGE: change ? '1' : '0',
  SLIPWAY_ADMIN_TOKEN: adminToken,
};
delete env.SLIPWAY_TRACKING_URI;
delete env.MLFLOW_TRACKING_URI;
if (process.env.SLIPWAY_DEMO_TRACKING_URI) env.SLIPWAY_TRACKING_URI = process.env.SLIPWAY_DEMO_TRACKING_URI;

const seconds = () => ((Date.now() - started) / 1000).toFixed(1).padStart(5);
const say = (line: string) => process.stdout.write(`${line}\n`);
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

const rel = (p: string) => relative(process.cwd(), p) || '.';

/** A fresh copy of the example in --workdir: config, policy, DVC config, and node_modules linked for imports. */
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
  if (!existsSync(join(app, 'data')) && existsSync(join(appDir, 'data'))) {
    await mkdir(join(app, 'data'));
    for (const s of Object.values(SPLITS)) {
      if (existsSync(join(appDir, 'data', s.file)))
        await copyFile(join(appDir, 'data', s.file), join(app, 'data', s.file));
    }
  }
}

async function ensureData(): Promise<void> {
  const missing = Object.values(SPLITS).filter((s) => !existsSync(join(app, 'data', s.file)));
  if (missing.length === 0) {
    say('  data/ has the four splits (delete data/ to rebuild them from vega-datasets)');
    return;
  }
  await prepare(join(app, 'data'), (line) => say(`  ${line}`));
}

/** Replays rows of the May window against POST /predict until `stop` resolves; counts the outcomes. */
async function replayTraffic(
  url: string,
  stop: Promise<unknown>,
): Promise<{ requests: number; failed: number; canary: number }> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const reader = await c.runAndReadAll(
    `SELECT hour, day_of_week, distance, origin, destination, route FROM read_parquet('${join(app, 'data', 'monitor-may.parquet')}') ORDER BY id LIMIT 20000`,
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
      for (let i = 0; i < 8; i++) batch.push(rows[next++ % rows.length]);
      try {
        const res = await fetch(`${url}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-key': `user-${(next * 7 + w) % 5000}` },
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
  const child = spawn(process.execPath, [bin, 'serve', `flight-delay=${source}`, '--port', '0', '--json'], {
    cwd: app,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buffer = '';
  const url = await new Promise<string>((done, fail) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
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
  canary: { version: string } | null;
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
      `  replayed ${traffic.requests} requests of May traffic (${traffic.canary} answered by the canary, ${traffic.failed} failed)`,
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
    `Slipway demo on apps/flight-delay${change ? ' with --change (route hash buckets 256 → 1024, one more epoch)' : ''}`,
  );
  await ensureWorkdir();
  await mkdir(out, { recursive: true });
  const summary: Record<string, unknown> = { change };

  step('prepare data (vega-datasets flights-3m → train Jan–Mar, eval Apr, monitor May + Jun)');
  await ensureData();

  step('version the data (DVC-compatible data.dvc)');
  const added = await slipway<{
    results: {
      path: string;
      dvcFile: string;
      nfiles?: number;
      size: number;
      hashed: number;
      changed: boolean;
    }[];
  }>(['data', 'add', 'data']);
  for (const r of added.result.results) {
    say(
      `  ${r.dvcFile}: ${r.nfiles ?? 1} file(s), ${(r.size / 2 ** 20).toFixed(1)} MiB — ${r.changed ? `new content, ${r.hashed} file(s) hashed` : 'unchanged (hash cache hit: nothing re-hashed)'}`,
    );
  }
  summary.data = { changed: added.result.results.some((r) => r.changed) };

  step('validate the eval split against the training schema, and check drift');
  // The reviewed schema.json of the project (README: inferred from train, ranges widened for later months).
  const schemaFile = join(app, 'schema.json');
  if (!existsSync(schemaFile))
    await slipway(['data', 'schema', 'infer', 'data/train.parquet', '--out', schemaFile]);
  const validation = await slipway<{ success: boolean; failed?: unknown[] }>(
    ['data', 'validate', 'data/eval.parquet', '--schema', schemaFile],
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
      '--markdown',
      join(out, 'drift.md'),
      '--html',
      join(out, 'drift.html'),
    ],
    { allowExit: [1] },
  );
  say(
    `  drift train → eval: ${drift.result.driftedCount}/${drift.result.testedCount} columns drifted (share ${drift.result.share.toFixed(2)}; dataset drift: ${drift.result.drifted ? 'yes' : 'no'})`,
  );
  summary.drift = { drifted: drift.result.drifted, share: drift.result.share };

  step('train (stage cache in slipway.lock)');
  const trained = await slipway<{
    packageDir: string;
    cached: boolean;
    hash: string;
    metrics: Record<string, number>;
  }>(['train']);
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
  for (const m of report.metrics.filter((m) => ['roc_auc', 'log_loss', 'f1'].includes(m.name))) {
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
    `flight-delay:${version}`,
    '--out',
    join(out, 'card'),
  ]);
  say(
    `  ${rel(card.result.markdown)} (${card.result.missing.length} field(s) listed as missing, not invented)`,
  );

  step('promote to champion (RBAC policy + gates + card + audit log)');
  const previous = await slipway<{ version?: string }>(['models', 'show', 'flight-delay'], {
    allowExit: [2],
  });
  const previousChampion =
    (previous.result as { aliases?: Record<string, string> }).aliases?.champion ?? null;
  const promoted = await slipway<{
    promoted: boolean;
    previousVersion: string | null;
    refusedBy: { rule: string; reason: string } | null;
  }>(['promote', 'flight-delay', version, '--to', 'champion'], { allowExit: [1] });
  if (!promoted.result.promoted)
    throw new StepFailed(
      `promotion refused by ${promoted.result.refusedBy?.rule}: ${promoted.result.refusedBy?.reason}`,
    );
  say(`  champion: ${promoted.result.previousVersion ?? '(none)'} → ${version}`);

  step('canary rollout with traffic replayed from the May window');
  if (previousChampion && previousChampion !== version) {
    summary.canary = await canaryRollout(`models:/flight-delay/${previousChampion}`, packageDir);
  } else if (previousChampion === version) {
    say(`  version ${version} is already the champion and serving: nothing to roll out.`);
    summary.canary = { phase: 'unchanged' };
  } else {
    say(
      '  first release: there is no earlier champion to run a canary against, so this version goes live as stable.',
    );
    say(
      '  run `pnpm demo --change` to see a canary of the next version against it, with analysis and rollback.',
    );
    summary.canary = { phase: 'first-release' };
  }

  step('monitor May and June against the training profile');
  const monitored = await slipway<{
    alert: boolean;
    windows: { name: string; alert: boolean; reasons: string[]; files: Record<string, string> }[];
  }>(['monitor', '--model', 'champion', '--out', join(out, 'monitor')], { allowExit: [1] });
  for (const w of monitored.result.windows)
    say(`  ${w.name}: ${w.alert ? `ALERT — ${w.reasons.join('; ')}` : 'no alert'}`);
  summary.monitor = monitored.result.windows.map((w) => ({ name: w.name, alert: w.alert }));

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
