// The demos' canary step: serve the previous champion with `slipway serve`, start the new version as a
// canary through the admin API, and replay one of the app's windows as live traffic while the rollout
// controller shifts weight and analyses, until it promotes or rolls back.
import type { ChildProcess } from 'node:child_process';
import { type Cli, StepFailed, slipway, spawnSlipway } from './slipway.ts';

/** The traffic an app replays during its canary. */
export interface DemoTraffic {
  /** The rows sent to POST /predict (the app reads them from one of its monitoring windows). */
  rows: (dataDir: string) => Promise<Record<string, unknown>[]>;
  /** Rows per request. */
  batch: number;
  /** Sticky-routing keys `<keyPrefix>-<n>`, n below `keys`: that many distinct callers. */
  keyPrefix: string;
  keys: number;
  /** Where the replayed requests came from, in the summary line ("of May traffic"). */
  label: string;
}

type Rows = Record<string, unknown>[];
interface TrafficStats {
  requests: number;
  failed: number;
  canary: number;
}

/** Replays `rows` against POST /predict from four concurrent callers until `stop` settles; counts outcomes. */
async function replayTraffic(
  url: string,
  stop: Promise<unknown>,
  rows: Rows,
  traffic: DemoTraffic,
): Promise<TrafficStats> {
  let done = false;
  stop.finally(() => {
    done = true;
  });
  const stats = { requests: 0, failed: 0, canary: 0 };
  let next = 0;
  const worker = async (w: number) => {
    while (!done) {
      const batch = [];
      for (let i = 0; i < traffic.batch; i++) batch.push(rows[next++ % rows.length]);
      try {
        const res = await fetch(`${url}/predict`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-request-key': `${traffic.keyPrefix}-${(next * 7 + w) % traffic.keys}`,
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

/** Starts `slipway serve <model>=<source>` on a free port and waits for the URL it prints. */
async function startServer(
  cli: Cli,
  model: string,
  source: string,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawnSlipway(cli, ['serve', `${model}=${source}`, '--port', '0']);
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

type Step = { setWeight: number } | { pause: { duration?: string } } | { analysis: unknown };

interface RolloutState {
  phase: string;
  weight: number;
  message: string;
  stable: { version: string; hash?: string } | null;
  canary: { version: string; hash?: string } | null;
  steps: Step[];
  currentStepIndex: number | null;
}

function stepText(s: Step | undefined): string {
  if (!s) return 'step';
  if ('setWeight' in s) return `set weight ${s.setWeight}%`;
  if ('pause' in s) return s.pause.duration ? `pause ${s.pause.duration}` : 'pause until promoted';
  return 'analysis';
}

export interface CanaryRun {
  cli: Cli;
  model: string;
  dataDir: string;
  traffic: DemoTraffic;
  say: (line: string) => void;
  /** Registry versions by package hash prefix, so the story says "v2" where the registry does. */
  versions?: Record<string, string>;
}

/** Rolls `canarySource` (a registered version) out as a canary of `stableSource` under replayed traffic. */
export async function canaryRollout(
  run: CanaryRun,
  stableSource: string,
  canarySource: string,
): Promise<Record<string, unknown>> {
  const { cli, say } = run;
  const { child, url } = await startServer(cli, run.model, stableSource);
  say(`  serving the current champion at ${url}`);
  try {
    const admin = ['--url', url];
    await slipway(cli, ['canary', 'start', canarySource, ...admin]);
    let finalState: RolloutState | null = null;
    const t0 = Date.now();
    // Polls the controller while the traffic runs; the step ends when the rollout leaves its active phases.
    // The server names a directory by its package hash; say the registry version next to it.
    const named = (text: string) =>
      Object.entries(run.versions ?? {})
        .reduce(
          (t, [hash, v]) =>
            t.replaceAll(`(version ${hash.slice(0, 12)})`, `(v${v}, package ${hash.slice(0, 12)})`),
          text,
        )
        .replaceAll(`${run.dataDir.replace(/[/\\]data$/, '')}/`, '');
    const finished = (async () => {
      let lastLine = '';
      // Every step is told, also those that ran between two polls.
      let told = -1;
      for (;;) {
        await new Promise((r) => setTimeout(r, 500));
        const { result } = await slipway<RolloutState>(cli, ['canary', 'status', ...admin]);
        const done = result.phase !== 'Progressing' && result.phase !== 'Paused';
        const upTo = done
          ? result.phase === 'Healthy'
            ? result.steps.length - 1
            : told
          : (result.currentStepIndex ?? told);
        for (let i = told + 1; i <= upTo; i++)
          say(`  canary step ${i + 1}/${result.steps.length}: ${stepText(result.steps[i])}`);
        told = Math.max(told, upTo);
        const line = `  canary: ${result.phase}, weight ${done && result.phase === 'Healthy' ? 100 : result.weight}% — ${named(result.message)}`;
        if (line !== lastLine) say(line);
        lastLine = line;
        if (done) {
          finalState = result;
          return;
        }
        if (Date.now() - t0 > 120_000) throw new StepFailed('the rollout did not finish within 2 minutes');
      }
    })();
    const traffic = await replayTraffic(url, finished, await run.traffic.rows(run.dataDir), run.traffic);
    await finished;
    const state = finalState as RolloutState | null;
    say(
      `  replayed ${traffic.requests} requests ${run.traffic.label} (${traffic.canary} answered by the canary, ${traffic.failed} failed)`,
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
