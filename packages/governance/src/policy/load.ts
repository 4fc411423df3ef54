/**
 * Reads slipway.policy.yaml and fails closed: any syntax error, unknown field or bad value is a
 * SlipwayError naming the file, line and field, so a broken policy can never grant anything.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { fsError, hashBytes, type Policy, policySchema, SlipwayError } from '@slipway/core';
import { isNode, LineCounter, parseDocument } from 'yaml';

const exec = promisify(execFile);

export interface LoadedPolicy {
  policy: Policy;
  /** Where it came from: a file path, or `<ref>:<path>` for a git object. */
  source: string;
  /** sha256 of the policy text, recorded in audit entries. */
  sha256: string;
}

export interface PolicyProblem {
  line: number | null;
  column: number | null;
  field: string;
  message: string;
}

function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

/** Parses and validates policy text; `source` is what error messages call the file. */
export function parsePolicy(text: string, source: string): LoadedPolicy {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const problems: PolicyProblem[] = [];
  for (const err of doc.errors) {
    const pos = err.linePos?.[0] ?? lineCounter.linePos(err.pos[0]);
    problems.push({
      line: pos?.line ?? null,
      column: pos?.col ?? null,
      field: '(syntax)',
      message: err.message.split('\n')[0] ?? err.message,
    });
  }
  if (problems.length === 0) {
    const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    if (value === null || value === undefined) {
      problems.push({ line: 1, column: 1, field: '(top level)', message: 'the policy file is empty' });
    } else {
      const parsed = policySchema.safeParse(value);
      if (parsed.success) {
        const semantic = checkReferences(parsed.data);
        for (const s of semantic) {
          const pos = positionOf(doc, lineCounter, s.path);
          problems.push({ ...pos, field: fieldName(s.path), message: s.message });
        }
        if (problems.length === 0) {
          return { policy: parsed.data, source, sha256: hashBytes(text) };
        }
      } else {
        for (const issue of parsed.error.issues) {
          const path = issue.path as PropertyKey[];
          // An unknown key is reported on the key itself.
          const keys = issue.code === 'unrecognized_keys' ? (issue.keys as string[]) : [];
          const full = keys.length > 0 ? [...path, keys[0]!] : path;
          const pos = positionOf(doc, lineCounter, full);
          problems.push({ ...pos, field: fieldName(full), message: issue.message });
        }
      }
    }
  }
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  const first = problems[0]!;
  const where = (p: PolicyProblem) =>
    `${source}${p.line === null ? '' : `:${p.line}${p.column ? `:${p.column}` : ''}`}`;
  throw new SlipwayError(
    'POLICY_INVALID',
    `${where(first)}: ${first.field}: ${first.message}${
      problems.length > 1
        ? `\n${problems
            .slice(1)
            .map((p) => `  ${where(p)}: ${p.field}: ${p.message}`)
            .join('\n')}`
        : ''
    }`,
    {
      hint: 'fix the policy file; until it is valid every register, promote and rollout is denied',
      details: { file: source, problems },
    },
  );
}

/** Grants and approvals must name roles that exist: a typo must not silently grant nothing or everything. */
function checkReferences(policy: Policy): { path: PropertyKey[]; message: string }[] {
  const out: { path: PropertyKey[]; message: string }[] = [];
  const roles = new Set(Object.keys(policy.roles));
  policy.grants.forEach((g, i) => {
    if (!roles.has(g.role))
      out.push({ path: ['grants', i, 'role'], message: `role "${g.role}" is not defined under roles` });
    else if (policy.roles[g.role]!.members.includes('*') && !g.minRepoPermission)
      out.push({
        path: ['grants', i, 'role'],
        message: `role "${g.role}" has member "*" (anyone), so this grant must set minRepoPermission`,
      });
  });
  for (const [action, rule] of Object.entries(policy.approvals)) {
    if (!roles.has(rule.from))
      out.push({
        path: ['approvals', action, 'from'],
        message: `role "${rule.from}" is not defined under roles`,
      });
  }
  return out;
}

function positionOf(
  doc: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
): { line: number | null; column: number | null } {
  // Walk down as far as the path exists; report the deepest node found (the parent for a missing key).
  for (let n = path.length; n >= 0; n--) {
    const sub = path.slice(0, n);
    let node: unknown;
    if (n === 0) node = doc.contents;
    else {
      // For a key that exists, prefer the key's position (its value may be absent or null).
      node = doc.getIn(sub as Iterable<unknown>, true);
      const parent = n === 1 ? doc.contents : doc.getIn(sub.slice(0, -1) as Iterable<unknown>, true);
      const pair = findPair(parent, sub[n - 1]);
      if (pair && isNode(pair.key) && pair.key.range)
        node = node && isNode(node) && node.range ? node : pair.key;
    }
    if (node && isNode(node) && node.range) {
      const pos = lineCounter.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return { line: null, column: null };
}

function findPair(parent: unknown, key: PropertyKey | undefined): { key: unknown } | undefined {
  if (!parent || typeof parent !== 'object' || !('items' in parent)) return undefined;
  const items = (parent as { items: unknown[] }).items;
  for (const item of items) {
    if (item && typeof item === 'object' && 'key' in item) {
      const k = (item as { key: unknown }).key;
      const v = isNode(k) && 'value' in k ? (k as { value: unknown }).value : k;
      if (String(v) === String(key)) return item as { key: unknown };
    }
  }
  return undefined;
}

/** Reads a policy file from disk. */
export async function loadPolicy(file: string): Promise<LoadedPolicy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new SlipwayError('POLICY_NOT_FOUND', `${file}: no policy file; every promotion is denied`, {
        hint: 'create slipway.policy.yaml (see docs/governance.md) and commit it to the base branch',
      });
    }
    throw fsError(err, file, 'read the policy');
  }
  return parsePolicy(text, file);
}

/**
 * Reads the policy as committed at `ref` (`git show <ref>:<path>`), never from the working tree:
 * in CI this is the base branch, so a pull request that edits the policy cannot grant itself anything.
 */
export async function loadPolicyFromRef(repoDir: string, ref: string, path: string): Promise<LoadedPolicy> {
  if (!/^[A-Za-z0-9_./@^~{}-]+$/.test(ref) || ref.startsWith('-')) {
    throw new SlipwayError(
      'POLICY_REF_INVALID',
      `"${ref}" is not a git ref Slipway will read a policy from`,
      {
        hint: 'pass a branch name, tag or commit sha',
      },
    );
  }
  const rel = path.replace(/^\.\//, '');
  let text: string;
  try {
    // --no-replace-objects: a `refs/replace/` entry written by an earlier step must not stand in for
    // the base commit's policy (objects are content-addressed; replacements are the one way around that).
    const { stdout } = await exec('git', ['--no-replace-objects', 'show', `${ref}:${rel}`], {
      cwd: repoDir,
      maxBuffer: 4 * 1024 * 1024,
      timeout: 30_000,
    });
    text = stdout;
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? (err as Error).message).trim();
    throw new SlipwayError(
      'POLICY_NOT_FOUND',
      `${ref}:${rel}: cannot read the policy from git (${stderr.split('\n')[0]}); every promotion is denied`,
      {
        hint: `commit ${rel} to ${ref} (the base branch); a policy only in the pull request is never used, and the checkout needs the base ref fetched (actions/checkout with fetch-depth: 0)`,
      },
    );
  }
  return parsePolicy(text, `${ref}:${rel}`);
}
