/**
 * Data cannot write into what Slipway posts on GitHub. Hostile column names and category values (pipes,
 * backticks, HTML, @mentions, links, bare URLs, another model's hidden marker, a newline that closes a
 * Mermaid fence) go through the real renderers of the PR comment, the drift and monitor reports, the
 * monitor's alert issue, the retraining PR body and the model card; each document is parsed with a GFM
 * parser (marked) and must have every table whole (each row with its header's cell count), no live HTML
 * beyond Slipway's own tags, no link, image, mention or bare URL that Slipway did not write, and only
 * Slipway's own code fences. Markers are matched only where Slipway writes them (the first line).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  configSchema,
  EVAL_REPORT_SCHEMA,
  LINEAGE_SCHEMA,
  mdCode,
  mdText,
  mermaidLabel,
} from '@slipway/core';
import { driftReport, renderDriftMarkdown } from '@slipway/data';
import {
  type EvalReport,
  evaluatePredictions,
  MONITOR_REPORT_SCHEMA,
  type MonitorReport,
  renderMarkdown,
  renderMonitorMarkdown,
} from '@slipway/eval';
import {
  GitHubClient,
  issueMarker,
  renderMonitorIssue,
  renderProposal,
  upsertComment,
  upsertIssue,
} from '@slipway/github';
import { buildModelCard, renderModelCardMarkdown } from '@slipway/governance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GfmInspection, inspectGfm } from './support/gfm.ts';
import { GitHubDouble } from './support/github-double.ts';

const RUN = 'https://github.com/acme/flights/actions/runs/7';
/** Each one tries a different way out; together they are the column names and category values. */
const HOSTILE = [
  'a|b',
  'tick`<img src=x onerror=alert(1)>`',
  '@octocat',
  '[click](https://evil.example/c)',
  '<!-- slipway:issue key=monitor/other -->',
  'fence\n```\n# INJECTED\n```mermaid',
  'https://evil.example/bare',
  '<script>alert(1)</script>',
  '**bold** _em_ $x^2$',
  '- list\n1. item',
  '</details><details open><summary>x',
  '![img](https://evil.example/i.png)',
  'www.evil.example',
];

/** Slipway's own raw HTML: collapsed sections, the footer, the marker on the first line. */
const OWN_HTML = [
  /^<details><summary>[^<]*(?:<code>[^<]*<\/code>[^<]*)?<\/summary>$/,
  /^<\/details>$/,
  /^<sub>[^<]*<\/sub>$/,
  /^<\/?sub>$/,
  /^<\/?details>$/,
  /^<summary>$|^<\/summary>$/,
  /^<\/?code>$/,
  /^<!-- slipway:(report|issue) key=[\w.:/-]+ -->$/,
];

function checkDocument(name: string, md: string, allowedLinks: string[] = [RUN]): GfmInspection {
  const g = inspectGfm(md);
  // Every delimiter row Slipway wrote starts a table GitHub renders (a header with a stray pipe does not).
  const delimiters = md.split('\n').filter((l) => /^\|(\s*:?-{3,}:?\s*\|)+\s*$/.test(l)).length;
  expect(g.tables.length, `${name}: tables rendered`).toBe(delimiters);
  for (const [i, t] of g.tables.entries()) {
    expect(t.delimiter, `${name}: table ${i} delimiter`).toBe(t.header);
    for (const [r, cells] of t.rows.entries()) expect(cells, `${name}: table ${i} row ${r}`).toBe(t.header);
  }
  for (const h of g.html) {
    // An HTML block runs to the next blank line: check each of its tags, and that nothing else is live.
    for (const tag of h.match(/<[^>]*>/g) ?? [])
      expect(
        OWN_HTML.some((re) => re.test(tag)),
        `${name}: live HTML ${tag} in ${h.slice(0, 120)}`,
      ).toBe(true);
  }
  for (const l of g.links) expect(allowedLinks, `${name}: link ${l}`).toContain(l);
  expect(g.images, `${name}: images`).toEqual([]);
  expect(g.mentions, `${name}: mentions`).toEqual([]);
  expect(g.bareUrls, `${name}: bare URLs`).toEqual([]);
  for (const c of g.codeBlocks) {
    expect(c.lang, `${name}: code block ${c.text.slice(0, 60)}`).toBe('mermaid');
    expect(c.text.startsWith('xychart-beta\n'), `${name}: mermaid block`).toBe(true);
    for (const line of c.text.split('\n').slice(1))
      expect(line, `${name}: mermaid line`).toMatch(/^ {2}(title|x-axis|y-axis|line|bar) /);
  }
  for (const h of g.headings) expect(h, `${name}: heading`).not.toMatch(/INJECTED/);
  return g;
}

let dir: string;
let report: EvalReport;
let drift: Awaited<ReturnType<typeof driftReport>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-escape-'));
  // A real drift report over columns named by the hostile strings (one line each: CSV headers) with
  // hostile category values (quoted, newlines included).
  const names = HOSTILE.map((h) => h.replace(/\n/g, ' '));
  const csv = (shift: number) =>
    [
      names.map((n) => `"${n.replace(/"/g, '""')}"`).join(','),
      ...Array.from({ length: 60 }, (_, r) =>
        names
          .map((_, c) => `"${(HOSTILE[(r + c + shift) % HOSTILE.length] as string).replace(/"/g, '""')}"`)
          .join(','),
      ),
    ].join('\n');
  await writeFile(join(dir, 'ref.csv'), csv(0));
  await writeFile(join(dir, 'cur.csv'), csv(5));
  drift = await driftReport({ reference: join(dir, 'ref.csv'), current: join(dir, 'cur.csv') });

  // A real multiclass evaluation whose classes are the hostile strings.
  const classes = HOSTILE.slice(0, 6);
  const n = 240;
  const y = Array.from({ length: n }, (_, i) => i % classes.length);
  const core = evaluatePredictions({
    task: 'multiclass',
    labels: y.map((c) => classes[c] as string),
    classes,
    predictions: {
      task: 'multiclass',
      n,
      values: Float64Array.from(y, (t, i) => (i % 7 === 0 ? (t + 1) % 6 : t)),
    },
    baselinePredictions: {
      task: 'multiclass',
      n,
      values: Float64Array.from(y, (t, i) => (i % 3 === 0 ? 0 : t)),
    },
    config: {
      bootstrap: { resamples: 50, seed: 1, confidence: 0.9 },
      gates: { macro_f1: { threshold: 0.99 } },
    },
  });
  report = {
    schema: EVAL_REPORT_SCHEMA,
    candidate: { name: 'flights', version: '2', packageHash: 'a'.repeat(64) },
    baseline: { name: 'flights', version: '1', packageHash: 'b'.repeat(64), alias: 'champion' },
    dataset: { path: HOSTILE[1] as string, md5: null, rows: n },
    createdAt: '2026-12-01T00:00:00.000Z',
    drift: {
      drifted: true,
      share: 1,
      columns: HOSTILE.map((h) => ({
        column: h,
        method: 'chisquare',
        statistic: 0.001,
        threshold: 0.05,
        drifted: true,
      })),
    },
    ...core,
    explanations: HOSTILE.map((h, i) => ({
      feature: h,
      permutation: 0.1 / (i + 1),
      meanAbsShap: 0.2 / (i + 1),
      perClass: classes.map((label) => ({ label, meanAbsShap: 0.01, permutation: 0.02 })),
    })),
    worstSlices: HOSTILE.slice(0, 4).map((h) => ({
      slice: `origin = ${h}`,
      column: h,
      support: 30,
      metrics: { macro_f1: 0.5 },
    })),
    slices: HOSTILE.map((h) => ({
      slice: `origin = ${h}`,
      column: h,
      support: 30,
      metrics: { macro_f1: 0.5, accuracy: 0.6 },
    })),
    skippedSlices: [
      {
        slice: `origin = ${HOSTILE[4]}`,
        column: HOSTILE[4] as string,
        support: 2,
        reason: HOSTILE[3] as string,
      },
    ],
    fairness: {
      sensitive: HOSTILE[1] as string,
      demographicParityDifference: 0.1,
      equalizedOddsDifference: 0.2,
      groups: HOSTILE.map((h) => ({ group: h, support: 10, selectionRate: 0.5, tpr: 0.6, fpr: 0.1 })),
    },
    notes: [...core.notes, `column ${HOSTILE[5]} had nulls`],
  };
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the escaping helpers', () => {
  it('keep every hostile string one inert line of text, code or Mermaid label', () => {
    for (const h of HOSTILE) {
      for (const md of [
        `text ${mdText(h)} end`,
        `code ${mdCode(h)} end`,
        `| a | b |\n|---|---|\n| ${mdText(h)} | ${mdCode(h)} |`,
      ]) {
        const g = checkDocument(JSON.stringify(h), md, []);
        expect(g.html).toEqual([]);
        expect(g.links).toEqual([]);
      }
      const chart = `\`\`\`mermaid\nxychart-beta\n  x-axis [${mermaidLabel(h)}]\n  bar [1]\n\`\`\`\n`;
      expect(inspectGfm(chart).codeBlocks).toHaveLength(1);
    }
    // The checks catch what the helpers prevent: a raw pipe in a header, live HTML, a mention, a fence.
    const raw = [
      '| Feature | Mean |SHAP| |\n|---|---|---|\n| x | 1 | 2 |\n',
      'window `tick`<img src=x onerror=alert(1)>`` here\n',
      'hello @octocat\n',
      'a\n```\n# INJECTED\n```\n',
      '- [click](https://evil.example/c)\n',
    ];
    for (const md of raw) expect(() => checkDocument('raw', md, [])).toThrow();
    // A code span shows the text exactly, backticks included.
    expect(mdCode('a`b')).toBe('``a`b``');
    expect(mdCode('`x`')).toBe('`` `x` ``');
  });
});

describe('hostile names and values through every document Slipway writes to GitHub', () => {
  it('drift report (drift.md, inside the monitor issue)', () => {
    expect(drift.columns.length + drift.skipped.length).toBeGreaterThan(5);
    checkDocument('drift.md', renderDriftMarkdown(drift));
  });

  it('PR comment and job summary (renderMarkdown), with per-class Mermaid charts', () => {
    const md = renderMarkdown(report);
    const g = checkDocument('report.md', md);
    expect(g.tables.length).toBeGreaterThanOrEqual(8);
    expect(g.codeBlocks.length).toBe(2); // per-class recall and worst slices
    // Shortened comments keep their fences and tables whole too.
    checkDocument('report.md (short)', renderMarkdown(report, { maxChars: 6000 }));
  });

  it('monitor report, alert issue and its update comment', () => {
    const monitor: MonitorReport = {
      schema: MONITOR_REPORT_SCHEMA,
      model: { name: 'flights', version: '2', packageHash: 'a'.repeat(64) },
      window: { name: HOSTILE[2] as string, source: HOSTILE[1] as string, rows: 60 },
      alert: true,
      reasons: [`drift in ${drift.driftedCount} of ${drift.testedCount} columns: ${HOSTILE.join(', ')}`],
      schemaChanges: HOSTILE.map((h) => ({ column: h, change: 'new', seen: h, modelInput: false })),
      drift,
      predictionDrift: {
        method: 'psi',
        statistic: 0.3,
        threshold: 0.2,
        drifted: true,
        over: 'class',
        windowMean: null,
        referenceMean: null,
        classShares: HOSTILE.map((h) => ({ label: h, window: 0.1, reference: 0.2 })),
      },
      performance: {
        labelsJoined: 60,
        metrics: [{ ...report.metrics[0]!, name: HOSTILE[0] as string }],
        failedGates: [HOSTILE[6] as string],
      },
      createdAt: '2026-12-01T00:00:00.000Z',
    };
    const section = renderMonitorMarkdown(monitor);
    checkDocument('monitor.md', section);
    const text = renderMonitorIssue({
      model: 'flights',
      version: '2',
      reasons: monitor.reasons.map((r) => `${monitor.window.name}: ${r}`),
      sections: [section],
      runUrl: RUN,
    });
    checkDocument('monitor issue', text.body);
    checkDocument('monitor issue comment', text.updateComment);
  });

  it('retraining pull request body', () => {
    const p = renderProposal({
      model: 'flights',
      reason: HOSTILE.join('; '),
      modelHash: 'a'.repeat(64),
      verdict: 'fail',
      reportMarkdown: renderMarkdown(report, { title: 'Candidate evaluation' }),
      runUrl: RUN,
    });
    checkDocument('retrain PR', p.body(HOSTILE.map((h) => `data/${h}.csv`)));
  });

  it('model card', () => {
    const config = configSchema.parse({
      project: { name: 'flights', owners: ['@octocat'] },
      data: { train: 'data/train.csv', eval: 'data/eval.csv', label: 'delayed' },
      features: [{ column: 'distance', transform: 'standardize' }],
      model: { task: 'multiclass', hidden: [8] },
      drift: {},
      governance: {},
      serving: {},
      tracking: {},
    });
    const card = buildModelCard({
      config,
      model: { name: 'flights', version: '2', aliases: [HOSTILE[2] as string] },
      packageHash: 'a'.repeat(64),
      signature: {
        schema: 'slipway.signature/v1',
        name: 'flights',
        task: 'multiclass',
        inputs: HOSTILE.map((h) => ({ name: h, kind: 'string' as const })),
        label: HOSTILE[0] as string,
        classes: HOSTILE.slice(0, 6),
        threshold: null,
      },
      lineage: {
        schema: LINEAGE_SCHEMA,
        datasets: [
          { name: 'train', path: `data/${HOSTILE[1]}.csv`, md5: 'c'.repeat(32), digest: 'cccc', rows: 240 },
        ],
        code: { commit: 'd'.repeat(40), branch: HOSTILE[2] as string, dirty: false, remoteUrl: null },
        configHash: 'e'.repeat(64),
        configFileHash: 'f'.repeat(64),
        params: {},
        backend: 'cpu',
        seed: 1,
        actor: HOSTILE[2] as string,
        ci: null,
        startedAt: '2026-12-01T00:00:00.000Z',
        endedAt: '2026-12-01T00:01:00.000Z',
        parent: null,
        slipwayVersion: '0.1.0',
        runId: null,
      },
      profile: {
        rows: 240,
        columns: HOSTILE.map((h) => ({ name: h, kind: 'string', missing: 0, distinct: 6, min: h, max: h })),
      },
      packageModel: null,
      evalReport: report,
      promotions: [
        {
          alias: HOSTILE[1] as string,
          actor: HOSTILE[2] as string,
          at: '2026-12-01T00:00:00Z',
          previousVersion: null,
        },
      ],
    });
    const md = renderModelCardMarkdown(card);
    // The front matter is YAML, not Markdown: check the body.
    checkDocument('MODEL_CARD.md', md.slice(md.indexOf('\n---\n', 4) + 5));
  });
});

describe('markers are matched only where Slipway writes them', () => {
  let double: GitHubDouble;
  let client: GitHubClient;
  beforeAll(async () => {
    double = new GitHubDouble('acme', 'flights');
    await double.start();
    double.tokens.set('ghs_t', { login: 'github-actions[bot]', kind: 'app' });
    client = new GitHubClient({ token: 'ghs_t', baseUrl: double.url, sleep: async () => {} });
  });
  afterAll(async () => {
    expect(double.violations).toEqual([]);
    await double.stop();
  });

  it("an issue whose body carries another model's marker in its text is not that model's issue", async () => {
    const repo = { owner: 'acme', repo: 'flights', identity: 'github-actions[bot]' };
    // Even written raw (as before escaping), a marker below the first line is text.
    const a = await upsertIssue(client, {
      ...repo,
      key: 'monitor/a',
      title: 'alert a',
      body: `window has a column named\n\n${issueMarker('monitor/b')}\n`,
    });
    const b = await upsertIssue(client, { ...repo, key: 'monitor/b', title: 'alert b', body: 'b drifted' });
    expect(b.action).toBe('created');
    expect(b.number).not.toBe(a.number);
    const again = await upsertIssue(client, {
      ...repo,
      key: 'monitor/b',
      title: 'alert b',
      body: 'b drifted more',
    });
    expect(again).toMatchObject({ action: 'updated', number: b.number });
  });

  it('a comment quoting our marker mid-body is not ours to edit', async () => {
    const marker = '<!-- slipway:report key=eval/flights -->';
    double.addComment(9, 'github-actions[bot]', `some other bot text\n${marker}\n`);
    const res = await upsertComment(client, {
      owner: 'acme',
      repo: 'flights',
      issueNumber: 9,
      key: 'eval/flights',
      body: 'report',
      identity: 'github-actions[bot]',
    });
    expect(res.action).toBe('created');
  });
});
