import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostTag } from '@slipway/core';
import { describe, expect, it } from 'vitest';
import { loadModelPackage } from './package/files.js';
import { predictBatch } from './predict.js';
import { makeProject } from './project.fixture.js';
import { train } from './train.js';

// A cloned project can commit links; the package, its temp directory and predict's output must not
// follow one out of the project. Temp packages of a killed train are swept by the next one.

describe('package placement and predict output', () => {
  it('refuses a committed `.slipway/packages` link and a linked --out; nothing lands outside', async () => {
    const p = await makeProject();
    const outside = mkdtempSync(join(tmpdir(), 'slipway-outside-'));
    mkdirSync(join(p.dir, '.slipway'));
    symlinkSync(outside, join(p.dir, '.slipway', 'packages'));
    await expect(train({ loaded: await p.load() })).rejects.toMatchObject({ code: 'SYMLINK_IN_PATH' });
    symlinkSync(outside, join(p.dir, 'models'));
    await expect(train({ loaded: await p.load(), outDir: 'models/pkg' })).rejects.toMatchObject({
      code: 'SYMLINK_IN_PATH',
    });
    expect(readdirSync(outside)).toEqual([]);
  });

  it('sweeps the temp package of a killed train; predict refuses an output through a link', async () => {
    const p = await makeProject();
    const packages = join(p.dir, '.slipway', 'packages');
    mkdirSync(packages, { recursive: true });
    const dead = join(packages, `.package.${hostTag()}-${2 ** 22 + 31}-0-a1b2c3d4.tmp`);
    mkdirSync(dead);
    writeFileSync(join(dead, 'weights.bin'), Buffer.alloc(4096));
    const result = await train({ loaded: await p.load() });
    expect(existsSync(dead)).toBe(false);
    expect(readdirSync(packages)).toEqual([result.hash.slice(0, 12)]);
    const outside = mkdtempSync(join(tmpdir(), 'slipway-outside-'));
    symlinkSync(outside, join(p.dir, 'scored'));
    const model = await loadModelPackage(result.packageDir);
    await expect(
      predictBatch({
        model,
        input: join(p.dir, 'eval.csv'),
        output: join(p.dir, 'scored', 'x.csv'),
        root: p.dir,
      }),
    ).rejects.toMatchObject({ code: 'SYMLINK_IN_PATH' });
    symlinkSync(join(outside, 'victim.csv'), join(p.dir, 'out.csv'));
    await expect(
      predictBatch({ model, input: join(p.dir, 'eval.csv'), output: join(p.dir, 'out.csv') }),
    ).rejects.toMatchObject({ code: 'SYMLINK_OUTPUT' });
    expect(readdirSync(outside)).toEqual([]);
  });
});
