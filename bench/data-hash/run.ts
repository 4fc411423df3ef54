// Benchmark: `slipway data add` vs `dvc add` (and vs md5sum as the single-stream limit) on a 1 GiB file
// and on 20,000 small files, then a no-op re-add of the unchanged small files. One run, ratios printed.
// Usage (from the repo root, after `pnpm --filter @slipway/data --filter @slipway/cli build`):
//   node bench/data-hash/run.ts [--big-mib 1024] [--files 20000]
import { execFileSync, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const BIG_MIB = opt('big-mib', 1024);
const FILES = opt('files', 20000);
const repoRoot = resolve(import.meta.dirname, '..', '..');
const cli = join(repoRoot, 'packages', 'cli', 'dist', 'bin.js');
const engine = join(repoRoot, 'bench', 'data-hash', 'engine.ts');
const dvc = join(repoRoot, '.venv-interop', 'bin', 'dvc');
for (const [what, path] of [
  ['slipway CLI (build it: pnpm --filter @slipway/data --filter @slipway/cli build)', cli],
  ['dvc (bash scripts/interop-venv.sh)', dvc],
]) {
  if (!existsSync(path as string)) {
    console.error(`missing ${what}: ${path}`);
    process.exit(2);
  }
}

const env = { ...process.env, DVC_NO_ANALYTICS: '1', CI: 'true' };

interface Timing {
  wall: number;
  /** user + system CPU seconds of the command and its children (from /usr/bin/time), NaN if unknown. */
  cpu: number;
}

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

function time(label: string, cmd: string, argv: string[], cwd: string): Timing {
  const full = TIME ? [TIME, ['-f', '@@cpu %U %S', cmd, ...argv]] : [cmd, argv];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(full[0] as string, full[1] as string[], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 26,
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) {
    console.error(`${label} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    process.exit(1);
  }
  const m = /@@cpu ([\d.]+) ([\d.]+)/.exec(String(r.stderr));
  const cpu = m ? Number(m[1]) + Number(m[2]) : Number.NaN;
  console.log(
    `  ${label.padEnd(40)} ${wall.toFixed(3).padStart(8)} s wall ${cpu.toFixed(2).padStart(7)} s cpu`,
  );
  return { wall, cpu };
}

function project(dir: string): void {
  mkdirSync(dir, { recursive: true });
  // Both start from `dvc init --no-scm`, so both find the same .dvc/ layout.
  execFileSync(dvc, ['init', '--no-scm', '-q'], { cwd: dir, env });
}

const work = mkdtempSync(join(tmpdir(), 'slipway-bench-'));
console.log(`data-hash benchmark in ${work} (${cpus().length} cores, node ${process.version})`);
try {
  // --- data -------------------------------------------------------------------------------------
  const src = join(work, 'src');
  mkdirSync(join(src, 'many'), { recursive: true });
  const buf = Buffer.allocUnsafe(8 << 20);
  const fd = openSync(join(src, 'big.bin'), 'w');
  for (let left = BIG_MIB << 20; left > 0; left -= buf.length) {
    randomFillSync(buf);
    writeSync(fd, buf, 0, Math.min(buf.length, left));
  }
  closeSync(fd);
  let smallBytes = 0;
  const small = Buffer.allocUnsafe(16384);
  for (let i = 0; i < FILES; i++) {
    const dir = join(src, 'many', `d${String(i % 100).padStart(2, '0')}`, `s${i % 7}`);
    if (i < 700) mkdirSync(dir, { recursive: true });
    const size = 64 + ((i * 7919) % 8128);
    randomFillSync(small, 0, size);
    writeFileSync(join(dir, `f${i}.bin`), small.subarray(0, size));
    smallBytes += size;
  }
  console.log(
    `made big.bin (${BIG_MIB} MiB) and many/ (${FILES} files, ${(smallBytes / 2 ** 20).toFixed(1)} MiB)\n`,
  );
  const ours = join(work, 'ours');
  const lib = join(work, 'engine');
  const theirs = join(work, 'dvc');
  for (const dir of [ours, lib, theirs]) {
    project(dir);
    // Hard links: every tool reads the same bytes (in the page cache after the warm-up).
    execFileSync('cp', ['-al', join(src, 'big.bin'), join(src, 'many'), dir]);
  }
  time('md5sum big.bin (warm-up)', 'md5sum', ['big.bin'], ours);
  const cliRun = (dir: string, ...a: string[]) =>
    time(`slipway ${a.join(' ')}`, process.execPath, [cli, 'data', ...a], dir);
  const libRun = (dir: string, ...a: string[]) =>
    time(`engine ${a.join(' ')}`, process.execPath, [engine, ...a], dir);

  console.log('large file');
  const md5sum = time('md5sum big.bin', 'md5sum', ['big.bin'], ours);
  const dvcBig = time('dvc add big.bin', dvc, ['add', '-q', 'big.bin'], theirs);
  const cliBig = cliRun(ours, 'add', 'big.bin');
  const libBig = libRun(lib, 'add', 'big.bin');
  // Hash only (no cache copy): a new mtime makes `status` re-read the unchanged file.
  utimesSync(join(ours, 'big.bin'), new Date(), new Date());
  utimesSync(join(lib, 'big.bin'), new Date(), new Date());
  const cliHash = cliRun(ours, 'status', 'big.bin');
  const libHash = libRun(lib, 'status', 'big.bin');

  console.log(`small files (${FILES})`);
  const dvcMany = time('dvc add many', dvc, ['add', '-q', 'many'], theirs);
  const cliMany = cliRun(ours, 'add', 'many');
  const libMany = libRun(lib, 'add', 'many');

  console.log('no-op re-add (nothing changed)');
  const dvcNoop = time('dvc add many (again)', dvc, ['add', '-q', 'many'], theirs);
  const cliNoop = cliRun(ours, 'add', 'many');
  const libNoop = libRun(lib, 'add', 'many');
  const cliStart = time('slipway --version (CLI start-up alone)', process.execPath, [cli, '--version'], ours);

  const same = (dir: string, f: string) => readFileSync(join(dir, f)).equals(readFileSync(join(theirs, f)));
  const identical = [ours, lib].every((d) => same(d, 'big.bin.dvc') && same(d, 'many.dvc'));
  const gib = BIG_MIB / 1024;
  console.log('\nresults: wall-time ratios (peer ÷ ours; CPU-time ratio in brackets)');
  console.log('                                                  slipway CLI            engine only');
  const r = (peer: Timing, us: Timing) =>
    `${(peer.wall / us.wall).toFixed(2).padStart(6)}× [cpu ${(peer.cpu / us.cpu).toFixed(2)}×]`;
  const row = (name: string, peer: Timing, a: Timing, b: Timing, target: number) =>
    console.log(
      `  ${name.padEnd(46)} ${r(peer, a)}  ${r(peer, b)}  target ≥ ${target}×: CLI ${peer.wall / a.wall >= target ? 'met' : 'MISSED'}, engine ${peer.wall / b.wall >= target ? 'met' : 'MISSED'}`,
    );
  row('large file: dvc add vs data add', dvcBig, cliBig, libBig, 1.5);
  row('large file: md5sum vs re-hash (status)', md5sum, cliHash, libHash, 0.85);
  row('large file: md5sum vs data add (hash+copy)', md5sum, cliBig, libBig, 0.85);
  row('small files: dvc add vs data add', dvcMany, cliMany, libMany, 1.5);
  row('no-op re-add: dvc add vs data add', dvcNoop, cliNoop, libNoop, 5);
  console.log(
    `  throughput (GiB/s): md5sum ${(gib / md5sum.wall).toFixed(2)}; re-hash CLI ${(gib / cliHash.wall).toFixed(2)}, engine ${(gib / libHash.wall).toFixed(2)}; add CLI ${(gib / cliBig.wall).toFixed(2)}, engine ${(gib / libBig.wall).toFixed(2)}, dvc ${(gib / dvcBig.wall).toFixed(2)}`,
  );
  console.log(`  CLI start-up alone: ${cliStart.wall.toFixed(2)} s wall, ${cliStart.cpu.toFixed(2)} s cpu`);
  console.log(`  .dvc files byte-identical to DVC's: ${identical ? 'yes' : 'NO'}`);
  console.log(
    `  load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (${cpus().length} cores)`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
