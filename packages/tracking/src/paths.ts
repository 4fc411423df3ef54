import { SlipwayError } from '@slipway/core';

/** A safe, normalized, slash-separated relative artifact path (no "..", no leading "/"). */
export function artifactRelPath(path: string): string {
  const parts = path
    .replace(/\\/g, '/')
    .split('/')
    .filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..') || path.startsWith('/') || /^[A-Za-z]:/.test(path))
    throw new SlipwayError(
      'TRACKING_INVALID_VALUE',
      `artifact path "${path}" leaves the run's artifact directory`,
      {
        hint: 'use a relative path without ".." such as "model/weights.bin"',
      },
    );
  return parts.join('/');
}
