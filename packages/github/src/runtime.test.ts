import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureRuntimeDependencies, runAction } from './runtime.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'slipway-runtime-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('Action bootstrap', () => {
  it('installs the pinned runtime packages next to the bundle with npm, once, then loads main.js', async () => {
    // A local package stands in for @duckdb/node-api: npm really installs it, without the network.
    const pkg = join(root, 'native-thing');
    await mkdir(pkg);
    await writeFile(
      join(pkg, 'package.json'),
      JSON.stringify({ name: 'native-thing', version: '1.2.3', type: 'module', main: 'index.js' }),
    );
    await writeFile(join(pkg, 'index.js'), 'export const answer = 42;\n');
    const dist = join(root, 'action/dist');
    await mkdir(dist, { recursive: true });
    await writeFile(
      join(dist, 'package.json'),
      JSON.stringify({
        name: 'x-runtime',
        private: true,
        type: 'module',
        dependencies: { 'native-thing': `file:${pkg}` },
      }),
    );
    await writeFile(
      join(dist, 'main.js'),
      "import { answer } from 'native-thing';\nimport { writeFileSync } from 'node:fs';\nwriteFileSync(new URL('./ran.txt', import.meta.url), String(answer));\n",
    );
    await runAction(pathToFileURL(join(dist, 'index.js')).href);
    expect(await readFile(join(dist, 'ran.txt'), 'utf8')).toBe('42');
    expect(
      JSON.parse(await readFile(join(dist, 'node_modules/native-thing/package.json'), 'utf8')).version,
    ).toBe('1.2.3');
    // Already there: no second install (npm would fail now that the source folder is gone).
    await rm(pkg, { recursive: true });
    ensureRuntimeDependencies(dist);
  }, 60_000);

  it('does nothing for a bundle without runtime packages', async () => {
    const dist = join(root, 'dist');
    await mkdir(dist);
    ensureRuntimeDependencies(dist);
    await writeFile(
      join(dist, 'package.json'),
      JSON.stringify({ name: 'y', private: true, type: 'module', dependencies: {} }),
    );
    ensureRuntimeDependencies(dist);
    expect(existsSync(join(dist, 'node_modules'))).toBe(false);
  });
});
