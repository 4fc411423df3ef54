import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeDataset, readTable, scanTable } from './read.js';
import { writeTable } from './write.js';

async function csv(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-table-'));
  const path = join(dir, 'd.csv');
  await writeFile(path, text);
  return path;
}

describe('strict CSV reading', () => {
  it('a ragged last row is an error naming the file and line, not a file of 0 rows', async () => {
    // DuckDB's sniffer alone takes "7,8,9,10" for the header and returns no rows.
    const path = await csv('a,b,c\n1,2,3\n4,5,6\n7,8,9,10\n');
    await expect(describeDataset(path)).rejects.toMatchObject({
      code: 'CSV_RAGGED_ROWS',
      message: `${path}: line 4 has 4 fields, but the header (line 1) has 3`,
    });
    await expect(readTable(path)).rejects.toMatchObject({ code: 'CSV_RAGGED_ROWS' });
  });

  it('names a ragged row in the middle, and counts a quoted multi-line field as one', async () => {
    await expect(describeDataset(await csv('a,b\n1,2\n3,4,5\n6,7\n'))).rejects.toMatchObject({
      code: 'CSV_RAGGED_ROWS',
      message: expect.stringContaining('line 3 has 3 fields'),
    });
    const quoted = await csv('a,b\n1,"x, y\nz"\n2,w\n');
    const t = await readTable(quoted);
    expect(t.rowCount).toBe(2);
    expect(t.columns[1]!.values).toEqual(['x, y\nz', 'w']);
    await expect(describeDataset(await csv('a,b\n1,"open\n2,3\n'))).rejects.toMatchObject({
      code: 'CSV_RAGGED_ROWS',
      message: expect.stringContaining('line 2 opens a quoted field that is never closed'),
    });
  });

  it('takes the header from the first line, and the same file always gives the same schema', async () => {
    const path = await csv('id,score,when\n1,0.5,2024-01-01\n2,1.5,2024-01-02\n3,2,2024-01-03\n');
    const first = await describeDataset(path);
    expect(first.columns.map((c) => c.name)).toEqual(['id', 'score', 'when']);
    expect(first.rowCount).toBe(3);
    for (let i = 0; i < 3; i++) expect(await describeDataset(path)).toEqual(first);
  });
});

describe('readTable', () => {
  it('reads typed columns with nulls', async () => {
    const path = await csv(
      'a,b,c,d\n1,x,true,2001-01-02 03:04:05\n,y,false,\n3.5,,true,2001-01-03 00:00:00\n',
    );
    const info = await describeDataset(path);
    expect(info.rowCount).toBe(3);
    expect(info.columns.map((c) => c.kind)).toEqual(['number', 'string', 'boolean', 'timestamp']);
    const t = await readTable(path);
    const [a, b, c, d] = t.columns;
    expect(a?.kind === 'number' && [...a.valid]).toEqual([1, 0, 1]);
    expect(a?.kind === 'number' && a.values[2]).toBe(3.5);
    expect(b?.values).toEqual(['x', 'y', null]);
    expect(c?.kind === 'boolean' && [...c.values]).toEqual([1, 0, 1]);
    expect(d?.kind === 'timestamp' && d.values[0]).toBe(Date.UTC(2001, 0, 2, 3, 4, 5));
  });

  it('scans in batches and round-trips through Parquet', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => `${i},${i % 3 === 0 ? 'a' : 'b'}`).join('\n');
    const path = await csv(`n,s\n${rows}\n`);
    let batches = 0;
    let total = 0;
    for await (const b of scanTable(path, { batchRows: 300 })) {
      batches++;
      total += b.rowCount;
    }
    expect([batches, total]).toEqual([4, 1000]);
    const t = await readTable(path);
    const out = join(await mkdtemp(join(tmpdir(), 'slipway-table-')), 'o.parquet');
    await writeTable(t, out);
    const back = await readTable(out);
    expect(back.rowCount).toBe(1000);
    expect(back.columns[1]?.values.slice(0, 4)).toEqual(['a', 'b', 'b', 'a']);
  });

  it('names the file and the missing column', async () => {
    const path = await csv('alpha,beta\n1,2\n');
    await expect(readTable(path, { columns: ['alhpa'] })).rejects.toThrow(
      /has no column "alhpa" \(did you mean "alpha"\?\)/,
    );
    await expect(readTable(join(tmpdir(), 'nope.csv'))).rejects.toMatchObject({ code: 'DATASET_NOT_FOUND' });
  });
});
