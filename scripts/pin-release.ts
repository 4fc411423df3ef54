#!/usr/bin/env node
// Pins what a release of Slipway runs, by commit (release.yml calls it; tests/workflows-pinned.test.ts
// checks its result):
//   node scripts/pin-release.ts actions <sha>    the reusable workflows call our Actions at <sha>: the
//                                                 commit whose dist/ CI checked (the release's source)
//   node scripts/pin-release.ts workflows <sha>  `slipway init` and docs/actions.md call the reusable
//                                                 workflows at <sha>: the commit the first step made
// A tag (v1) can be moved by whoever can push tags; a commit id cannot be made to mean other code.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO = 'slipway-ml/slipway';
const ROOT = resolve(import.meta.dirname, '..');
const SHA = /^[0-9a-f]{40}$/;

/** `uses: slipway-ml/slipway/<path>@<ref>` with any ref (tag, branch or commit), whatever follows it. */
function usesPattern(path: string): RegExp {
  return new RegExp(`(${REPO.replace('/', '\\/')}/${path}@)[^\\s#'"]+([^\\n]*)`, 'g');
}

function rewrite(file: string, pattern: RegExp, sha: string, comment: string): boolean {
  const before = readFileSync(file, 'utf8');
  const after = before.replace(pattern, (_m: string, head: string) => `${head}${sha}${comment}`);
  if (after !== before) writeFileSync(file, after);
  return after !== before;
}

export function pinActions(sha: string, root = ROOT): string[] {
  const dir = join(root, '.github/workflows');
  const changed: string[] = [];
  for (const f of readdirSync(dir).filter((x) => /^slipway-.*\.yml$/.test(x))) {
    const file = join(dir, f);
    if (
      rewrite(
        file,
        usesPattern('actions/[\\w-]+'),
        sha,
        ' # the Actions of the commit this workflow was released from',
      )
    )
      changed.push(file);
  }
  // The examples that call an Action directly.
  const docs = join(root, 'docs/actions.md');
  const before = readFileSync(docs, 'utf8');
  const after = before.replace(
    usesPattern('actions/[\\w-]+'),
    (_m: string, head: string, rest: string) => `${head}${sha}${rest}`,
  );
  if (after !== before) {
    writeFileSync(docs, after);
    changed.push(docs);
  }
  return changed;
}

export function pinWorkflows(sha: string, root = ROOT): string[] {
  const changed: string[] = [];
  const workflows = usesPattern('\\.github/workflows/slipway-[\\w-]+\\.yml');
  for (const file of [
    join(root, 'docs/actions.md'),
    ...readdirSync(join(root, '.github/workflows')).map((f) => join(root, '.github/workflows', f)),
  ]) {
    // Keeps the rest of the line: a YAML comment in docs stays, the header comments of the workflows too.
    const before = readFileSync(file, 'utf8');
    const after = before.replace(
      workflows,
      (_m: string, head: string, rest: string) => `${head}${sha}${rest.replace(/^\s*#.*$/, '')}`,
    );
    if (after !== before) {
      writeFileSync(file, after);
      changed.push(file);
    }
  }
  const ref = join(root, 'packages/cli/src/release-ref.ts');
  const text = readFileSync(ref, 'utf8');
  const next = text.replace(/WORKFLOWS_REF = '[^']*'/, `WORKFLOWS_REF = '${sha}'`);
  if (next !== text) {
    writeFileSync(ref, next);
    changed.push(ref);
  }
  return changed;
}

if (import.meta.main) {
  const [what, sha] = process.argv.slice(2);
  if (!what || !['actions', 'workflows'].includes(what) || !sha || !SHA.test(sha)) {
    process.stderr.write('usage: node scripts/pin-release.ts actions|workflows <40-hex commit>\n');
    process.exit(2);
  }
  const changed = what === 'actions' ? pinActions(sha) : pinWorkflows(sha);
  process.stdout.write(`${what} pinned to ${sha}: ${changed.length} file(s) changed\n`);
}
