import { SlipwayError } from '@slipway/core';

/** Argo-style durations: a bare number is seconds; strings end in ms, s, m or h. Returns milliseconds. */
export function parseDuration(value: number | string, field = 'duration'): number {
  if (typeof value === 'number') return value * 1000;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) {
    throw new SlipwayError('BAD_DURATION', `${field}: "${value}" is not a duration`, {
      hint: 'write a number of seconds or a string like "250ms", "30s", "5m", "1h"',
    });
  }
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000;
}
