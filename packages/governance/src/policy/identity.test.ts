import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveIdentity } from './identity.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-id-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function event(payload: unknown): Promise<string> {
  const path = join(dir, 'event.json');
  await writeFile(path, JSON.stringify(payload));
  return path;
}

describe('resolveIdentity', () => {
  it('takes the event sender in CI and ignores an actor input', async () => {
    const id = await resolveIdentity({
      env: {
        GITHUB_ACTIONS: 'true',
        GITHUB_ACTOR: 'alice',
        INPUT_ACTOR: 'admin',
        GITHUB_REPOSITORY: 'acme/app',
        GITHUB_EVENT_PATH: await event({
          sender: { login: 'alice' },
          repository: { default_branch: 'main' },
        }),
      },
    });
    expect(id).toMatchObject({ login: 'alice', source: 'github-event', ci: true, policyRef: 'origin/main' });
    expect(id.ignoredRequestedActor).toBe('admin');
  });

  it('reads PR facts: base sha for the policy, fork detection, author', async () => {
    const pr = (head: string | null) => ({
      sender: { login: 'bob' },
      pull_request: {
        number: 12,
        user: { login: 'bob' },
        head: { repo: head ? { full_name: head, fork: head !== 'acme/app' } : null },
        base: { ref: 'main', sha: 'b'.repeat(40), repo: { full_name: 'acme/app' } },
      },
    });
    const env = { GITHUB_ACTIONS: 'true', GITHUB_ACTOR: 'bob', GITHUB_EVENT_NAME: 'pull_request' };
    const same = await resolveIdentity({ env: { ...env, GITHUB_EVENT_PATH: await event(pr('acme/app')) } });
    expect(same.pullRequest).toMatchObject({ number: 12, author: 'bob', fromFork: false });
    expect(same.policyRef).toBe('b'.repeat(40));
    const fork = await resolveIdentity({ env: { ...env, GITHUB_EVENT_PATH: await event(pr('bob/app')) } });
    expect(fork.pullRequest?.fromFork).toBe(true);
    const deleted = await resolveIdentity({ env: { ...env, GITHUB_EVENT_PATH: await event(pr(null)) } });
    expect(deleted.pullRequest?.fromFork).toBe(true);
  });

  it('refuses an event file that disagrees with what the runner set (GITHUB_ACTOR, GITHUB_BASE_REF)', async () => {
    const env = { GITHUB_ACTIONS: 'true', GITHUB_ACTOR: 'mallory', GITHUB_BASE_REF: 'main' };
    await expect(
      resolveIdentity({ env: { ...env, GITHUB_EVENT_PATH: await event({ sender: { login: 'alice' } }) } }),
    ).rejects.toMatchObject({ code: 'IDENTITY_MISMATCH', message: expect.stringContaining('sender alice') });
    const otherBase = {
      sender: { login: 'mallory' },
      pull_request: { base: { ref: 'dev', sha: 'c'.repeat(40) } },
    };
    await expect(
      resolveIdentity({ env: { ...env, GITHUB_EVENT_PATH: await event(otherBase) } }),
    ).rejects.toMatchObject({
      code: 'IDENTITY_MISMATCH',
      message: expect.stringContaining('base branch dev'),
    });
  });

  it('falls back to GITHUB_ACTOR, and fails without any runner identity', async () => {
    expect(await resolveIdentity({ env: { GITHUB_ACTIONS: 'true', GITHUB_ACTOR: 'carol' } })).toMatchObject({
      login: 'carol',
      source: 'github-actor',
    });
    await expect(resolveIdentity({ env: { GITHUB_ACTIONS: 'true', INPUT_ACTOR: 'admin' } })).rejects.toThrow(
      /without GITHUB_ACTOR/,
    );
  });

  it('outside CI uses git user.name, else $USER', async () => {
    const env = {
      PATH: process.env.PATH,
      USER: 'localuser',
      GIT_CONFIG_GLOBAL: join(dir, 'gitconfig'),
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: dir,
    };
    expect(await resolveIdentity({ env, cwd: dir })).toMatchObject({
      login: 'localuser',
      source: 'user-env',
      ci: false,
      policyRef: null,
    });
    await writeFile(join(dir, 'gitconfig'), '[user]\n\tname = Local Dev\n');
    expect(await resolveIdentity({ env, cwd: dir })).toMatchObject({
      login: 'Local Dev',
      source: 'git-config',
    });
  });
});

describe('local identity without git or $USER', () => {
  it('falls back to the operating-system account', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-identity-'));
    const id = await resolveIdentity({ env: { PATH: process.env.PATH ?? '', HOME: dir }, cwd: dir });
    expect(id).toMatchObject({ login: userInfo().username, source: 'os-user', ci: false });
  });
});
