import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepare } from './prepare.ts';

// The splits' bytes, pinned: a change to the prep logic, the source data or DuckDB's Parquet writer shows up
// here first. Update deliberately (and say why in the changeset) when a change is intended.
const DIGESTS = {
  train: { md5: 'fb1277295f30e71532e39cb158567c34', rows: 176 },
  eval: { md5: '1eb1d0de8dc42b01c02599fafe183878', rows: 59 },
  'monitor-recent': { md5: 'b5b4575eaf38f8db00a4af0d2f392703', rows: 57 },
  'monitor-torgersen': { md5: '054b0cf0ef79638b218a87e5ba0dece4', rows: 52 },
};

describe('penguins data preparation', () => {
  let dir: string;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes the four splits, all 344 penguins, with the recorded digests and row counts', async () => {
    dir = await mkdtemp(join(tmpdir(), 'penguins-'));
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
    expect(Object.values(seen).reduce((n, s) => n + s.rows, 0)).toBe(344);
  });
});
