/**
 * Retrains a registered version from its recorded lineage and says whether the weights come out the same.
 * The project directory is materialised at the recorded commit (`git archive`) inside the project's
 * .slipway/ directory (so the config's imports resolve as they do for the project), the recorded data
 * files are linked in after their md5 is checked against lineage.json, and train() runs with the recorded
 * backend. The current working tree, slipway.lock and the store are never touched.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { hashFile, loadConfig, type Progress, silentProgress } from '@slipway/core';
import { train } from '@slipway/training';
import type { AuditSink } from '../audit/sink.js';
import { type GovernanceStore, readPackageFacts } from '../version/store.js';
import { lineageChain } from './chain.js';

const exec = promisify(execFile);

export interface ReproduceOptions {
  store: GovernanceStore;
  model: string;
  version: string;
  /** The project directory (holds slipway.config.ts); the data files are looked up here. */
  projectDir: string;
  audit?: AuditSink | null;
  auditKey?: string | null;
  progress?: Progress;
  /** Keep the materialised project (for debugging). */
  keep?: boolean;
}

export interface ReproduceCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ReproduceResult {
  model: string;
  version: string;
  /** True when the retrained weights.bin is byte-identical. */
  weightsMatch: boolean;
  original: { packageHash: string; weightsSha256: string; backend: string };
  reproduced: { packageHash: string; weightsSha256: string; backend: string } | null;
  /** features.json identical (the fitted transforms). */
  featuresMatch: boolean | null;
  checks: ReproduceCheck[];
  /** Why it could not be retrained, when it could not. */
  blockedBy: string | null;
  workDir?: string;
}

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await exec('git', args, { cwd, maxBuffer: 16 * 1024 * 1024, timeout: 60_000 });
  return stdout.trim();
}

function extractArchive(repo: string, commit: string, subdir: string, into: string): Promise<void> {
  return new Promise((ok, fail) => {
    const spec = subdir ? `${commit}:${subdir}` : commit;
    const archive = spawn('git', ['archive', '--format=tar', spec], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tar = spawn('tar', ['-x', '-C', into], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    archive.stderr.on('data', (d) => {
      err += d;
    });
    tar.stderr.on('data', (d) => {
      err += d;
    });
    archive.stdout.pipe(tar.stdin);
    let pending = 2;
    let failed = false;
    const done = (code: number | null) => {
      if (code !== 0 && !failed) {
        failed = true;
        fail(new Error(err.trim() || `git archive/tar exited ${code}`));
      }
      if (--pending === 0 && !failed) ok();
    };
    archive.on('close', done);
    tar.on('close', done);
  });
}

export async function reproduce(options: ReproduceOptions): Promise<ReproduceResult> {
  const progress = options.progress ?? silentProgress;
  const scratch = await mkdtemp(join(tmpdir(), 'slipway-reproduce-pkg-'));
  const projectDir = resolve(options.projectDir);
  const workDir = join(projectDir, '.slipway', `reproduce-${randomBytes(4).toString('hex')}`);
  const checks: ReproduceCheck[] = [];
  try {
    const chain = await lineageChain({
      store: options.store,
      model: options.model,
      version: options.version,
      audit: options.audit ?? null,
      auditKey: options.auditKey ?? null,
      keepPackageIn: scratch,
    });
    const l = chain.lineage;
    const original = {
      packageHash: chain.package.hash,
      weightsSha256: chain.package.weightsSha256,
      backend: l.backend,
    };
    const blocked = (why: string): ReproduceResult => ({
      model: options.model,
      version: options.version,
      weightsMatch: false,
      original,
      reproduced: null,
      featuresMatch: null,
      checks,
      blockedBy: why,
    });

    if (!l.code.commit) return blocked('lineage.json records no commit: the code cannot be recovered');
    let top: string;
    try {
      top = await git(projectDir, ['rev-parse', '--show-toplevel']);
      await git(projectDir, ['cat-file', '-e', `${l.code.commit}^{commit}`]);
    } catch {
      return blocked(`commit ${l.code.commit} is not in the repository at ${projectDir} (fetch it first)`);
    }
    checks.push({ name: 'commit', ok: true, detail: `${l.code.commit} found` });
    if (l.code.dirty)
      checks.push({
        name: 'clean tree',
        ok: false,
        detail: 'training ran with uncommitted changes; the commit may not be the code that ran',
      });

    const sub = relative(top, projectDir).split(sep).join('/');
    await mkdir(workDir, { recursive: true });
    try {
      await extractArchive(top, l.code.commit, sub, workDir);
    } catch (err) {
      return blocked(`cannot materialise ${sub || '.'} at ${l.code.commit}: ${(err as Error).message}`);
    }

    // Data: the recorded files, verified by md5, linked into the materialised project.
    for (const d of l.datasets) {
      const target = join(workDir, d.path);
      const source = resolve(projectDir, d.path);
      let candidate = existsSync(target) ? target : existsSync(source) ? source : null;
      if (!candidate) {
        checks.push({
          name: `data ${d.name}`,
          ok: false,
          detail: `${d.path} is not in the project (pull it with slipway data pull)`,
        });
        return blocked(`dataset ${d.name} (${d.path}) is missing`);
      }
      const md5 = await hashFile(candidate, 'md5');
      if (md5 !== d.md5 && candidate === target && existsSync(source)) {
        candidate = source;
      }
      const actual = candidate === target ? md5 : await hashFile(candidate, 'md5');
      if (actual !== d.md5) {
        checks.push({
          name: `data ${d.name}`,
          ok: false,
          detail: `${d.path} has md5 ${actual}, lineage.json records ${d.md5}`,
        });
        return blocked(
          `dataset ${d.name} changed since training (md5 ${actual} ≠ ${d.md5}); check out the recorded data version first`,
        );
      }
      if (candidate !== target) {
        await mkdir(dirname(target), { recursive: true });
        await rm(target, { force: true });
        await symlink(candidate, target);
      }
      checks.push({ name: `data ${d.name}`, ok: true, detail: `${d.path} md5 ${d.md5}` });
    }

    const loaded = await loadConfig({ cwd: workDir });
    const configOk = loaded.configHash === l.configHash;
    checks.push({
      name: 'config',
      ok: configOk,
      detail: configOk
        ? `config at ${l.code.commit.slice(0, 12)} hashes to the recorded ${l.configHash.slice(0, 12)}…`
        : `config at ${l.code.commit.slice(0, 12)} hashes to ${loaded.configHash.slice(0, 12)}…, lineage.json records ${l.configHash.slice(0, 12)}…`,
    });
    if (!configOk)
      return blocked('the config at the recorded commit is not the config that trained this version');

    progress.line(
      `reproduce: retraining ${options.model} v${options.version} at ${l.code.commit.slice(0, 12)} on backend ${l.backend}`,
    );
    const result = await train({
      loaded,
      progress,
      force: true,
      backend: l.backend,
      outDir: join(workDir, '.reproduced'),
    });
    const again = await readPackageFacts(result.packageDir);
    const { createHash } = await import('node:crypto');
    const { readFile } = await import('node:fs/promises');
    const sha = async (dir: string, f: string) =>
      createHash('sha256')
        .update(await readFile(join(dir, f)))
        .digest('hex');
    const featuresMatch =
      (await sha(chain.packageDir!, 'features.json')) === (await sha(result.packageDir, 'features.json'));
    checks.push({
      name: 'features',
      ok: featuresMatch,
      detail: featuresMatch ? 'fitted features.json identical' : 'fitted features.json differs',
    });
    const weightsMatch = again.weightsSha256 === original.weightsSha256;
    checks.push({
      name: 'weights',
      ok: weightsMatch,
      detail: weightsMatch
        ? `weights.bin identical (sha256 ${original.weightsSha256.slice(0, 12)}…)`
        : `weights.bin differs: ${again.weightsSha256.slice(0, 12)}… vs recorded ${original.weightsSha256.slice(0, 12)}…`,
    });
    return {
      model: options.model,
      version: options.version,
      weightsMatch,
      original,
      reproduced: {
        packageHash: again.hash,
        weightsSha256: again.weightsSha256,
        backend: result.backend.name,
      },
      featuresMatch,
      checks,
      blockedBy: null,
      ...(options.keep ? { workDir } : {}),
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
    if (!options.keep) await rm(workDir, { recursive: true, force: true });
  }
}
