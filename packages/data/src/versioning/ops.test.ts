import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isSlipwayError } from '@slipway/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addPaths, dataCheckout, dataDigest, dataPull, dataPush, dataStatus } from './index.js';
import { jobError } from './tree.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-dvc-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string; hint?: string }> {
  try {
    await p;
  } catch (err) {
    if (!isSlipwayError(err)) throw err;
    return err;
  }
  throw new Error('expected a SlipwayError');
}

const obj = (root: string, md5: string) =>
  join(root, '.dvc', 'cache', 'files', 'md5', md5.slice(0, 2), md5.slice(2));

function tmpFilesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  return (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.tmp'));
}

function makeData(root: string): void {
  writeFileSync(join(root, 'foo'), 'foo');
  mkdirSync(join(root, 'data', 'nested', 'deeper'), { recursive: true });
  writeFileSync(join(root, 'data', 'a.csv'), 'x,y\n1,2\n');
  writeFileSync(join(root, 'data', 'empty'), '');
  writeFileSync(join(root, 'data', 'nested', 'deeper', 'ünï.txt'), 'unicode');
}

describe('add, status, checkout', () => {
  it('creates .dvc/ (no-scm), stores content read-only, writes DVC bytes', async () => {
    makeData(dir);
    const report = await addPaths(['foo', 'data/'], { cwd: dir });
    expect(report.initialized).toBe(true);
    expect(readFileSync(join(dir, '.dvc', 'config'), 'utf8')).toBe('[core]\n    no_scm = True\n');
    expect(readFileSync(join(dir, 'foo.dvc'), 'utf8')).toBe(
      'outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  hash: md5\n  path: foo\n',
    );
    const d = report.results[1];
    expect(d?.nfiles).toBe(3);
    expect(d?.md5).toMatch(/^[0-9a-f]{32}\.dir$/);
    expect(statSync(obj(dir, 'acbd18db4cc2f85cedef654fccc4a4d8')).mode & 0o777).toBe(0o444);
    expect(existsSync(obj(dir, d?.md5 as string))).toBe(true);
    expect(existsSync(join(dir, '.gitignore'))).toBe(false);
    expect((await dataStatus([], { cwd: dir })).clean).toBe(true);
    // Unchanged files are not read again.
    const again = await addPaths(['data'], { cwd: dir });
    expect(again.results[0]?.hashed).toBe(0);
    expect(again.results[0]?.changed).toBe(false);
  });

  it('reports modified, missing and not-in-cache, and checkout restores', async () => {
    makeData(dir);
    await addPaths(['foo', 'data'], { cwd: dir });
    writeFileSync(join(dir, 'data', 'a.csv'), 'x,y\n1,3\n');
    writeFileSync(join(dir, 'data', 'new.txt'), 'new');
    rmSync(join(dir, 'foo'));
    const s = await dataStatus([], { cwd: dir });
    expect(s.clean).toBe(false);
    const byPath = Object.fromEntries(s.entries.map((e) => [e.path, e]));
    expect(byPath.foo?.state).toBe('missing');
    expect(byPath.data?.state).toBe('modified');
    expect(byPath.data?.changes).toEqual({ added: ['new.txt'], modified: ['a.csv'], deleted: [] });
    // Modified content that is not in the cache is not thrown away without --force.
    const lose = await failure(dataCheckout([], { cwd: dir }));
    expect(lose.code).toBe('CHECKOUT_WOULD_LOSE_DATA');
    expect(existsSync(join(dir, 'foo'))).toBe(true); // the other output was still restored
    await dataCheckout(['data'], { cwd: dir, force: true });
    expect(readFileSync(join(dir, 'data', 'a.csv'), 'utf8')).toBe('x,y\n1,2\n');
    expect(existsSync(join(dir, 'data', 'new.txt'))).toBe(false);
    expect((await dataStatus([], { cwd: dir })).clean).toBe(true);
    rmSync(join(dir, '.dvc', 'cache'), { recursive: true, force: true });
    const s2 = await dataStatus(['foo'], { cwd: dir });
    expect(s2.entries[0]?.state).toBe('not-in-cache');
  });

  it('keeps unknown .dvc fields when data changes', async () => {
    writeFileSync(join(dir, 'foo'), 'foo');
    await addPaths(['foo'], { cwd: dir });
    const dvcFile = join(dir, 'foo.dvc');
    writeFileSync(dvcFile, `${readFileSync(dvcFile, 'utf8')}  desc: raw foo\nmeta:\n  owner: data-team\n`);
    writeFileSync(join(dir, 'foo'), 'bar');
    await addPaths(['foo'], { cwd: dir });
    expect(readFileSync(dvcFile, 'utf8')).toBe(
      'outs:\n- md5: 37b51d194a7513e45b56f6524f2d51f2\n  size: 3\n  hash: md5\n  path: foo\n  desc: raw foo\nmeta:\n  owner: data-team\n',
    );
  });

  it('adds a git-ignore entry in a git work tree', async () => {
    mkdirSync(join(dir, '.git'));
    makeData(dir);
    writeFileSync(join(dir, '.gitignore'), 'node_modules');
    await addPaths(['data', 'foo'], { cwd: dir });
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe('node_modules\n/data\n/foo\n');
    expect(readFileSync(join(dir, '.dvc', '.gitignore'), 'utf8')).toBe('/config.local\n/tmp\n/cache\n');
  });

  it('hashes many files in worker threads with the same result as in one thread', async () => {
    mkdirSync(join(dir, 'many', 'sub'), { recursive: true });
    for (let i = 0; i < 300; i++)
      writeFileSync(join(dir, 'many', i % 2 ? 'sub' : '', `f${i}`), `content ${i}`);
    writeFileSync(join(dir, 'many', 'big'), Buffer.alloc(6 << 20, 7));
    const one = await dataDigest('many', { cwd: dir, jobs: 1 });
    const added = await addPaths(['many'], { cwd: dir, jobs: 2 });
    expect(added.results[0]?.hashed).toBe(301);
    expect(added.results[0]?.md5).toBe(one.md5);
    rmSync(join(dir, 'many'), { recursive: true });
    await dataCheckout([], { cwd: dir, jobs: 2 });
    expect(readFileSync(join(dir, 'many', 'sub', 'f299'), 'utf8')).toBe('content 299');
    expect((await dataStatus([], { cwd: dir })).clean).toBe(true);
  });

  it('gives dataDigest for lineage', async () => {
    makeData(dir);
    const added = await addPaths(['data', 'foo'], { cwd: dir });
    const d = await dataDigest('data', { cwd: dir });
    expect(d.md5).toBe(added.results[0]?.md5);
    expect(d.digest).toBe(d.md5.replace('.dir', ''));
    expect(d.digest.length).toBeLessThanOrEqual(36);
    expect(d.nfiles).toBe(3);
    const outside = mkdtempSync(join(tmpdir(), 'slipway-digest-'));
    writeFileSync(join(outside, 'f'), 'foo');
    expect((await dataDigest(join(outside, 'f'))).md5).toBe('acbd18db4cc2f85cedef654fccc4a4d8');
    rmSync(outside, { recursive: true });
  });
});

describe('bad input and faults', () => {
  it('missing path', async () => {
    mkdirSync(join(dir, '.dvc'));
    const e = await failure(addPaths(['nope.csv'], { cwd: dir }));
    expect(e.code).toBe('PATH_NOT_FOUND');
    expect(e.message).toContain('nope.csv');
  });

  it('path outside the project', async () => {
    mkdirSync(join(dir, 'proj', '.dvc'), { recursive: true });
    writeFileSync(join(dir, 'outside'), 'x');
    const e = await failure(addPaths(['../outside'], { cwd: join(dir, 'proj') }));
    expect(e.code).toBe('PATH_OUTSIDE_PROJECT');
    expect(e.message).toContain('../outside');
  });

  it('symlink loops, of a file and of a directory', async () => {
    mkdirSync(join(dir, '.dvc'));
    symlinkSync('loop', join(dir, 'loop'));
    const e = await failure(addPaths(['loop'], { cwd: dir }));
    expect(e.code).toBe('SYMLINK_LOOP');
    expect(e.message).toContain('loop');
    mkdirSync(join(dir, 'd', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'd', 'f'), 'f');
    symlinkSync('..', join(dir, 'd', 'sub', 'up'));
    const e2 = await failure(addPaths(['d'], { cwd: dir }));
    expect(e2.code).toBe('SYMLINK_LOOP');
    expect(e2.message).toContain('d/sub/up');
    expect(existsSync(join(dir, 'd.dvc'))).toBe(false);
  });

  it('unreadable file', async (ctx) => {
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, '.dvc'));
    writeFileSync(join(dir, 'secret'), 'x');
    chmodSync(join(dir, 'secret'), 0o000);
    if (process.getuid?.() === 0) {
      // root reads anything: run the hashing job as an unprivileged user to get a real EACCES.
      // A copy beside the data, so that the unprivileged user can read it wherever the checkout lives.
      const worker = join(dir, 'hash-worker.ts');
      copyFileSync(fileURLToPath(new URL('./hash-worker.ts', import.meta.url)), worker);
      chmodSync(worker, 0o644);
      const script = `import(${JSON.stringify(worker)}).then((m) => m.runJob({ t: 'hash', path: ${JSON.stringify(join(dir, 'secret'))} }, () => {})).then((r) => process.stdout.write(JSON.stringify(r)))`;
      const node = nodeForNobody(dir);
      // Nowhere to run an unprivileged process (no such user, a noexec temp dir): root cannot get EACCES.
      if (!node) return ctx.skip('root, and no unprivileged user can run node here');
      const r = spawnSync(node, ['--input-type=module', '-e', script], {
        uid: 65534,
        gid: 65534,
        encoding: 'utf8',
      });
      expect(r.stderr, 'the unprivileged hashing job failed to start').toBe('');
      const result = JSON.parse(r.stdout);
      const e = jobError(result, 'secret');
      expect(e.code).toBe('FILE_UNREADABLE');
      expect(e.message).toContain('secret');
    } else {
      const e = await failure(addPaths(['secret'], { cwd: dir }));
      expect(e.code).toBe('FILE_UNREADABLE');
      expect(e.message).toContain('secret');
    }
  });

  it('corrupt cache object: detected on checkout, working file untouched', async () => {
    writeFileSync(join(dir, 'foo'), 'foo');
    await addPaths(['foo'], { cwd: dir });
    const o = obj(dir, 'acbd18db4cc2f85cedef654fccc4a4d8');
    chmodSync(o, 0o644);
    writeFileSync(o, 'rotten');
    writeFileSync(join(dir, 'foo'), 'local edit');
    const e = await failure(dataCheckout(['foo'], { cwd: dir, force: true }));
    expect(e.code).toBe('CACHE_CORRUPT');
    expect(e.message).toContain(o);
    expect(readFileSync(join(dir, 'foo'), 'utf8')).toBe('local edit');
    rmSync(join(dir, 'foo'));
    expect((await failure(dataCheckout(['foo'], { cwd: dir }))).code).toBe('CACHE_CORRUPT');
    expect(existsSync(join(dir, 'foo'))).toBe(false);
    expect(tmpFilesUnder(dir)).toEqual([]);
  });

  it('.dvcignore: patterns above apply, one inside a tracked directory is refused', async () => {
    makeData(dir);
    writeFileSync(join(dir, '.dvcignore'), 'empty\n');
    const added = await addPaths(['data'], { cwd: dir });
    expect(added.results[0]?.nfiles).toBe(2);
    writeFileSync(join(dir, 'data', 'nested', '.dvcignore'), '*.txt\n');
    const e = await failure(addPaths(['data'], { cwd: dir }));
    expect(e.code).toBe('DVCIGNORE_IN_TRACKED_DIR');
    expect(e.message).toContain('data/nested/.dvcignore');
  });

  it('malformed .dvc file names the file and line', async () => {
    mkdirSync(join(dir, '.dvc'));
    writeFileSync(
      join(dir, 'x.dvc'),
      'outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: three\n  path: x\n',
    );
    const e = await failure(dataStatus([], { cwd: dir }));
    expect(e.code).toBe('DVC_FILE_INVALID');
    expect(e.message).toMatch(/x\.dvc:3: `size: three`/);
  });

  it('unreachable remotes: error names the remote, nothing half-written', async () => {
    makeData(dir);
    await addPaths(['data'], { cwd: dir });
    writeFileSync(join(dir, 'blocker'), 'a file, not a directory');
    const port = await new Promise<number>((resolve) => {
      const srv = createServer();
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    writeFileSync(
      join(dir, '.dvc', 'config'),
      `[core]\n    no_scm = True\n    remote = local\n['remote "local"']\n    url = ../blocker/store\n['remote "s3"']\n    url = s3://bucket/prefix\n    endpointurl = http://127.0.0.1:${port}\n`,
    );
    const local = await failure(dataPush([], { cwd: dir }));
    expect(local.code).toBe('REMOTE_UNREACHABLE');
    expect(local.message).toContain('remote "local"');
    process.env.AWS_ACCESS_KEY_ID ??= 'testing';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
    const s3 = await failure(dataPush([], { cwd: dir, remote: 's3' }));
    expect(s3.code).toBe('REMOTE_UNREACHABLE');
    expect(s3.message).toContain('remote "s3"');
    expect(s3.message).toContain(`127.0.0.1:${port}`);
    rmSync(join(dir, '.dvc', 'cache'), { recursive: true });
    rmSync(join(dir, 'data'), { recursive: true });
    const pull = await failure(dataPull([], { cwd: dir, remote: 's3' }));
    expect(pull.code).toBe('REMOTE_UNREACHABLE');
    expect(tmpFilesUnder(join(dir, '.dvc'))).toEqual([]);
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('push and pull through a local remote', async () => {
    makeData(dir);
    await addPaths(['data', 'foo'], { cwd: dir });
    writeFileSync(
      join(dir, '.dvc', 'config'),
      '[core]\n    no_scm = True\n    remote = store\n[\'remote "store"\']\n    url = ../remote\n',
    );
    const pushed = await dataPush([], { cwd: dir });
    expect(pushed.remotes[0]?.transferred).toBe(5);
    expect(existsSync(join(dir, 'remote', 'files', 'md5', 'ac', 'bd18db4cc2f85cedef654fccc4a4d8'))).toBe(
      true,
    );
    expect((await dataPush([], { cwd: dir })).remotes[0]?.present).toBe(5);
    rmSync(join(dir, '.dvc', 'cache'), { recursive: true });
    rmSync(join(dir, 'data'), { recursive: true });
    rmSync(join(dir, 'foo'));
    const pulled = await dataPull([], { cwd: dir });
    expect(pulled.remotes[0]?.transferred).toBe(5);
    expect(readFileSync(join(dir, 'data', 'nested', 'deeper', 'ünï.txt'), 'utf8')).toBe('unicode');
    expect((await dataStatus([], { cwd: dir })).clean).toBe(true);
  });

  it('two adds of the same path at once both finish, one after the other', async () => {
    makeData(dir);
    mkdirSync(join(dir, '.dvc'));
    const [a, b] = await Promise.all([addPaths(['data'], { cwd: dir }), addPaths(['data'], { cwd: dir })]);
    expect(a.results[0]?.md5).toBe(b.results[0]?.md5);
    expect((a.results[0]?.hashed ?? 0) + (b.results[0]?.hashed ?? 0)).toBe(3);
    expect(readFileSync(join(dir, 'data.dvc'), 'utf8')).toContain(`md5: ${a.results[0]?.md5}\n`);
    expect(tmpFilesUnder(dir)).toEqual([]);
    expect(existsSync(join(dir, '.dvc', 'tmp', 'slipway.lock'))).toBe(false);
  });
});

// The node running the tests may live under a home directory that only root can enter (CI
// installs Node 24 into $HOME); give the unprivileged user its own link or copy beside the data.
function nodeForNobody(dir: string): string | null {
  const runs = (node: string) => spawnSync(node, ['-e', '0'], { uid: 65534, gid: 65534 }).status === 0;
  if (runs(process.execPath)) return process.execPath;
  const bin = join(dir, 'node-bin');
  mkdirSync(bin, { recursive: true });
  chmodSync(bin, 0o755);
  const node = join(bin, 'node');
  try {
    linkSync(process.execPath, node);
  } catch {
    copyFileSync(process.execPath, node);
    chmodSync(node, 0o755);
  }
  return runs(node) ? node : null;
}
