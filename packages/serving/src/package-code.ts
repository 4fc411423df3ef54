/**
 * The operator's opt-in to running code bundled in model packages (`--allow-package-code`,
 * `serving.allowPackageCode`): every package whose bundled code is admitted prints a warning naming it
 * and gets an audit entry first. Without a writable audit log nothing is admitted.
 */
import { SlipwayError } from '@slipway/core';
import { allowPackageCode, type PackageCodeUse } from '@slipway/training';
import { governance } from './audit.js';

export interface PackageCodeOptIn {
  /** A governance AuditSink (the project's store audit log). */
  sink: unknown;
  key: string | null;
  warn: (message: string) => void;
  actor?: string | null;
}

export function packageCodeWarning(use: PackageCodeUse): string {
  const names = use.transforms.map((t) => `"${t.name}" (sha256 ${t.sha256.slice(0, 12)}…)`).join(', ');
  return [
    '!!! WARNING: running code from a model package !!!',
    `${use.dir} (package ${use.packageHash.slice(0, 12)}…) carries custom transform code for ${names}.`,
    'It runs inside this server with its environment (tokens included) because package code is allowed',
    '(--allow-package-code / serving.allowPackageCode). Anyone who can write this package can run code here.',
  ].join('\n');
}

/** Opts this process in, with a warning and an audit entry per admitted package. */
export async function allowAuditedPackageCode(o: PackageCodeOptIn): Promise<void> {
  const g = await governance();
  allowPackageCode(async (use) => {
    o.warn(packageCodeWarning(use));
    try {
      await g.appendAudit(
        o.sink,
        {
          event: 'package-code',
          outcome: 'allowed',
          actor: o.actor ?? null,
          model: use.dir,
          version: use.packageHash,
          data: { dir: use.dir, packageHash: use.packageHash, transforms: use.transforms },
        },
        { key: o.key },
      );
    } catch (err) {
      throw new SlipwayError(
        'PACKAGE_CODE_NOT_AUDITED',
        `${use.dir}: package code was allowed but the audit entry could not be written (${(err as Error).message}); not loading it`,
        {
          hint: 'make the project store writable, or register the transform instead of allowing package code',
        },
      );
    }
  });
}
