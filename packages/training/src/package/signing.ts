/**
 * Package signatures: the trainer signs manifest.json with a keyed MAC, and every load verifies it when the
 * process holds the key. manifest.hash alone is an unkeyed sha256 anyone can recompute after editing a
 * file; the MAC can only be made with the key, so a package written by someone with store access but
 * without the key is refused.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { type ModelPackageManifest, SlipwayError } from '@slipway/core';

/** Environment variable holding the package signing key (trainer and every loader). */
export const SIGNING_KEY_ENV = 'SLIPWAY_SIGNING_KEY';

export type PackageSignature = NonNullable<ModelPackageManifest['signature']>;

export function signingKeyFromEnv(env: NodeJS.ProcessEnv = process.env): string | null {
  const key = env[SIGNING_KEY_ENV];
  if (key === undefined || key === '') return null;
  if (key.length < 16) {
    throw new SlipwayError('SIGNING_KEY_WEAK', `${SIGNING_KEY_ENV} is ${key.length} characters long`, {
      hint: 'use at least 16 random characters, e.g. `openssl rand -hex 32`',
    });
  }
  return key;
}

export function keyIdOf(key: string): string {
  return createHash('sha256').update(`slipway-package-key\0${key}`).digest('hex').slice(0, 16);
}

/** The signed text: every manifest field that says what the package is (hash covers every file). */
function signedText(m: Pick<ModelPackageManifest, 'name' | 'task' | 'hash' | 'createdAt'>): string {
  return `slipway.model-package.v1\0${m.name}\0${m.task}\0${m.hash}\0${m.createdAt}`;
}

export function signManifest(
  manifest: Pick<ModelPackageManifest, 'name' | 'task' | 'hash' | 'createdAt'>,
  key: string,
): PackageSignature {
  return {
    alg: 'hmac-sha256',
    keyId: keyIdOf(key),
    mac: createHmac('sha256', key).update(signedText(manifest)).digest('hex'),
  };
}

/**
 * Verifies the manifest's signature with `key`. With no key nothing can be verified (integrity only) and
 * the caller is told so; with a key, an unsigned package, another key's signature or a wrong MAC is refused.
 */
export function verifySignature(
  manifest: ModelPackageManifest,
  key: string | null,
  where: string,
): 'verified' | 'unverified' {
  if (key === null) return 'unverified';
  const sig = manifest.signature;
  if (!sig) {
    throw new SlipwayError(
      'PACKAGE_UNSIGNED',
      `${where}: the package is not signed, and ${SIGNING_KEY_ENV} is set, so only signed packages load`,
      {
        hint: `retrain it where ${SIGNING_KEY_ENV} holds the same key (the trainer signs every package it writes)`,
      },
    );
  }
  const keyId = keyIdOf(key);
  if (sig.keyId !== keyId) {
    throw new SlipwayError(
      'PACKAGE_SIGNATURE_INVALID',
      `${where}: signed with key ${sig.keyId}, but this process holds key ${keyId}`,
      {
        hint: `set ${SIGNING_KEY_ENV} to the trainer's key, or retrain the package with this one`,
      },
    );
  }
  const expected = Buffer.from(signManifest(manifest, key).mac, 'hex');
  const actual = Buffer.from(sig.mac, 'hex');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new SlipwayError(
      'PACKAGE_SIGNATURE_INVALID',
      `${where}: the signature does not match the manifest (the package was changed after it was signed, or signed by someone without the key)`,
      { hint: 'do not load it; retrain the model from its versioned data' },
    );
  }
  return 'verified';
}
