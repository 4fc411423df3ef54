import { describe, expect, it } from 'vitest';
import { issueMarker } from './issue.js';
import { renderProposal } from './proposal.js';

describe('renderProposal', () => {
  const input = {
    model: 'flight-delay',
    reason: 'jun: input drift in distance; jun: schema change: new column tail_number',
    modelHash: 'a'.repeat(64),
    verdict: 'pass' as const,
    reportMarkdown: '## ✅ Candidate evaluation: **PASS**',
    runUrl: 'https://github.com/o/r/actions/runs/1',
  };

  it('names the first reason in the title and every reason in the commit and body', () => {
    const p = renderProposal(input);
    expect(p.title).toBe('Retrain flight-delay after a monitoring alert (jun: input drift in distance, …)');
    expect(p.commitMessage).toContain('- jun: schema change: new column tail_number');
    const body = p.body(['data/train.parquet.dvc']);
    expect(body).toContain('- jun: input drift in distance\n- jun: schema change: new column tail\\_number');
    expect(body).toContain(
      '**Candidate:** `' +
        'a'.repeat(64) +
        '` — evaluation **PASS** ([run](https://github.com/o/r/actions/runs/1))',
    );
    expect(body).toContain('**Changed files** (1):\n- `data/train.parquet.dvc`');
    expect(body.endsWith(input.reportMarkdown)).toBe(true);
  });

  it('says when it was started by hand, and lists at most 50 files', () => {
    const p = renderProposal({ ...input, reason: '  ', modelHash: null, verdict: 'fail', runUrl: null });
    expect(p.title).toBe('Retrain flight-delay on request');
    const files = Array.from({ length: 53 }, (_, i) => `data/part-${i}.csv`);
    const body = p.body(files);
    expect(body).toContain('Retraining was started by hand.');
    expect(body).toContain('`not recorded` — evaluation **FAIL**\n');
    expect(body).toContain('- `data/part-49.csv`\n- … and 3 more');
    expect(body).not.toContain('part-50');
  });

  it('issue markers are per key and refuse keys that would break the comment', () => {
    expect(issueMarker('monitor/flight-delay')).toBe('<!-- slipway:issue key=monitor/flight-delay -->');
    expect(() => issueMarker('a -->b')).toThrow(/not usable in a marker/);
  });
});
