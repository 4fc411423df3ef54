/**
 * Issue 20, case 3: everything that runs is pinned. Every `uses:` of the reusable workflows, of what
 * `slipway init` writes and of the docs' examples names a commit (never a tag or branch that can move),
 * Slipway's own Actions all at one commit, no zizmor suppression stands in for a pin, and the release
 * script that rewrites the pins produces the same shape. (That each Action installs only from a lockfile
 * with integrity hashes is packages/github/src/runtime.test.ts and scripts/check-actions-dist.sh.)
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { initProject } from '../packages/cli/src/commands/init.ts';
import { pinActions, pinWorkflows } from '../scripts/pin-release.ts';

const SHA = /^[0-9a-f]{40}$/;
const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/** Every `uses:` of a workflow (job-level and step-level), with where it is. */
function usesOf(text: string, file: string): { where: string; uses: string }[] {
  const doc = YAML.parse(text) as { jobs?: Record<string, { uses?: string; steps?: { uses?: string }[] }> };
  const out: { where: string; uses: string }[] = [];
  for (const [name, job] of Object.entries(doc.jobs ?? {})) {
    if (job.uses) out.push({ where: `${file} jobs.${name}`, uses: job.uses });
    for (const [i, step] of (job.steps ?? []).entries())
      if (step.uses) out.push({ where: `${file} jobs.${name}.steps[${i}]`, uses: step.uses });
  }
  return out;
}

/** The problems with a set of `uses:`: not a commit, or Slipway's own at more than one commit. */
function pinProblems(all: { where: string; uses: string }[]): string[] {
  const problems: string[] = [];
  const ours = new Set<string>();
  for (const { where, uses } of all) {
    if (uses.startsWith('./')) continue;
    const ref = uses.split('@')[1] ?? '';
    if (!SHA.test(ref)) problems.push(`${where}: ${uses} is not pinned to a commit`);
    if (uses.startsWith('slipway-ml/slipway/actions/')) ours.add(ref);
  }
  if (ours.size > 1) problems.push(`Slipway's Actions are called at ${ours.size} different commits`);
  return problems;
}

function repoWorkflows(root = '.'): { where: string; uses: string }[] {
  const dir = join(root, '.github/workflows');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .flatMap((f) => usesOf(readFileSync(join(dir, f), 'utf8'), f));
}

describe('what runs is pinned (issue 20, case 3)', () => {
  it('every workflow of this repository calls actions by commit, ours all at one', () => {
    expect(pinProblems(repoWorkflows())).toEqual([]);
    for (const f of readdirSync('.github/workflows')) {
      expect(readFileSync(join('.github/workflows', f), 'utf8'), f).not.toMatch(
        /zizmor: ignore\[unpinned-uses\]/,
      );
    }
  });

  it('what slipway init writes, and the docs examples, call the workflows and Actions by commit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-pin-init-'));
    temps.push(dir);
    await initProject(dir, { name: 'm' });
    const written = readdirSync(join(dir, '.github/workflows')).flatMap((f) =>
      usesOf(readFileSync(join(dir, '.github/workflows', f), 'utf8'), `init:${f}`),
    );
    expect(written.map((u) => u.uses).sort()).toEqual([
      expect.stringMatching(/^slipway-ml\/slipway\/\.github\/workflows\/slipway-pr\.yml@[0-9a-f]{40}$/),
      expect.stringMatching(/^slipway-ml\/slipway\/\.github\/workflows\/slipway-release\.yml@[0-9a-f]{40}$/),
    ]);
    expect(pinProblems(written)).toEqual([]);
    const docs = readFileSync('docs/actions.md', 'utf8');
    const examples = [...docs.matchAll(/uses:\s*(slipway-ml\/slipway\/[^\s#]+)/g)].map((m, i) => ({
      where: `docs/actions.md uses #${i + 1}`,
      uses: m[1]!,
    }));
    expect(examples.length).toBeGreaterThan(10);
    expect(pinProblems(examples)).toEqual([]);
  });

  it('fails on a moving tag, and the release script turns a tagged copy back into pinned workflows', () => {
    const copy = mkdtempSync(join(tmpdir(), 'slipway-pin-release-'));
    temps.push(copy);
    for (const part of ['.github', 'docs', 'packages/cli/src/release-ref.ts'])
      cpSync(part, join(copy, part), { recursive: true });
    // What the repository looked like before: `@v1`, a tag the release force-moves.
    const file = join(copy, '.github/workflows/slipway-pr.yml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(/(slipway-ml\/slipway\/actions\/[\w-]+)@[0-9a-f]{40}/g, '$1@v1'),
    );
    expect(pinProblems(repoWorkflows(copy)).join('\n')).toMatch(
      /slipway-pr\.yml .*\/actions\/train@v1 is not pinned/,
    );
    const source = 'a'.repeat(40);
    const released = 'b'.repeat(40);
    expect(pinActions(source, copy).length).toBeGreaterThan(0);
    pinWorkflows(released, copy);
    expect(pinProblems(repoWorkflows(copy))).toEqual([]);
    const ours = repoWorkflows(copy).filter((u) => u.uses.startsWith('slipway-ml/slipway/actions/'));
    expect(new Set(ours.map((u) => u.uses.split('@')[1]))).toEqual(new Set([source]));
    expect(readFileSync(join(copy, 'packages/cli/src/release-ref.ts'), 'utf8')).toContain(`'${released}'`);
    const docs = readFileSync(join(copy, 'docs/actions.md'), 'utf8');
    expect(docs).toContain(`slipway-ml/slipway/.github/workflows/slipway-pr.yml@${released}`);
    expect(docs).toContain(`slipway-ml/slipway/actions/train@${source}`);
  });
});
