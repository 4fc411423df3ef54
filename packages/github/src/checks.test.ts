import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { locateCsvRow, locateLine } from './checks.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-locate-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('annotation locations', () => {
  it('finds the first CSV row whose column holds a sampled value, quotes and numbers included', async () => {
    const file = join(dir, 'flights.csv');
    await writeFile(
      file,
      'id,origin,distance,note\n1,ORD,500,"ok, on time"\n2,"X""Y",1200,late\n3,ATL,-5.0,"multi, comma"\n',
    );
    expect(await locateCsvRow(file, 'origin', ['X"Y'])).toBe(3);
    expect(await locateCsvRow(file, 'distance', [-5])).toBe(4);
    expect(await locateCsvRow(file, 'note', ['multi, comma'])).toBe(4);
    expect(await locateCsvRow(file, 'origin', ['SFO'])).toBeNull();
    expect(await locateCsvRow(file, 'nope', ['ORD'])).toBeNull();
    expect(await locateCsvRow(join(dir, 'x.parquet'), 'origin', ['ORD'])).toBeNull();
    expect(await locateCsvRow(join(dir, 'missing.csv'), 'origin', ['ORD'])).toBeNull();
  });

  it('finds a config line, or line 1 when the pattern is absent', async () => {
    const file = join(dir, 'slipway.config.ts');
    await writeFile(
      file,
      'export default {\n  eval: {\n    gates: { roc_auc: { threshold: 0.7 } },\n  },\n};\n',
    );
    expect(await locateLine(file, 'roc_auc')).toBe(3);
    expect(await locateLine(file, /threshold: 0\.7/)).toBe(3);
    expect(await locateLine(file, 'f1')).toBe(1);
  });
});
