/**
 * Seeded randomness for deterministic training. tfjs draws the seeds of its initializers and dropout
 * masks from Math.random when a layer has no seed (a fixed layer seed would repeat one dropout mask on
 * every step), so the trainer swaps in a seeded generator for the synchronous span of each build and
 * training step, and puts the real one back before anything else can run.
 */

/** mulberry32: small, fast, good enough for shuffles and seeds. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs a synchronous `fn` with Math.random replaced by `rng`. */
export function withRandom<T>(rng: () => number, fn: () => T): T {
  const original = Math.random;
  Math.random = rng;
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}

/** Fisher–Yates shuffle in place. */
export function shuffle(values: Uint32Array, rng: () => number): Uint32Array {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = values[i]!;
    values[i] = values[j]!;
    values[j] = t;
  }
  return values;
}
