import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepare } from './prepare.ts';

// The splits' bytes, pinned: a change to the prep logic, the source data or DuckDB's Parquet writer shows up
// here first. Update deliberately (and say why in the changeset) when a change is intended.
const DIGESTS = {
  train: { md5: '5ab0b66365dd286bb390bdea6da55b9d', rows: 1_477_911 },
  eval: { md5: '70c713f6cbb482b8a70dc4a70b6cf158', rows: 501_030 },
  'monitor-may': { md5: '3ea0a39fc622051e16f31f3d44e8c3ab', rows: 518_831 },
  'monitor-jun': { md5: '324c616fc0de4e467996ba11c025c8bc', rows: 502_222 },
};

describe('flight-delay data preparation', () => {
  let dir: string;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes the four splits with the recorded digests and row counts', async () => {
    dir = await mkdtemp(join(tmpdir(), 'flight-delay-'));
    const result = await prepare(dir);
    const seen: Record<string, { md5: string; rows: number }> = {};
    for (const [name, { path, rows }] of Object.entries(result)) {
      seen[name] = {
        md5: createHash('md5')
          .update(await readFile(path))
          .digest('hex'),
        rows,
      };
    }
    expect(seen).toEqual(DIGESTS);
  }, 120_000);
});
