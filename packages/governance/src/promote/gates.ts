/**
 * Promotion never trusts a report's own verdict: every gate is recomputed from the report's metrics,
 * intervals, slices and fairness against the thresholds of the protected config (the base branch's in CI),
 * and the report is refused when its verdict or a gate's result does not follow from them.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig, type SlipwayConfig, SlipwayError } from '@slipway/core';
import { applyGates, type EvalReport } from '@slipway/eval';
import type { Identity } from '../policy/identity.js';

const exec = promisify(execFile);

export interface GateConfig {
  eval: SlipwayConfig['eval'];
  /** Where the thresholds came from: `slipway.config.ts` or `<ref>:<path>`. */
  source: string;
}

/**
 * The thresholds that judge a promotion: in CI the config committed on the protected ref (the same one
 * the policy is read from), never the working tree a pull request controls; locally the loaded config
 * unless a ref is asked for.
 */
export async function loadGateConfigFor(
  identity: Identity,
  where: { configFile: string; config: SlipwayConfig; ref?: string | null },
): Promise<GateConfig> {
  const ref = identity.ci ? identity.policyRef : (where.ref ?? null);
  if (!ref) return { eval: where.config.eval, source: where.configFile };
  const dir = dirname(where.configFile);
  let top: string;
  try {
    top = (await exec('git', ['rev-parse', '--show-toplevel'], { cwd: dir })).stdout.trim();
  } catch {
    throw new SlipwayError(
      'CONFIG_NOT_FOUND',
      `${dir}: not a git checkout, so the gates cannot be read from ${ref}`,
      {
        hint: 'check out the repository (actions/checkout with fetch-depth: 0)',
      },
    );
  }
  const path = relative(top, where.configFile).split(sep).join('/');
  let text: string;
  try {
    text = (await exec('git', ['show', `${ref}:${path}`], { cwd: top, maxBuffer: 16 << 20 })).stdout;
  } catch {
    throw new SlipwayError(
      'CONFIG_NOT_FOUND',
      `${ref}:${path}: the config does not exist on the protected ref`,
      {
        hint: 'commit slipway.config.ts to the default branch first; gates are judged by its thresholds',
      },
    );
  }
  // Loaded beside the real one so that its imports resolve the same way; removed right after.
  const temp = join(
    dir,
    `.slipway-protected-${randomBytes(6).toString('hex')}${path.slice(path.lastIndexOf('.'))}`,
  );
  await writeFile(temp, text);
  try {
    const loaded = await loadConfig({ file: temp });
    return { eval: loaded.config.eval, source: `${ref}:${path}` };
  } finally {
    await rm(temp, { force: true });
  }
}

export interface GateRecheck {
  passed: boolean;
  reason: string;
}

/** Recomputes the gates of `report` under `gates`; passes only when the recomputed verdict is pass and agrees. */
export function recheckGates(report: EvalReport, gates: GateConfig): GateRecheck {
  const again = applyGates({
    metrics: report.metrics ?? [],
    gates: gates.eval.gates,
    hasBaseline: report.firstRun === false && report.baseline !== null,
    slices: report.slices ?? [],
    sliceGates: gates.eval.slices.gates,
    fairness: report.fairness ?? null,
    fairnessConfig: gates.eval.fairness,
  });
  const failed = again.gates.filter((g) => !g.passed);
  if (again.verdict !== 'pass') {
    return {
      passed: false,
      reason: `recomputed from the report's metrics against ${gates.source}: ${failed.map((g) => `${g.metric} ${g.rule} (${g.reason})`).join('; ')}`,
    };
  }
  const claimed = new Map((report.gates ?? []).map((g) => [`${g.metric}\u0000${g.rule}`, g.passed]));
  const disagree = again.gates.filter(
    (g) =>
      claimed.has(`${g.metric}\u0000${g.rule}`) && claimed.get(`${g.metric}\u0000${g.rule}`) !== g.passed,
  );
  if (report.verdict !== 'pass' || disagree.length > 0) {
    return {
      passed: false,
      reason: `the report's verdict (${report.verdict}) does not follow from its metrics under ${gates.source}${disagree.length ? `: ${disagree.map((g) => `${g.metric} ${g.rule}`).join(', ')} disagree` : ''}`,
    };
  }
  return {
    passed: true,
    reason: `${again.gates.length} gate(s) recomputed from the report's metrics against ${gates.source}: all pass${again.skipped.length ? ` (${again.skipped.length} change rule(s) skipped: first run)` : ''}`,
  };
}
