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
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { cpus, tmpdir } from 'node:os';
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

function time(label: string, cmd: string, argv: string[], cwd: string): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) {
    console.error(`${label} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    process.exit(1);
  }
  console.log(`  ${label.padEnd(38)} ${secs.toFixed(3)} s`);
  return secs;
}

function project(dir: string, kind: 'ours' | 'dvc'): void {
  mkdirSync(dir, { recursive: true });
  // Both start from `dvc init --no-scm`, so both find the same .dvc/ layout.
  execFileSync(dvc, ['init', '--no-scm', '-q'], { cwd: dir, env });
  void kind;
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
  const theirs = join(work, 'dvc');
  project(ours, 'ours');
  project(theirs, 'dvc');
  // Hard links: both tools read the same bytes (already in the page cache after the first read).
  execFileSync('cp', ['-al', join(src, 'big.bin'), join(src, 'many'), ours]);
  execFileSync('cp', ['-al', join(src, 'big.bin'), join(src, 'many'), theirs]);
  time('md5sum big.bin (warm-up)', 'md5sum', ['big.bin'], ours);

  console.log('large file');
  const md5sum = time('md5sum big.bin', 'md5sum', ['big.bin'], ours);
  const oursBig = time('slipway data add big.bin', process.execPath, [cli, 'data', 'add', 'big.bin'], ours);
  const dvcBig = time('dvc add big.bin', dvc, ['add', '-q', 'big.bin'], theirs);

  console.log(`small files (${FILES})`);
  const oursMany = time('slipway data add many', process.execPath, [cli, 'data', 'add', 'many'], ours);
  const dvcMany = time('dvc add many', dvc, ['add', '-q', 'many'], theirs);

  console.log('no-op re-add (nothing changed)');
  const oursNoop = time(
    'slipway data add many (again)',
    process.execPath,
    [cli, 'data', 'add', 'many'],
    ours,
  );
  const dvcNoop = time('dvc add many (again)', dvc, ['add', '-q', 'many'], theirs);

  const same = (f: string) =>
    execFileSync('cat', [join(ours, f)]).equals(execFileSync('cat', [join(theirs, f)]));
  const identical = same('big.bin.dvc') && same('many.dvc');
  const gib = BIG_MIB / 1024;
  console.log('\nresults');
  const row = (name: string, ratio: number, target: number) =>
    console.log(
      `  ${name.padEnd(44)} ${ratio.toFixed(2)}×   (target ≥ ${target}×: ${ratio >= target ? 'met' : 'MISSED'})`,
    );
  row('large file: dvc add / slipway data add', dvcBig / oursBig, 1.5);
  row('large file: throughput vs md5sum', md5sum / oursBig, 0.85);
  console.log(
    `    (slipway ${(gib / oursBig).toFixed(2)} GiB/s incl. cache copy; md5sum ${(gib / md5sum).toFixed(2)} GiB/s hash only)`,
  );
  row('small files: dvc add / slipway data add', dvcMany / oursMany, 1.5);
  row('no-op re-add: dvc add / slipway data add', dvcNoop / oursNoop, 5);
  console.log(`  .dvc files byte-identical to DVC's: ${identical ? 'yes' : 'NO'}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
