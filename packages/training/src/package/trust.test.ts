import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashBytes, type ModelPackageManifest } from '@slipway/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { FeaturesJson } from '../features/types.js';
import { allowPackageCode, disallowPackageCode, type PackageCodeUse } from '../package-code.js';
import { makeProject } from '../project.fixture.js';
import { registerTransform, unregisterTransform } from '../registry.js';
import { train } from '../train.js';
import { loadModelPackage, packageHash, verifyModelPackage } from './files.js';
import { keyIdOf, SIGNING_KEY_ENV } from './signing.js';

const KEY = 'k'.repeat(20);
const OTHER = 'o'.repeat(20);
const band = (v: unknown) => (typeof v === 'number' ? [v < 0 ? 1 : 0, v > 1 ? 1 : 0] : [0, 0]);

/** A small tree package whose feature `x1` goes through the custom transform "band". */
async function trainedWithCustom(signingKey: string | null): Promise<string> {
  registerTransform('band', band);
  const p = await makeProject({
    config: {
      features: [
        { column: 'x1', transform: 'custom', name: 'band' },
        { column: 'x2', transform: 'minmax' },
      ],
      model: { task: 'binary', type: 'gbdt', gbdt: { iterations: 3, minSamplesLeaf: 5 } },
    },
  });
  const before = process.env[SIGNING_KEY_ENV];
  if (signingKey) process.env[SIGNING_KEY_ENV] = signingKey;
  else delete process.env[SIGNING_KEY_ENV];
  try {
    return (await train({ loaded: await p.load() })).packageDir;
  } finally {
    if (before === undefined) delete process.env[SIGNING_KEY_ENV];
    else process.env[SIGNING_KEY_ENV] = before;
    unregisterTransform('band');
  }
}

/** What someone with write access to the store does: new code in features.json, hashes recomputed. */
async function plantCode(dir: string, source: string): Promise<void> {
  const featuresPath = join(dir, 'features.json');
  const features = JSON.parse(await readFile(featuresPath, 'utf8')) as FeaturesJson;
  for (const f of features.features) {
    if (f.transform === 'custom') {
      f.source = source;
      f.sha256 = hashBytes(source);
    }
  }
  const body = `${JSON.stringify(features, null, 2)}\n`;
  await writeFile(featuresPath, body);
  const manifestPath = join(dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as ModelPackageManifest;
  const entry = manifest.files.find((f) => f.path === 'features.json')!;
  entry.sha256 = hashBytes(body);
  entry.size = Buffer.byteLength(body);
  manifest.hash = packageHash(manifest.files);
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2));
}

const EVIL = `(v) => { globalThis.__slipwayPwned = process.env.SLIPWAY_ADMIN_TOKEN ?? 'ran'; return [0, 0]; }`;
const g = globalThis as { __slipwayPwned?: string };

afterEach(() => {
  disallowPackageCode();
  unregisterTransform('band');
  delete g.__slipwayPwned;
});

describe('a model package is data', () => {
  it('refuses bundled custom code unless the host registered the same transform or opted in', async () => {
    const dir = await trainedWithCustom(null);
    await expect(loadModelPackage(dir, { signingKey: null })).rejects.toMatchObject({
      code: 'PACKAGE_CODE_REFUSED',
      message: expect.stringContaining('custom transform "band"'),
      hint: expect.stringContaining('--allow-package-code'),
    });

    // Registered with the trained code: loads, and the registered function is what runs.
    registerTransform('band', band);
    const pkg = await loadModelPackage(dir, { signingKey: null });
    const registered = await pkg.predictRows([{ x1: 2, x2: 10 }]);
    unregisterTransform('band');

    // Opted in: the handler sees the package first (name, feature, digest), then the bundled code runs.
    const seen: PackageCodeUse[] = [];
    allowPackageCode((use) => {
      seen.push(use);
    });
    const opted = await loadModelPackage(dir, { signingKey: null });
    expect(seen).toEqual([
      {
        dir,
        packageHash: opted.hash,
        transforms: [{ name: 'band', feature: 'x1', sha256: hashBytes(band.toString()) }],
      },
    ]);
    expect([...(await opted.predictRows([{ x1: 2, x2: 10 }])).values]).toEqual([...registered.values]);

    // The handler may refuse (a policy that says no).
    allowPackageCode(() => {
      throw new Error('not this one');
    });
    await expect(loadModelPackage(dir, { signingKey: null })).rejects.toThrow('not this one');
  });

  it('a planted transform never runs by default, even when a registered name differs in code', async () => {
    const dir = await trainedWithCustom(null);
    await plantCode(dir, EVIL);
    // Integrity alone passes: the attacker recomputed every hash.
    await expect(verifyModelPackage(dir, { signingKey: null })).resolves.toMatchObject({
      signature: 'unverified',
    });
    await expect(loadModelPackage(dir, { signingKey: null })).rejects.toMatchObject({
      code: 'PACKAGE_CODE_REFUSED',
    });
    registerTransform('band', band);
    await expect(loadModelPackage(dir, { signingKey: null })).rejects.toMatchObject({
      code: 'CUSTOM_TRANSFORM_CHANGED',
    });
    expect(g.__slipwayPwned).toBeUndefined();
  });

  it('signs packages with the trainer key and refuses anything the key did not sign', async () => {
    const dir = await trainedWithCustom(KEY);
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as ModelPackageManifest;
    expect(manifest.signature).toMatchObject({ alg: 'hmac-sha256', keyId: keyIdOf(KEY) });
    registerTransform('band', band);
    await expect(verifyModelPackage(dir, { signingKey: KEY })).resolves.toMatchObject({
      signature: 'verified',
    });
    await expect(loadModelPackage(dir, { signingKey: OTHER })).rejects.toMatchObject({
      code: 'PACKAGE_SIGNATURE_INVALID',
      message: expect.stringContaining(`signed with key ${keyIdOf(KEY)}`),
    });

    // Store write access, no key: the recomputed hash is self-consistent, the signature is not.
    allowPackageCode(() => {});
    await plantCode(dir, EVIL);
    await expect(loadModelPackage(dir, { signingKey: KEY })).rejects.toMatchObject({
      code: 'PACKAGE_SIGNATURE_INVALID',
      message: expect.stringContaining('does not match the manifest'),
    });
    expect(g.__slipwayPwned).toBeUndefined();

    // Dropping the signature does not help either.
    const stripped = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as ModelPackageManifest;
    delete stripped.signature;
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(stripped));
    await expect(loadModelPackage(dir, { signingKey: KEY })).rejects.toMatchObject({
      code: 'PACKAGE_UNSIGNED',
    });
  });

  it('reads the key from SLIPWAY_SIGNING_KEY and refuses a short one', async () => {
    const dir = await trainedWithCustom(KEY);
    registerTransform('band', band);
    const before = process.env[SIGNING_KEY_ENV];
    try {
      process.env[SIGNING_KEY_ENV] = OTHER;
      await expect(loadModelPackage(dir)).rejects.toMatchObject({ code: 'PACKAGE_SIGNATURE_INVALID' });
      process.env[SIGNING_KEY_ENV] = 'short';
      await expect(loadModelPackage(dir)).rejects.toMatchObject({ code: 'SIGNING_KEY_WEAK' });
      process.env[SIGNING_KEY_ENV] = KEY;
      await expect(loadModelPackage(dir)).resolves.toMatchObject({ hash: expect.any(String) });
    } finally {
      if (before === undefined) delete process.env[SIGNING_KEY_ENV];
      else process.env[SIGNING_KEY_ENV] = before;
    }
  });
});
