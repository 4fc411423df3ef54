import { describe, expect, it } from 'vitest';
import { fitBinning } from './binning.js';
import { boost } from './boost.js';
import { storeBins } from './bundle.js';
import { serializeTrees } from './serialize.js';
import { DEFAULT_PARAMS, range } from './testing.fixture.js';

/** n rows: one numeric column, then a 4-way one-hot, then a 3-way one-hot; label from both. */
function oneHotData(n: number) {
  const width = 8;
  const x = new Float32Array(n * width);
  const y = new Float32Array(n);
  let s = 5;
  const rnd = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  for (let i = 0; i < n; i++) {
    const a = Math.floor(rnd() * 4);
    const b = Math.floor(rnd() * 3);
    x[i * width] = rnd();
    x[i * width + 1 + a] = 1;
    x[i * width + 5 + b] = 1;
    y[i] = (a === 1 ? 1 : 0) + (b === 2 ? 0.8 : 0) + x[i * width]! + 0.5 * rnd() > 1.1 ? 1 : 0;
  }
  return { x, y, width, n };
}

describe('exclusive feature bundling', () => {
  it('puts mutually exclusive binary columns in one stored column, bin = which one is set', () => {
    const d = oneHotData(400);
    const binning = fitBinning(d.x, d.width, range(0, d.n), 255, 1);
    const stored = storeBins(d.x, d.n, d.width, binning);
    // The numeric column keeps its own storage; the 7 one-hot columns share a bundle (never set together
    // within a group, but two groups are always set together, so two bundles).
    expect(stored.slots[0]).toEqual({ storage: 0, sub: -1 });
    const bundles = new Set(stored.slots.slice(1).map((s) => s.storage));
    expect(bundles.size).toBe(2);
    expect(stored.counts.length).toBe(3);
    for (let r = 0; r < d.n; r++) {
      for (let f = 1; f < d.width; f++) {
        const { storage, sub } = stored.slots[f]!;
        expect(stored.bins[storage * d.n + r] === sub).toBe(d.x[r * d.width + f] === 1);
      }
    }
  });

  it('leaves columns that overlap, or are mostly non-zero, unbundled', () => {
    const n = 10;
    const x = new Float32Array(n * 3);
    for (let r = 0; r < n; r++) {
      x[r * 3] = r < 2 ? 1 : 0;
      x[r * 3 + 1] = r < 3 ? 1 : 0; // overlaps column 0
      x[r * 3 + 2] = r < 8 ? 1 : 0; // mostly set
    }
    const stored = storeBins(x, n, 3, fitBinning(x, 3, range(0, n), 255, 1));
    expect(stored.slots.every((s) => s.sub === -1)).toBe(true);
  });

  it('grows exactly the same trees as without bundling', async () => {
    const d = oneHotData(3000);
    const fit = async (bundling: boolean) =>
      serializeTrees(
        (
          await boost({
            task: 'binary',
            ...d,
            units: 1,
            trainRows: range(0, 3000),
            valRows: new Uint32Array(0),
            params: { ...DEFAULT_PARAMS, minSamplesLeaf: 3 },
            seed: 1,
            bundling,
          })
        ).trees,
      );
    const bundled = await fit(true);
    expect(bundled).toBe(await fit(false));
    expect(bundled).toMatch(/"feature":\[[^\]]*[1-7]/);
  });
});
