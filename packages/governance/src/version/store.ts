/**
 * Where governance facts about a model version live in the store (local or MLflow), the same way in both:
 * - the version's package: `source` `runs:/<runId>/<path>` (or a local directory), else the run's `model` artifact;
 * - its eval report: run artifact `eval/report.json`, tags `slipway.eval.verdict`, `slipway.eval.sha256`;
 * - its model card: run artifacts `card/MODEL_CARD.md` + `card/model_card.json`, tag `slipway.card.sha256`.
 * The tags make the answer cheap to show; promotion always re-reads the artifact and checks its hash.
 */
import { createHmac } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hashBytes, type Lineage, SlipwayError } from '@slipway/core';
import type { EvalReport } from '@slipway/eval';
import type { ModelVersion, Registry, Tracker } from '@slipway/tracking';
import { MANIFEST_FILE, type Signature, verifyModelPackage } from '@slipway/training';
import { describePackageModel, type PackageModel } from '../card/architecture.js';
import { CARD_JSON, CARD_MARKDOWN, type WrittenCard } from '../card/write.js';

export type GovernanceStore = Tracker & Registry;

export const VERSION_TAGS = {
  packageHash: 'slipway.package.hash',
  evalVerdict: 'slipway.eval.verdict',
  evalSha256: 'slipway.eval.sha256',
  /** HMAC (audit key) binding the report digest to this model version, when a key was configured. */
  evalMac: 'slipway.eval.mac',
  cardSha256: 'slipway.card.sha256',
  /** seq of the `register` intent entry written before the version was created. */
  auditIntent: 'slipway.audit.intent',
  /** Who produced the version (trainer / PR author): never allowed to approve its promotion. */
  author: 'slipway.author',
} as const;

export const EVAL_REPORT_ARTIFACT = 'eval/report.json';
export const CARD_ARTIFACT_DIR = 'card';

function requireRun(v: ModelVersion, what: string): string {
  if (!v.runId) {
    throw new SlipwayError(
      'VERSION_HAS_NO_RUN',
      `${v.name} v${v.version}: has no run, so its ${what} cannot be stored or read`,
      { hint: 'register versions from a tracked training run (slipway train with a store)' },
    );
  }
  return v.runId;
}

async function withTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-gov-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The digest a report is recorded under (sha256 of the stored artifact's bytes). */
export function evalReportDigest(report: EvalReport): string {
  return hashBytes(evalReportText(report));
}

function evalReportText(report: EvalReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** HMAC under the audit key binding a report digest to one model version. */
export function evalReportMac(
  key: string,
  v: Pick<ModelVersion, 'name' | 'version'>,
  sha256: string,
): string {
  return createHmac('sha256', key)
    .update(`slipway.eval-report\n${v.name}\n${v.version}\n${sha256}`)
    .digest('hex');
}

/**
 * Stores the eval report of a version (artifact + tags). Callers record the digest in the audit log
 * (register, or an audited replacement): promotion refuses a report whose digest the log does not name.
 */
export async function recordEvalReport(
  store: GovernanceStore,
  v: ModelVersion,
  report: EvalReport,
  options: { key?: string | null } = {},
): Promise<{ sha256: string }> {
  const runId = requireRun(v, 'eval report');
  const text = evalReportText(report);
  const sha256 = hashBytes(text);
  await withTemp(async (dir) => {
    await mkdir(join(dir, 'eval'));
    await writeFile(join(dir, 'eval', 'report.json'), text);
    await store.logArtifact(runId, join(dir, 'eval', 'report.json'), 'eval');
  });
  await store.setModelVersionTag(v.name, v.version, VERSION_TAGS.evalVerdict, report.verdict);
  await store.setModelVersionTag(v.name, v.version, VERSION_TAGS.evalSha256, sha256);
  if (options.key)
    await store.setModelVersionTag(
      v.name,
      v.version,
      VERSION_TAGS.evalMac,
      evalReportMac(options.key, v, sha256),
    );
  return { sha256 };
}

export type Stored<T> = { ok: true; value: T; sha256: string } | { ok: false; reason: string };

/** Reads a version's eval report back and checks it against the recorded hash. */
export async function readEvalReport(store: GovernanceStore, v: ModelVersion): Promise<Stored<EvalReport>> {
  const expected = v.tags[VERSION_TAGS.evalSha256];
  if (!v.runId) return { ok: false, reason: `${v.name} v${v.version} has no run to hold an eval report` };
  if (!expected)
    return {
      ok: false,
      reason: `${v.name} v${v.version} has no stored eval report (tag ${VERSION_TAGS.evalSha256})`,
    };
  return withTemp(async (dir) => {
    let text: string;
    try {
      const path = await store.downloadArtifact(v.runId!, EVAL_REPORT_ARTIFACT, dir);
      text = await readFile(path, 'utf8');
    } catch (err) {
      return {
        ok: false,
        reason: `the eval report artifact ${EVAL_REPORT_ARTIFACT} cannot be read (${(err as Error).message})`,
      };
    }
    const sha256 = hashBytes(text);
    if (sha256 !== expected) {
      return {
        ok: false,
        reason: `the stored eval report hashes to ${sha256.slice(0, 12)}…, not the recorded ${expected.slice(0, 12)}… (changed after it was recorded)`,
      };
    }
    return { ok: true, value: JSON.parse(text) as EvalReport, sha256 };
  });
}

/** Stores a written model card (both files) and records the Markdown's hash on the version. */
export async function recordModelCard(
  store: GovernanceStore,
  v: ModelVersion,
  card: WrittenCard,
): Promise<void> {
  const runId = requireRun(v, 'model card');
  await store.logArtifact(runId, card.markdownPath, CARD_ARTIFACT_DIR);
  await store.logArtifact(runId, card.jsonPath, CARD_ARTIFACT_DIR);
  await store.setModelVersionTag(v.name, v.version, VERSION_TAGS.cardSha256, card.sha256);
}

export async function readModelCard(store: GovernanceStore, v: ModelVersion): Promise<Stored<string>> {
  const expected = v.tags[VERSION_TAGS.cardSha256];
  if (!v.runId) return { ok: false, reason: `${v.name} v${v.version} has no run to hold a model card` };
  if (!expected)
    return {
      ok: false,
      reason: `${v.name} v${v.version} has no model card (tag ${VERSION_TAGS.cardSha256}); run \`slipway card ${v.name}:${v.version}\``,
    };
  return withTemp(async (dir) => {
    let text: string;
    try {
      text = await readFile(
        await store.downloadArtifact(v.runId!, `${CARD_ARTIFACT_DIR}/${CARD_MARKDOWN}`, dir),
        'utf8',
      );
      await store.downloadArtifact(v.runId!, `${CARD_ARTIFACT_DIR}/${CARD_JSON}`, dir);
    } catch (err) {
      return {
        ok: false,
        reason: `the model card artifacts under ${CARD_ARTIFACT_DIR}/ cannot be read (${(err as Error).message})`,
      };
    }
    const sha256 = hashBytes(text);
    if (sha256 !== expected) {
      return {
        ok: false,
        reason: `the stored model card hashes to ${sha256.slice(0, 12)}…, not the recorded ${expected.slice(0, 12)}…`,
      };
    }
    return { ok: true, value: text, sha256 };
  });
}

export interface PackageFacts {
  dir: string;
  hash: string;
  lineage: Lineage;
  signature: Signature;
  profile: unknown;
  createdAt: string;
  /** sha256 of weights.bin, or trees.json for trees (what `reproduce` compares). */
  weightsSha256: string;
  /** The model as its files describe it (null when they cannot be read). */
  model: PackageModel | null;
}

/** Reads a package directory's metadata after verifying every file against its manifest. */
export async function readPackageFacts(dir: string): Promise<PackageFacts> {
  const { manifest, bytes } = await verifyModelPackage(dir);
  const json = (p: string) => JSON.parse(bytes.get(p)!.toString('utf8')) as unknown;
  const lineage = json('lineage.json') as Lineage;
  const model = describePackageModel(
    bytes.has('trees.json')
      ? { trees: json('trees.json') }
      : { modelJson: bytes.has('model.json') ? json('model.json') : undefined },
    lineage,
  );
  return {
    model,
    dir: resolve(dir),
    hash: manifest.hash,
    lineage,
    signature: json('signature.json') as Signature,
    profile: json('profile.json'),
    createdAt: manifest.createdAt,
    // The fitted parameters: weights.bin of a tfjs model, trees.json of a tree ensemble.
    weightsSha256: manifest.files.find((f) => f.path === 'weights.bin' || f.path === 'trees.json')!.sha256,
  };
}

/** Downloads (or locates) a version's model package into `into`; returns the package directory. */
export async function fetchVersionPackage(
  store: GovernanceStore,
  v: ModelVersion,
  into: string,
): Promise<string> {
  const m = /^runs:\/([^/]+)\/(.+)$/.exec(v.source);
  if (m) return store.downloadArtifact(m[1]!, m[2]!, into);
  if (!/^[a-z][a-z0-9+.-]*:/i.test(v.source) && existsSync(join(v.source, MANIFEST_FILE))) return v.source;
  if (v.source.startsWith('file://')) {
    const path = new URL(v.source).pathname;
    if (existsSync(join(path, MANIFEST_FILE))) return path;
  }
  if (v.runId) {
    try {
      return await store.downloadArtifact(v.runId, 'model', into);
    } catch {}
  }
  throw new SlipwayError(
    'VERSION_PACKAGE_NOT_FOUND',
    `${v.name} v${v.version}: cannot find its model package (source ${v.source})`,
    {
      hint: 'register versions with source runs:/<runId>/model (what slipway train logs)',
    },
  );
}

/**
 * The version's package, kept in the project's cache (`<root>/.slipway/cache/models/<name>/<version>`):
 * a run artifact is downloaded there once and reused by every later command and server start.
 */
export async function cachedVersionPackage(
  store: GovernanceStore,
  v: ModelVersion,
  root: string,
): Promise<string> {
  const cache = join(root, '.slipway', 'cache', 'models', v.name, v.version);
  const cached = existsSync(cache)
    ? readdirSync(cache)
        .map((d) => join(cache, d))
        .find((d) => existsSync(join(d, MANIFEST_FILE)))
    : undefined;
  return cached ?? fetchVersionPackage(store, v, cache);
}
