import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkRuntimeLock, ensureRuntimeDependencies, runAction } from './runtime.js';

/** An npm v3 lockfile with these root dependencies and package entries. */
function lockfile(deps: Record<string, string>, packages: Record<string, unknown>) {
  return {
    name: 'x-runtime',
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: 'x-runtime', dependencies: deps }, ...packages },
  };
}

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
    // No lockfile: nothing may be resolved at job time, so nothing is installed.
    expect(() => ensureRuntimeDependencies(dist)).toThrow(
      expect.objectContaining({
        name: 'RuntimeInstallError',
        message: expect.stringContaining('package-lock.json is missing'),
      }),
    );
    await writeFile(
      join(dist, 'package-lock.json'),
      JSON.stringify(
        lockfile(
          { 'native-thing': `file:${pkg}` },
          {
            'node_modules/native-thing': { resolved: '../../native-thing', link: true },
            '../../native-thing': { name: 'native-thing', version: '1.2.3' },
          },
        ),
      ),
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

  it('refuses a lockfile that does not pin every package by content, or pins other dependencies', async () => {
    const dist = join(root, 'dist');
    await mkdir(dist);
    await writeFile(
      join(dist, 'package.json'),
      JSON.stringify({ name: 'z', private: true, dependencies: { chalk: '5.4.1' } }),
    );
    const write = (deps: Record<string, string>, packages: Record<string, unknown>) =>
      writeFile(join(dist, 'package-lock.json'), JSON.stringify(lockfile(deps, packages)));
    const tarball = 'https://registry.npmjs.org/chalk/-/chalk-5.4.1.tgz';
    await write({ chalk: '5.4.1' }, { 'node_modules/chalk': { version: '5.4.1', resolved: tarball } });
    expect(() => checkRuntimeLock(dist, { chalk: '5.4.1' })).toThrow(
      /node_modules\/chalk has no sha512 integrity hash/,
    );
    await write({ chalk: '^5' }, {});
    expect(() => checkRuntimeLock(dist, { chalk: '5.4.1' })).toThrow(/pins \{"chalk":"\^5"\}/);
    await write(
      { chalk: '5.4.1' },
      {
        'node_modules/chalk': {
          version: '5.4.1',
          resolved: tarball,
          integrity: `sha512-${'A'.repeat(86)}==`,
        },
      },
    );
    expect(() => checkRuntimeLock(dist, { chalk: '5.4.1' })).not.toThrow();
  });

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
