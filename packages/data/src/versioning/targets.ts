import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SlipwayError } from '@slipway/core/base';
import { type DvcFile, type DvcOut, readDvcFile } from './dvcfile.js';
import { type DvcRepo, repoRelative } from './repo.js';

/** One output of one `.dvc` file, with its absolute and project-relative paths. */
export interface TrackedOut {
  dvcFile: DvcFile;
  out: DvcOut;
  abs: string;
  /** Project-relative POSIX path of the output. */
  rel: string;
  /** Project-relative POSIX path of the `.dvc` file. */
  dvcRel: string;
}

const SKIP_DIRS = new Set(['.git', '.dvc', 'node_modules']);

/** Every `.dvc` file in the project, not descending into tracked outputs (they hold no `.dvc` files). */
function findDvcFiles(dir: string, out: string[]): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const set = new Set(names);
  for (const name of names) {
    const abs = join(dir, name);
    if (name.endsWith('.dvc') && name !== '.dvc') {
      try {
        if (statSync(abs).isFile()) out.push(abs);
      } catch {}
      continue;
    }
    if (SKIP_DIRS.has(name) || set.has(`${name}.dvc`)) continue;
    try {
      if (statSync(abs).isDirectory()) findDvcFiles(abs, out);
    } catch {}
  }
}

async function outsOf(repo: DvcRepo, file: string): Promise<TrackedOut[]> {
  const parsed = await readDvcFile(file);
  const wdirNode = (parsed.value as { wdir?: unknown }).wdir;
  const base = typeof wdirNode === 'string' ? resolve(dirname(file), wdirNode) : dirname(file);
  const dvcRel = repoRelative(repo, file, file);
  return parsed.outs.map((out) => {
    if (out.hash !== 'md5' && out.md5 !== undefined) {
      throw new SlipwayError('LEGACY_DVC_FILE', `${dvcRel}:${out.line}: a DVC 2.x entry (no \`hash: md5\`)`, {
        hint: 'DVC 2 hashed text files after dos2unix; run `dvc cache migrate --dvc-files` (DVC 3) or re-add the data',
      });
    }
    const abs = resolve(base, out.path);
    return { dvcFile: parsed, out, abs, rel: repoRelative(repo, abs, `${dvcRel}: path ${out.path}`), dvcRel };
  });
}

/**
 * Outputs named by `targets` (data paths, `.dvc` files, or directories holding `.dvc` files), or every
 * output in the project when none are given.
 */
export async function collectOuts(
  repo: DvcRepo,
  cwd: string,
  targets: readonly string[] = [],
): Promise<TrackedOut[]> {
  const files: string[] = [];
  if (targets.length === 0) findDvcFiles(repo.root, files);
  for (const target of targets) {
    const abs = resolve(cwd, target.replace(/[/\\]+$/, ''));
    repoRelative(repo, abs, target);
    if (abs.endsWith('.dvc') && existsSync(abs)) files.push(abs);
    else if (existsSync(`${abs}.dvc`)) files.push(`${abs}.dvc`);
    else if (existsSync(abs) && statSync(abs).isDirectory()) {
      const before = files.length;
      findDvcFiles(abs, files);
      if (files.length === before)
        throw new SlipwayError('NOT_TRACKED', `${target}: not tracked and holds no .dvc files`, {
          hint: `track it with \`slipway data add ${target}\``,
        });
    } else {
      throw new SlipwayError('NOT_TRACKED', `${target}: no ${target}.dvc file`, {
        hint: existsSync(abs) ? `track it with \`slipway data add ${target}\`` : 'check the path',
      });
    }
  }
  const unique = [...new Set(files)].sort();
  const outs: TrackedOut[] = [];
  for (const file of unique) outs.push(...(await outsOf(repo, file)));
  return outs;
}
