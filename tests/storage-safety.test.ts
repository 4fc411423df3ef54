// Storage safety through the real `slipway` binary: a cloned repository that commits a link cannot make
// `data pull` write outside it; output targets that are devices stay devices; and commands killed with
// SIGKILL at random points leave nothing behind once the next command has run (no temp files, no lock,
// no RUNNING run), with the data, the cache and the tracking store verifying afterwards.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { LocalStore, type Run } from '@slipway/tracking';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../packages/cli/src/main.js';
import { makeProject } from '../packages/training/src/project.fixture.js';
import { dvc } from './support/dvc.js';
import { cliEnv, SLIPWAY_BIN, slipwayJson } from './support/slipway-cli.js';

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'slipway-storage-safety-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
    cwd,
    stdio: 'pipe',
  }).toString();

/** Every path below `root` (relative, POSIX), links not followed. */
function walk(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const abs = join(dir, name);
      out.push(relative(root, abs).split(sep).join('/'));
      const st = lstatSync(abs);
      if (st.isDirectory() && !st.isSymbolicLink()) visit(abs);
    }
  };
  visit(root);
  return out;
}

/** What a killed command may leave: temp files (ours end in .tmp) and lock directories (with tickets). */
const leftovers = (root: string) =>
  walk(root).filter(
    (p) => p.endsWith('.tmp') || (/(^|\/)[^/]*lock$/.test(p) && lstatSync(join(root, p)).isDirectory()),
  );

/** `slipway …` in this process (no start-up cost), stdout and stderr captured. */
async function inProcess(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

/** Every cache object's content hashes to its name (`.dir` manifests included). */
function verifyCache(cacheDir: string): number {
  const md5dir = join(cacheDir, 'files', 'md5');
  let n = 0;
  for (const prefix of readdirSync(md5dir)) {
    if (!/^[0-9a-f]{2}$/.test(prefix)) continue;
    for (const rest of readdirSync(join(md5dir, prefix))) {
      const actual = createHash('md5')
        .update(readFileSync(join(md5dir, prefix, rest)))
        .digest('hex');
      expect(`${prefix}${rest}`.replace(/\.dir$/, ''), `cache object ${prefix}/${rest}`).toBe(actual);
      n++;
    }
  }
  return n;
}

function start(cwd: string, args: string[], env: NodeJS.ProcessEnv = cliEnv()): ChildProcess {
  return spawn(process.execPath, [SLIPWAY_BIN, ...args, '--cwd', cwd], { env, stdio: 'ignore' });
}

/**
 * Starts `args` and SIGKILLs it when `when()` first holds (polled), or after `maxMs` at the latest.
 * Resolves with whether it was killed (false when it finished first).
 */
async function killWhen(child: ChildProcess, when: () => boolean, maxMs: number): Promise<boolean> {
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let done = false;
  void exited.then(() => (done = true));
  const t0 = Date.now();
  while (!done && !when() && Date.now() - t0 < maxMs) await new Promise((r) => setTimeout(r, 2));
  if (done) return false;
  child.kill('SIGKILL');
  await exited;
  return true;
}

const listing = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

describe('a repository that commits a link', () => {
  it('git clone + `data pull`: nothing is written outside the clone, and the error says why', async () => {
    const home = join(work, 'victim-home');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    writeFileSync(join(home, '.ssh', 'known_hosts'), 'github.com ssh-ed25519 AAAA\n');
    const remote = join(work, 'evil-remote');
    const evil = join(work, 'evil');
    mkdirSync(evil);
    git(evil, 'init', '-q');
    writeFileSync(join(evil, 'payload'), 'ssh-ed25519 AAAAC3Nz attacker@evil\n');
    const added = await slipwayJson(evil, ['data', 'add', 'payload']);
    expect(added.code, added.stderr).toBe(0);
    writeFileSync(
      join(evil, '.dvc', 'config'),
      `[core]\n    remote = store\n['remote "store"']\n    url = ${remote}\n`,
    );
    expect((await slipwayJson(evil, ['data', 'push'])).code).toBe(0);
    // The .dvc file's output goes through a committed link to the victim's ~/.ssh.
    writeFileSync(
      join(evil, 'payload.dvc'),
      readFileSync(join(evil, 'payload.dvc'), 'utf8').replace('path: payload', 'path: keys/authorized_keys'),
    );
    symlinkSync(join(home, '.ssh'), join(evil, 'keys'));
    git(evil, 'add', '.dvc/config', 'payload.dvc', 'keys');
    git(evil, 'commit', '-qm', 'innocent data');
    const clone = join(work, 'clone');
    git(work, 'clone', '-q', evil, clone);
    expect(lstatSync(join(clone, 'keys')).isSymbolicLink()).toBe(true);

    const pulled = await slipwayJson<{ error: { code: string; message: string; hint: string } }>(clone, [
      'data',
      'pull',
    ]);
    expect(pulled.code).toBe(2);
    expect(pulled.json.error.code).toBe('SYMLINK_IN_PATH');
    expect(pulled.json.error.message).toBe(
      'keys/authorized_keys: keys is a symbolic link; Slipway does not write through symbolic links',
    );
    expect(pulled.json.error.hint).toContain('link');
    expect(readdirSync(join(home, '.ssh'))).toEqual(['known_hosts']);
    // The same refusal for checkout, and nothing anywhere outside the clone changed.
    const checkout = await slipwayJson<{ error: { code: string } }>(clone, ['data', 'checkout']);
    expect(checkout.json.error.code).toBe('SYMLINK_IN_PATH');
    expect(readdirSync(join(home, '.ssh'))).toEqual(['known_hosts']);
    expect(leftovers(clone)).toEqual([]);
  });
});

describe('output targets that are not regular files', () => {
  it('-o on a device node leaves the device; -o /dev/null writes nothing; -o - is stdout', async () => {
    const dir = join(work, 'devices');
    mkdirSync(dir);
    writeFileSync(join(dir, 'train.csv'), 'a,b\n1,x\n2,y\n');
    const infer = (...extra: string[]) =>
      inProcess('data', 'schema', 'infer', 'train.csv', '--cwd', dir, ...extra);
    const null1 = await infer('-o', '/dev/null');
    expect(null1.code, null1.stderr).toBe(0);
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
    if (process.getuid?.() === 0) {
      // CI runs as root: a device node made with mknod stands in for /dev/null without risking it.
      const node = join(dir, 'devnull');
      execFileSync('mknod', ['-m', '666', node, 'c', '1', '3']);
      const r = await infer('-o', 'devnull', '--json');
      expect(r.code, r.stderr).toBe(0);
      expect(lstatSync(node).isCharacterDevice()).toBe(true);
      expect(lstatSync(node).rdev).toBe(lstatSync('/dev/null').rdev);
    }
    const out = await infer('-o', '-');
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout).columns.map((c: { name: string }) => c.name)).toEqual(['a', 'b']);
    expect(existsSync(join(dir, '-'))).toBe(false);
    // A link as the output is refused; its target is left alone.
    writeFileSync(join(work, 'precious'), 'keep');
    symlinkSync(join(work, 'precious'), join(dir, 'schema.json'));
    const linked = await infer('--json');
    expect(linked.code).toBe(2);
    expect(JSON.parse(linked.stdout).error.code).toBe('SYMLINK_OUTPUT');
    expect(readFileSync(join(work, 'precious'), 'utf8')).toBe('keep');
  });
});

describe('kill -9 at random points, then a normal run', () => {
  it('data add: no temp files, no lock, data and cache verify (dvc agrees)', async () => {
    const proj = join(work, 'add-kill');
    mkdirSync(join(proj, 'dir'), { recursive: true });
    const big = Buffer.alloc(96 << 20);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    writeFileSync(join(proj, 'big.bin'), big);
    for (let i = 0; i < 300; i++) writeFileSync(join(proj, 'dir', `f${i}.txt`), `file ${i}\n`);
    const md5dir = join(proj, '.dvc', 'cache', 'files', 'md5');
    const lock = join(proj, '.dvc', 'tmp', 'slipway.lock');
    const triggers: [string, () => boolean][] = [
      ['lock taken', () => existsSync(lock)],
      ['big file being copied', () => listing(md5dir).some((n) => n.startsWith('incoming.'))],
      ['random moment', () => false],
    ];
    let left = 0;
    for (const [, when] of triggers) {
      const child = start(proj, ['data', 'add', 'big.bin', 'dir']);
      await killWhen(child, when, 200 + Math.random() * 1500);
      left += leftovers(proj).length;
    }
    expect(left, 'at least one kill left something to sweep').toBeGreaterThan(0);
    const done = await slipwayJson(proj, ['data', 'add', 'big.bin', 'dir']);
    expect(done.code, done.stderr).toBe(0);
    expect(leftovers(proj)).toEqual([]);
    expect(((await slipwayJson(proj, ['data', 'status'])).json as { clean: boolean }).clean).toBe(true);
    expect(verifyCache(join(proj, '.dvc', 'cache'))).toBe(302);
    expect(await dvc(proj, 'status')).toContain('up to date');
  });

  it('data pull: no temp files, no lock, the workspace and cache verify', async () => {
    const proj = join(work, 'pull-kill');
    const remote = join(work, 'pull-remote');
    mkdirSync(join(proj, 'dir'), { recursive: true });
    const big = Buffer.alloc(64 << 20);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i ^ 0x5a5a, i);
    writeFileSync(join(proj, 'big.bin'), big);
    for (let i = 0; i < 400; i++) writeFileSync(join(proj, 'dir', `f${i}.txt`), `pulled ${i}\n`);
    expect((await slipwayJson(proj, ['data', 'add', 'big.bin', 'dir'])).code).toBe(0);
    writeFileSync(
      join(proj, '.dvc', 'config'),
      `[core]\n    no_scm = True\n    remote = store\n['remote "store"']\n    url = ${remote}\n`,
    );
    expect((await slipwayJson(proj, ['data', 'push'])).code).toBe(0);
    const staging = join(proj, '.dvc', 'tmp', 'slipway-staging');
    const md5dir = join(proj, '.dvc', 'cache', 'files', 'md5');
    const triggers: (() => boolean)[] = [
      () => listing(md5dir).some((n) => n.startsWith('incoming.')),
      () => listing(staging).length > 0,
      () => false,
    ];
    let left = 0;
    for (const when of triggers) {
      rmSync(join(proj, '.dvc', 'cache'), { recursive: true, force: true });
      rmSync(join(proj, 'big.bin'), { force: true });
      rmSync(join(proj, 'dir'), { recursive: true, force: true });
      await killWhen(start(proj, ['data', 'pull']), when, 200 + Math.random() * 1500);
      left += leftovers(proj).length;
    }
    expect(left, 'at least one kill left something to sweep').toBeGreaterThan(0);
    const done = await slipwayJson(proj, ['data', 'pull']);
    expect(done.code, done.stderr).toBe(0);
    expect(leftovers(proj)).toEqual([]);
    expect(((await slipwayJson(proj, ['data', 'status'])).json as { clean: boolean }).clean).toBe(true);
    expect(readFileSync(join(proj, 'big.bin')).equals(big)).toBe(true);
    expect(verifyCache(join(proj, '.dvc', 'cache'))).toBe(402);
  });

  it('train (local store): the killed run is marked KILLED with the reason, no temp package, store loads', async () => {
    const p = await makeProject({
      config: {
        tracking: { uri: 'store' },
        training: { backend: 'cpu', epochs: 150, batchSize: 32, seed: 7, validationSplit: 0.2 },
      },
    });
    const runs = join(p.dir, 'store', 'runs');
    const child = start(p.dir, ['train']);
    let createdAt = 0;
    // At a random moment (up to 0.5 s) after the run exists: logging params, inputs or epoch metrics.
    const delay = Math.random() * 500;
    const killed = await killWhen(
      child,
      () => {
        if (!createdAt && listing(runs).some((id) => existsSync(join(runs, id, 'run.json'))))
          createdAt = Date.now();
        return createdAt > 0 && Date.now() - createdAt >= delay;
      },
      120_000,
    );
    expect(killed).toBe(true);
    const store = new LocalStore(join(p.dir, 'store'));
    const [exp] = await store.listExperiments();
    const before = await store.searchRuns([exp!.id]);
    expect(before.map((r) => r.status)).toEqual(['RUNNING']);
    const again = await slipwayJson<{ runId: string }>(p.dir, ['train']);
    expect(again.code, again.stderr).toBe(0);
    const after = await store.searchRuns([exp!.id]);
    const dead = after.find((r) => r.id === before[0]!.id) as Run;
    expect(dead.status).toBe('KILLED');
    expect(dead.endTime).toBeTypeOf('number');
    expect(dead.tags['slipway.end_reason']).toMatch(/^process \d+ on .+ ended without finishing the run/);
    expect(after.filter((r) => r.status === 'RUNNING')).toEqual([]);
    expect(after.find((r) => r.id === again.json.runId)?.status).toBe('FINISHED');
    expect(leftovers(p.dir)).toEqual([]);
    await store.close();
  });
});
