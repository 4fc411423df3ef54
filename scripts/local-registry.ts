// A local npm registry holding this checkout's packages, for installing Slipway the way a user does
// before (or without) a release to npmjs.com. Verdaccio serves the packed @slipway/* packages itself and
// proxies every other package to the public registry; @slipway/* is never proxied, so a name on the
// public registry can never stand in for a package of this checkout.
//
//   pnpm build && node scripts/local-registry.ts [--port 4873]
//
// then, in any project: npm install --registry http://127.0.0.1:4873/ --save-dev @slipway/cli
// (pnpm 11+ reads pnpm_config_registry, not npm_config_registry).
// tests/registry-install.test.ts drives the same functions.
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '..');

export interface LocalRegistry {
  /** Base URL with a trailing slash, e.g. http://127.0.0.1:4873/ */
  url: string;
  /** A token of a user the registry created, allowed to publish @slipway/*. */
  token: string;
  close(): Promise<void>;
}

/** The registry the proxy fetches third-party packages from (a CI mirror when one is configured). */
function uplinkUrl(): string {
  const configured = process.env.SLIPWAY_UPLINK_REGISTRY || process.env.npm_config_registry;
  return configured && !/\/\/(127\.0\.0\.1|localhost)[:/]/.test(configured)
    ? configured
    : 'https://registry.npmjs.org/';
}

/** Starts Verdaccio on 127.0.0.1 with its storage under `dir` (port 0: any free port). */
export async function startLocalRegistry(dir: string, port = 0): Promise<LocalRegistry> {
  await mkdir(join(dir, 'storage'), { recursive: true });
  const config = join(dir, 'config.yaml');
  await writeFile(
    config,
    [
      `storage: ${JSON.stringify(join(dir, 'storage'))}`,
      'auth:',
      '  htpasswd:',
      `    file: ${JSON.stringify(join(dir, 'htpasswd'))}`,
      '    max_users: 10',
      'uplinks:',
      '  npmjs:',
      `    url: ${JSON.stringify(uplinkUrl())}`,
      '    timeout: 120s',
      '    maxage: 30m',
      'packages:',
      "  '@slipway/*':",
      '    access: $all',
      '    publish: $authenticated',
      "  '**':",
      '    access: $all',
      '    proxy: npmjs',
      'log: { type: stdout, format: pretty, level: error }',
      '',
    ].join('\n'),
  );
  const { runServer } = (await import('verdaccio')) as {
    runServer(config: string): Promise<Server>;
  };
  const server = await runServer(config);
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => done());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  // `npm adduser` without a terminal: the CouchDB-style user document Verdaccio's htpasswd plugin takes.
  const res = await fetch(`${url}-/user/org.couchdb.user:slipway`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'slipway', password: 'local-registry-only' }),
  });
  const body = (await res.json()) as { token?: string; error?: string };
  if (!res.ok || !body.token) {
    server.close();
    throw new Error(`the local registry refused to create its publisher (${res.status} ${body.error ?? ''})`);
  }
  return {
    url,
    token: body.token,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections?.();
        server.close(() => done());
      }),
  };
}

/** Every public package of the workspace (packages/*), as pnpm publishes it. */
export async function publicPackages(): Promise<{ name: string; version: string; dir: string }[]> {
  const out: { name: string; version: string; dir: string }[] = [];
  for (const entry of await readdir(join(repoRoot, 'packages'))) {
    const dir = join(repoRoot, 'packages', entry);
    let pkg: { name: string; version: string; private?: boolean };
    try {
      pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    if (!pkg.private) out.push({ name: pkg.name, version: pkg.version, dir });
  }
  return out;
}

/**
 * Packs each public package with `pnpm pack` (workspace:* becomes the real version, files/exports as
 * published) into `outDir`. The packages must be built (`pnpm build`): the tarballs carry dist/.
 */
export async function packPublicPackages(outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const tarballs: string[] = [];
  for (const pkg of await publicPackages()) {
    const { stdout } = await run('pnpm', ['pack', '--pack-destination', outDir, '--json'], {
      cwd: pkg.dir,
      maxBuffer: 64 * 1024 * 1024,
    });
    const packed = JSON.parse(stdout) as { filename: string } | { filename: string }[];
    tarballs.push(resolve(outDir, (Array.isArray(packed) ? packed[0]! : packed).filename));
  }
  return tarballs;
}

/** Publishes tarballs to the registry with `npm publish`. */
export async function publishTarballs(
  registry: LocalRegistry,
  tarballs: string[],
  cwd: string,
): Promise<void> {
  const host = registry.url.replace(/^https?:/, '');
  // A project-level .npmrc in a scratch directory carries the token; nothing is written to the user's.
  await writeFile(join(cwd, '.npmrc'), `registry=${registry.url}\n${host}:_authToken=${registry.token}\n`);
  for (const tarball of tarballs) {
    await run(
      'npm',
      ['publish', tarball, '--registry', registry.url, '--access', 'public', '--provenance=false'],
      {
        cwd,
        env: { ...process.env, npm_config_registry: registry.url },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '4873' } } });
  const dir = resolve(repoRoot, '.slipway-registry');
  const registry = await startLocalRegistry(dir, Number(values.port));
  const tarballs = await packPublicPackages(join(dir, 'tarballs'));
  await publishTarballs(registry, tarballs, dir);
  process.stdout.write(
    [
      `Local registry at ${registry.url} with ${tarballs.length} Slipway packages (other packages come from ${uplinkUrl()}).`,
      'In your project (npm reads the first variable, pnpm 11+ the second):',
      `  export npm_config_registry=${registry.url} pnpm_config_registry=${registry.url}`,
      '  npm install --save-dev @slipway/cli @slipway/core    # or: pnpm add -D @slipway/cli @slipway/core',
      'Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
}
