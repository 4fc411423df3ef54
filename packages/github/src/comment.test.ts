import { describe, expect, it } from 'vitest';
import { commentMarker, truncateMarkdown } from './comment.js';
import { pullRequestFacts } from './context.js';

describe('truncateMarkdown', () => {
  it('keeps short bodies as they are', () => {
    expect(truncateMarkdown('# ok\n', 100, null)).toBe('# ok\n');
  });

  it('cuts at a line, keeps the head, closes an open fence and details, and links the full report', () => {
    const head =
      '## ✅ pass\n\n| gate | ok |\n|---|---|\n| auc | ✅ |\n\n<details><summary>rows</summary>\n\n```\n';
    const body = `${head + 'row 1234567890\n'.repeat(10_000)}\`\`\`\n</details>\n`;
    const out = truncateMarkdown(body, 2_000, 'https://github.com/o/r/actions/runs/1');
    expect(out.length).toBeLessThanOrEqual(2_000);
    expect(out.startsWith(head)).toBe(true);
    expect(out).toContain('[Full report](https://github.com/o/r/actions/runs/1)');
    expect(out.match(/```/g)?.length ?? 0).toBe(2);
    expect(out).toContain('</details>');
    expect(out).not.toMatch(/row 12345\n/);
  });
});

describe('commentMarker', () => {
  it('is a hidden HTML comment per key and refuses keys that could break out of it', () => {
    expect(commentMarker('eval/flight-delay')).toBe('<!-- slipway:report key=eval/flight-delay -->');
    expect(() => commentMarker('x --> <img>')).toThrow(/not usable/);
  });
});

describe('pullRequestFacts', () => {
  const pr = (head: string | null) => ({
    pull_request: {
      number: 5,
      head: { sha: 'a'.repeat(40), ref: 'feature', repo: head ? { full_name: head } : null },
      base: { ref: 'main', repo: { full_name: 'acme/model' } },
    },
  });
  it('tells a fork from a branch of the same repository', () => {
    expect(pullRequestFacts(pr('acme/model'), 'acme/model')?.fork).toBe(false);
    expect(pullRequestFacts(pr('mallory/model'), 'acme/model')?.fork).toBe(true);
    expect(pullRequestFacts(pr(null), 'acme/model')?.fork).toBe(true);
    expect(pullRequestFacts({}, 'acme/model')).toBeNull();
  });
});
