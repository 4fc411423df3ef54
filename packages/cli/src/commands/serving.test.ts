import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '@slipway/core';
import { describe, expect, it } from 'vitest';
import { servingSource } from './serving.js';

describe('serve takes the model references every other command takes', () => {
  it('maps alias, version, name@alias, name:version to the registry; keeps paths and models:/ URIs', async () => {
    const root = await mkdtemp(join(tmpdir(), 'slipway-serve-ref-'));
    await mkdir(join(root, 'pkg'));
    await writeFile(join(root, 'pkg', 'signature.json'), '{}');
    const config = configSchema.parse({
      project: { name: 'penguins' },
      data: { train: 't.csv', eval: 'e.csv', label: 'y' },
      features: [{ column: 'x', transform: 'standardize' }],
      model: { task: 'binary' },
    });
    expect(servingSource('champion', root, config)).toBe('models:/penguins@champion');
    expect(servingSource('1', root, config)).toBe('models:/penguins/1');
    expect(servingSource('other@challenger', root, config)).toBe('models:/other@challenger');
    expect(servingSource('other:3', root, config)).toBe('models:/other/3');
    expect(servingSource('models:/x@y', root, config)).toBe('models:/x@y');
    expect(servingSource('pkg', root, config)).toBe('pkg');
  });
});
