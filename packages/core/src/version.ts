import { readFileSync } from 'node:fs';

/** This package's version, read once; every Slipway package is released in lockstep (changesets "fixed"). */
export const SLIPWAY_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
