import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalJson, hashDirectory, hashFile, hashJson } from './hash.js';

describe('hashing', () => {
  it('streams md5 and sha256 equal to hashing the whole buffer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-hash-'));
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    bytes.write('slipway', 12345);
    await writeFile(join(dir, 'f'), bytes);
    expect(await hashFile(join(dir, 'f'), 'md5')).toBe(createHash('md5').update(bytes).digest('hex'));
    expect(await hashFile(join(dir, 'f'), 'sha256')).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('hashes a directory by names and contents, not by order or mtime', async () => {
    const a = await mkdtemp(join(tmpdir(), 'slipway-hash-'));
    const b = await mkdtemp(join(tmpdir(), 'slipway-hash-'));
    for (const [dir, order] of [
      [a, ['x', 'sub/y']],
      [b, ['sub/y', 'x']],
    ] as const) {
      await mkdir(join(dir, 'sub'));
      for (const f of order) await writeFile(join(dir, f), f);
    }
    const ha = await hashDirectory(a);
    expect(ha.hash).toBe((await hashDirectory(b)).hash);
    expect(ha.files.map((f) => f.path)).toEqual(['sub/y', 'x']);
    await writeFile(join(b, 'x'), 'changed');
    expect((await hashDirectory(b)).hash).not.toBe(ha.hash);
  });

  it('names the file it could not read', async () => {
    await expect(hashFile('/nonexistent/slipway')).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
      message: expect.stringContaining('/nonexistent/slipway'),
    });
  });

  it('hashes JSON independently of key order', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
    expect(hashJson({ a: 1, b: 2 })).toBe(hashJson({ b: 2, a: 1 }));
  });
});
