import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addInChild,
  cloneProject,
  dvc,
  type Moto,
  makeData,
  S3_ENV,
  slipway,
  snapshot,
  startMoto,
  TRACKED,
} from './support/dvc.js';

// Real DVC 3 and a real S3 server (moto) against `slipway data …`, both directions.
let work: string;
let moto: Moto;
const BUCKET = 'dvc-interop';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'slipway-dvc-interop-'));
  Object.assign(process.env, S3_ENV);
  moto = await startMoto(BUCKET);
});
afterAll(async () => {
  await moto?.stop();
  rmSync(work, { recursive: true, force: true });
});

function project(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  makeData(dir);
  return dir;
}

function dvcFiles(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .filter((n) => n.endsWith('.dvc') && n !== '.dvc')
      .map((n) => [n, readFileSync(join(dir, n), 'utf8')]),
  );
}

function cacheObjects(dir: string): Record<string, string> {
  const root = join(dir, '.dvc', 'cache', 'files', 'md5');
  const out: Record<string, string> = {};
  for (const prefix of readdirSync(root))
    for (const rest of readdirSync(join(root, prefix)))
      out[prefix + rest] = readFileSync(join(root, prefix, rest), 'latin1');
  return out;
}

describe('slipway data add → dvc', () => {
  it('writes the same .dvc files and cache objects as dvc add; dvc status is clean; dvc checkout restores', async () => {
    const ours = project('ours-add');
    const theirs = project('dvc-add');
    await dvc(theirs, 'init', '--no-scm', '-q');
    await dvc(theirs, 'add', '-q', ...TRACKED);
    const added = await slipway(ours, 'data', 'add', ...TRACKED, '--json');
    expect(added.code).toBe(0);
    expect(added.json<{ initialized: boolean }>().initialized).toBe(true);
    expect(dvcFiles(ours)).toEqual(dvcFiles(theirs));
    expect(cacheObjects(ours)).toEqual(cacheObjects(theirs));
    expect(readFileSync(join(ours, '.dvc', 'config'), 'utf8')).toBe(
      readFileSync(join(theirs, '.dvc', 'config'), 'utf8'),
    );

    expect(await dvc(ours, 'status')).toContain('Data and pipelines are up to date');
    const before = snapshot(ours);
    for (const p of TRACKED) rmSync(join(ours, p), { recursive: true });
    await dvc(ours, 'checkout');
    expect(snapshot(ours)).toEqual(before);
    expect(statSync(join(ours, 'run.sh')).mode & 0o111).not.toBe(0);
    expect(await dvc(ours, 'status')).toContain('Data and pipelines are up to date');
  });

  it('writes the same .gitignore entries as dvc in a git repository', async () => {
    const ours = project('ours-git');
    const theirs = project('dvc-git');
    for (const dir of [ours, theirs]) {
      await import('node:child_process').then(({ execFileSync }) =>
        execFileSync('git', ['init', '-q'], { cwd: dir }),
      );
      writeFileSync(join(dir, '.gitignore'), '*.log');
    }
    await dvc(theirs, 'init', '-q');
    await dvc(theirs, 'add', '-q', ...TRACKED);
    expect((await slipway(ours, 'data', 'add', ...TRACKED)).code).toBe(0);
    expect(readFileSync(join(ours, '.gitignore'), 'utf8')).toBe(
      readFileSync(join(theirs, '.gitignore'), 'utf8'),
    );
    expect(readFileSync(join(ours, '.dvc', '.gitignore'), 'utf8')).toBe(
      readFileSync(join(theirs, '.dvc', '.gitignore'), 'utf8'),
    );
    expect(dvcFiles(ours)).toEqual(dvcFiles(theirs));
  });
});

describe('.dvcignore', () => {
  it('patterns above a tracked directory exclude the same files as DVC', async () => {
    const ours = project('ignore-ours');
    const theirs = project('ignore-dvc');
    for (const dir of [ours, theirs]) {
      mkdirSync(join(dir, 'data', 'nested', 'cache-1'), { recursive: true });
      mkdirSync(join(dir, 'data', 'logs'), { recursive: true });
      writeFileSync(join(dir, 'data', 'x.tmp'), 'ignored');
      writeFileSync(join(dir, 'data', 'keep.tmp'), 'kept by negation');
      writeFileSync(join(dir, 'data', 'nested', 'cache-1', 'z'), 'ignored dir');
      writeFileSync(join(dir, 'data', 'logs', 'a.log'), 'ignored, dir-only pattern');
      writeFileSync(join(dir, 'data', 'logs.txt'), 'not a dir: kept');
      writeFileSync(
        join(dir, '.dvcignore'),
        '# test patterns\n*.tmp\n!keep.tmp\n**/cache-*\ndata/logs/\n/data/nested/deeper/c.bin\n',
      );
    }
    await dvc(theirs, 'init', '--no-scm', '-q');
    // dvc init keeps an existing .dvcignore; both projects start with the same one.
    await dvc(theirs, 'add', '-q', 'data');
    mkdirSync(join(ours, '.dvc'));
    writeFileSync(join(ours, '.dvc', 'config'), '[core]\n    no_scm = True\n');
    expect((await slipway(ours, 'data', 'add', 'data')).code).toBe(0);
    expect(readFileSync(join(ours, 'data.dvc'), 'utf8')).toBe(readFileSync(join(theirs, 'data.dvc'), 'utf8'));
    expect(readFileSync(join(ours, 'data.dvc'), 'utf8')).toContain('nfiles: 8');
    expect(await dvc(ours, 'status')).toContain('Data and pipelines are up to date');
  });
});

describe('two processes', () => {
  it('two `data add` of the same path at once: both succeed, one result, nothing half-written', async () => {
    const ours = project('race');
    const theirs = project('race-dvc');
    await dvc(theirs, 'init', '--no-scm', '-q');
    await dvc(theirs, 'add', '-q', 'data');
    const [a, b] = await Promise.all([addInChild(ours, 'data'), addInChild(ours, 'data')]);
    expect([a.code, b.code], `${a.stderr}\n${b.stderr}`).toEqual([0, 0]);
    expect(readFileSync(join(ours, 'data.dvc'), 'utf8')).toBe(readFileSync(join(theirs, 'data.dvc'), 'utf8'));
    expect(await dvc(ours, 'status')).toContain('Data and pipelines are up to date');
    const leftovers = (readdirSync(ours, { recursive: true }) as string[]).filter(
      (f) => f.endsWith('.tmp') || f.endsWith('slipway.lock'),
    );
    expect(leftovers).toEqual([]);
  });
});

describe('dvc add → slipway data', () => {
  it('status, then checkout of deleted and modified data', async () => {
    const dir = project('dvc-then-ours');
    await dvc(dir, 'init', '--no-scm', '-q');
    await dvc(dir, 'add', '-q', ...TRACKED);
    const clean = await slipway(dir, 'data', 'status', '--json');
    expect(clean.code).toBe(0);
    const entries = clean.json<{ entries: { path: string; state: string }[] }>().entries;
    expect(entries.map((e) => [e.path, e.state]).sort()).toEqual(TRACKED.map((p) => [p, 'ok']).sort());

    const before = snapshot(dir);
    rmSync(join(dir, 'data', 'ünïcødé'), { recursive: true });
    rmSync(join(dir, 'foo.txt'));
    writeFileSync(join(dir, 'data', 'nested', 'b.json'), 'changed');
    const dirty = await slipway(dir, 'data', 'status', '--json');
    expect(dirty.code).toBe(1);
    const states = Object.fromEntries(
      dirty.json<{ entries: { path: string; state: string }[] }>().entries.map((e) => [e.path, e.state]),
    );
    expect(states).toMatchObject({ 'foo.txt': 'missing', data: 'modified', 'empty.bin': 'ok' });
    const refused = await slipway(dir, 'data', 'checkout');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('CHECKOUT_WOULD_LOSE_DATA');
    rmSync(join(dir, 'run.sh'));
    const forced = await slipway(dir, 'data', 'checkout', '--force', '--json');
    expect(forced.code).toBe(0);
    expect(snapshot(dir)).toEqual(before);
    expect(statSync(join(dir, 'run.sh')).mode & 0o111).not.toBe(0);
    expect(await dvc(dir, 'status')).toContain('Data and pipelines are up to date');
  });
});

describe('remotes', () => {
  async function oursWithRemote(name: string, remoteArgs: string[][]): Promise<string> {
    const dir = project(name);
    expect((await slipway(dir, 'data', 'add', ...TRACKED)).code).toBe(0);
    for (const args of remoteArgs) await dvc(dir, 'remote', ...args);
    return dir;
  }

  it('slipway push to a local remote, dvc pull', async () => {
    const dir = await oursWithRemote('push-local', [['add', '-d', 'store', join(work, 'local-remote-1')]]);
    const pushed = await slipway(dir, 'data', 'push', '--json');
    expect(pushed.code).toBe(0);
    expect(pushed.json<{ remotes: { transferred: number }[] }>().remotes[0]?.transferred).toBe(11);
    const clone = join(work, 'push-local-clone');
    cloneProject(dir, clone);
    await dvc(clone, 'pull', '-q');
    expect(snapshot(clone)).toEqual(snapshot(dir));
  });

  it('slipway push to S3 (moto), dvc pull', async () => {
    const dir = await oursWithRemote('push-s3', [
      ['add', '-d', 's3', `s3://${BUCKET}/ours`],
      ['modify', 's3', 'endpointurl', moto.endpoint],
    ]);
    const pushed = await slipway(dir, 'data', 'push');
    expect(pushed.code).toBe(0);
    expect(pushed.stdout).toMatch(/pushed 11 object\(s\)/);
    expect(
      (await slipway(dir, 'data', 'push', '--json')).json<{ remotes: { present: number }[] }>().remotes[0]
        ?.present,
    ).toBe(11);
    const clone = join(work, 'push-s3-clone');
    cloneProject(dir, clone);
    await dvc(clone, 'pull', '-q');
    expect(snapshot(clone)).toEqual(snapshot(dir));
    expect(await dvc(clone, 'status', '-c')).toMatch(/up to date|Cache and remote 's3' are in sync/);
  });

  it('a file above the multipart threshold: slipway push to S3 in parts, dvc pull, slipway pull', async () => {
    const dir = join(work, 'multipart');
    mkdirSync(dir);
    writeFileSync(join(dir, 'big.bin'), randomBytes(70 << 20));
    expect((await slipway(dir, 'data', 'add', 'big.bin')).code).toBe(0);
    await dvc(dir, 'remote', 'add', '-d', 's3', `s3://${BUCKET}/multipart`);
    await dvc(dir, 'remote', 'modify', 's3', 'endpointurl', moto.endpoint);
    const pushed = await slipway(dir, 'data', 'push', '--json');
    expect(pushed.code, pushed.stderr).toBe(0);
    const clone = join(work, 'multipart-dvc');
    cloneProject(dir, clone);
    await dvc(clone, 'pull', '-q');
    expect(snapshot(clone)).toEqual(snapshot(dir));
    const ours = join(work, 'multipart-ours');
    cloneProject(dir, ours);
    expect((await slipway(ours, 'data', 'pull')).code).toBe(0);
    expect(snapshot(ours)).toEqual(snapshot(dir));
  });

  it('dvc push to a local remote and to S3, slipway pull', async () => {
    const dir = project('dvc-push');
    await dvc(dir, 'init', '--no-scm', '-q');
    await dvc(dir, 'add', '-q', ...TRACKED);
    await dvc(dir, 'remote', 'add', '-d', 'store', join(work, 'local-remote-2'));
    await dvc(dir, 'remote', 'add', 's3', `s3://${BUCKET}/theirs`);
    await dvc(dir, 'remote', 'modify', 's3', 'endpointurl', moto.endpoint);
    await dvc(dir, 'push', '-q');
    await dvc(dir, 'push', '-q', '-r', 's3');
    for (const remote of ['store', 's3']) {
      const clone = join(work, `dvc-push-clone-${remote}`);
      cloneProject(dir, clone);
      const pulled = await slipway(clone, 'data', 'pull', '-r', remote, '--json');
      expect(pulled.code, pulled.stderr).toBe(0);
      expect(pulled.json<{ remotes: { transferred: number }[] }>().remotes[0]?.transferred).toBe(11);
      expect(snapshot(clone)).toEqual(snapshot(dir));
      expect(await dvc(clone, 'status')).toContain('Data and pipelines are up to date');
    }
  });

  it('an unreachable S3 endpoint is named in the error and nothing lands in the cache', async () => {
    const dir = project('unreachable');
    await dvc(dir, 'init', '--no-scm', '-q');
    await dvc(dir, 'add', '-q', 'foo.txt');
    await dvc(dir, 'remote', 'add', '-d', 'gone', `s3://${BUCKET}/gone`);
    await dvc(dir, 'remote', 'modify', 'gone', 'endpointurl', 'http://127.0.0.1:9');
    rmSync(join(dir, '.dvc', 'cache'), { recursive: true });
    rmSync(join(dir, 'foo.txt'));
    const res = await slipway(dir, 'data', 'pull', '--json');
    expect(res.code).toBe(2);
    const err = JSON.parse(res.stdout || res.stderr) as { error?: { code: string; message: string } } & {
      code?: string;
      message?: string;
    };
    const e = err.error ?? (err as { code: string; message: string });
    expect(e.code).toBe('REMOTE_UNREACHABLE');
    expect(e.message).toContain('remote "gone"');
    expect(readdirSync(join(dir, '.dvc'))).not.toContain('cache');
  });
});
