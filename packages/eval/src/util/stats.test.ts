import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';
import { argsortAscending } from './stats.js';

describe('argsortAscending', () => {
  it('matches a stable comparator sort, with negatives, ties, zeros and infinities', () => {
    const rng = createRng(3);
    const values = Array.from({ length: 5000 }, (_, i) =>
      i % 11 === 0
        ? 0
        : i % 13 === 0
          ? -0
          : i % 17 === 0
            ? Number.POSITIVE_INFINITY
            : i % 19 === 0
              ? -1e300
              : Math.round((rng.next() - 0.5) * 1e3) / 7,
    );
    const expected = values
      .map((_, i) => i)
      .sort((a, b) => (values[a] as number) - (values[b] as number) || a - b);
    const got = Array.from(argsortAscending(values));
    // ±0 compare equal; the radix sort puts −0 first, so compare the sorted values and the order within equal keys.
    expect(got.map((i) => (values[i] as number) + 0)).toEqual(expected.map((i) => (values[i] as number) + 0));
    const nonZero = (list: number[]) => list.filter((i) => values[i] !== 0);
    expect(nonZero(got)).toEqual(nonZero(expected));
    expect(Array.from(argsortAscending([]))).toEqual([]);
  });
});
