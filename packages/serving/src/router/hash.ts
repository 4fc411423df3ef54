/** FNV-1a (32 bit) over the UTF-16 code units: fast, stable across processes and restarts. */
export function fnv1a(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A key's bucket in [0, 10000). The canary gets buckets below weight × 100, so raising the weight only
 * moves stable users to the canary, never back: a user keeps their variant as a rollout progresses.
 */
export function bucketOf(key: string): number {
  // Mix the hash once more so that keys differing in the last character spread over all buckets.
  let h = fnv1a(key);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % 10_000;
}

export function routesToCanary(bucket: number, weightPercent: number): boolean {
  return bucket < weightPercent * 100;
}
