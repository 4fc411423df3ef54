/**
 * @slipway/eval end to end with real tfjs model packages trained by @slipway/training: evaluate against
 * a baseline, check the numbers against scikit-learn, write the reports, open the HTML report in headless
 * Chromium (renders, no console errors, no network, screenshot in test-results/), drive `slipway eval`
 * for its exit codes, and the bad inputs: a baseline with another signature, labels outside the classes.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '@slipway/cli';
import { loadConfig } from '@slipway/core';
import { readTable } from '@slipway/data';
import { evaluate, renderMarkdown, writeReports } from '@slipway/eval';
import { LocalStore } from '@slipway/tracking';
import { type LoadedModelPackage, loadModelPackage, train } from '@slipway/training';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PY = join(process.cwd(), '.venv-interop/bin/python');
const ARTIFACTS = join(process.cwd(), 'test-results');

function rows(n: number, seed: number, label: 'binary' | 'multiclass' | 'regression' = 'binary'): string {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 4294967296;
  };
  const cats = ['north', 'south', 'east', 'west'];
  const out = ['x1,x2,region,label'];
  for (let i = 0; i < n; i++) {
    const x1 = rnd() * 4 - 2;
    const x2 = rnd() * 100;
    const region = cats[Math.floor(rnd() * 4)] as string;
    const score =
      x1 + (region === 'north' ? 1.2 : region === 'south' ? -0.8 : 0) + (x2 - 50) / 40 + (rnd() - 0.5) * 1.5;
    const y =
      label === 'binary'
        ? score > 0
          ? 1
          : 0
        : label === 'multiclass'
          ? score > 1
            ? 'high'
            : score > -0.5
              ? 'mid'
              : 'low'
          : (3 * score + 10).toFixed(3);
    out.push(`${x1.toFixed(3)},${x2.toFixed(2)},${region},${y}`);
  }
  return `${out.join('\n')}\n`;
}

interface Project {
  dir: string;
}

function project(
  name: string,
  features: unknown[],
  model: { task?: string; [key: string]: unknown },
  evalConfig: unknown,
): Project {
  const dir = mkdtempSync(join(tmpdir(), `slipway-eval-${name}-`));
  const task = (model.task ?? 'binary') as 'binary' | 'multiclass' | 'regression';
  writeFileSync(join(dir, 'train.csv'), rows(600, 1, task));
  writeFileSync(join(dir, 'eval.csv'), rows(400, 2, task));
  const config = {
    project: { name: 'eval-e2e' },
    data: { train: 'train.csv', eval: 'eval.csv', label: 'label' },
    features,
    model,
    training: { backend: 'cpu', epochs: 3, batchSize: 32, seed: 7, validationSplit: 0.2 },
    eval: evalConfig,
  };
  writeFileSync(join(dir, 'slipway.config.mjs'), `export default ${JSON.stringify(config, null, 2)};\n`);
  return { dir };
}

const FEATURES = [
  { column: 'x1', transform: 'standardize' },
  { column: 'x2', transform: 'minmax' },
  { column: 'region', transform: 'oneHot' },
];
const EVAL = {
  bootstrap: { resamples: 300, seed: 7, confidence: 0.95 },
  gates: { roc_auc: { threshold: 0.6, significance: 0.05 }, log_loss: { threshold: 2 } },
  slices: { columns: ['region'], numeric: { x2: [25, 50, 75, 1000] }, minSupport: 20, gates: [] },
  fairness: { sensitive: 'region' },
  explain: { sample: 100, background: 20, shapRows: 5, repeats: 2 },
};

let candidate: LoadedModelPackage;
let baseline: LoadedModelPackage;
let other: LoadedModelPackage;
let main1: Project;

beforeAll(async () => {
  main1 = project('cand', FEATURES, { task: 'binary', type: 'mlp', hidden: [16] }, EVAL);
  const loaded = await loadConfig({ cwd: main1.dir });
  const a = await train({ loaded, outDir: 'pkg-candidate' });
  const weaker = {
    ...loaded,
    config: {
      ...loaded.config,
      training: { ...loaded.config.training, epochs: 1 },
      model: { ...loaded.config.model, hidden: [2] },
    },
  };
  const b = await train({ loaded: weaker as typeof loaded, outDir: 'pkg-baseline', force: true });
  const p3 = project('other', FEATURES.slice(0, 2), { task: 'binary', type: 'mlp', hidden: [4] }, {});
  const c = await train({ loaded: await loadConfig({ cwd: p3.dir }), outDir: 'pkg-other' });
  candidate = await loadModelPackage(a.packageDir);
  baseline = await loadModelPackage(b.packageDir);
  other = await loadModelPackage(c.packageDir);
}, 600_000);

afterAll(() => {
  for (const p of [candidate, baseline, other]) p?.dispose();
});

describe('evaluate with real model packages', () => {
  it('evaluates candidate vs baseline, agrees with scikit-learn, writes reports that render in Chromium', async () => {
    const loaded = await loadConfig({ cwd: main1.dir });
    const data = join(main1.dir, 'eval.csv');
    const report = await evaluate({
      candidate,
      baseline,
      data,
      config: loaded.config,
      baselineAlias: 'champion',
      drift: 'profile',
    });
    expect(report.schema).toBe('slipway.eval-report/v1');
    expect(report.firstRun).toBe(false);
    expect(report.dataset.rows).toBe(400);
    expect(report.dataset.md5).toMatch(/^[0-9a-f]{32}$/);
    expect(report.baseline?.alias).toBe('champion');
    expect(report.slices.map((s) => s.slice)).toContain('region = north');
    expect(report.skippedSlices.map((s) => s.slice)).toContain('x2 ≥ 1000');
    expect(report.fairness?.groups).toHaveLength(4);
    expect(report.explanations.map((e) => e.feature).sort()).toEqual(['region', 'x1', 'x2']);
    expect(report.notes.join(' ')).toMatch(/exact SHAP for 5 rows against 20 background rows/);
    expect(report.mcnemar).not.toBeNull();
    // Same generator, another seed: the training profile and the evaluation rows do not drift.
    expect(report.drift?.columns.map((c) => c.column).sort()).toEqual(['region', 'x1', 'x2']);
    expect(report.drift?.drifted).toBe(false);

    // The candidate's numbers, recomputed by scikit-learn from the same predictions.
    const csv = readFileSync(data, 'utf8').trim().split('\n').slice(1);
    const y = csv.map((l) => Number(l.split(',')[3]));
    const preds = await candidate.predictTable(await readTable(data));
    const py = execFileSync(
      PY,
      [
        '-c',
        'import json,sys; from sklearn import metrics as M; d=json.load(sys.stdin); print(json.dumps([M.roc_auc_score(d["y"], d["p"]), M.log_loss(d["y"], d["p"], labels=[0,1]), M.average_precision_score(d["y"], d["p"])]))',
      ],
      { input: JSON.stringify({ y, p: Array.from(preds.values) }), encoding: 'utf8' },
    );
    const [auc, ll, ap] = JSON.parse(py) as number[];
    const get = (n: string) => report.metrics.find((m) => m.name === n)?.candidate as number;
    expect(Math.abs(get('roc_auc') - (auc as number))).toBeLessThan(1e-9);
    expect(Math.abs(get('log_loss') - (ll as number))).toBeLessThan(1e-9);
    expect(Math.abs(get('pr_auc') - (ap as number))).toBeLessThan(1e-9);

    const out = mkdtempSync(join(tmpdir(), 'slipway-eval-out-'));
    const written = await writeReports(report, out);
    expect(JSON.parse(readFileSync(written.json, 'utf8'))).toEqual(JSON.parse(JSON.stringify(report)));
    expect(readFileSync(written.markdown, 'utf8')).toBe(renderMarkdown(report));

    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('request', (r) => {
        if (!r.url().startsWith('file://')) requests.push(r.url());
      });
      await page.goto(`file://${written.html}`);
      await page.waitForSelector('html[data-ready="true"]');
      expect(await page.textContent('#verdict')).toBe(report.verdict === 'pass' ? 'PASS' : 'FAIL');
      expect(await page.locator('svg').count()).toBeGreaterThanOrEqual(3);
      const box = await page.locator('svg[aria-label="ROC curve (candidate)"] path').last().boundingBox();
      expect(box?.width).toBeGreaterThan(100);
      // Sorting a table by clicking a header works (the inline script ran).
      await page.locator('table.sortable').nth(1).locator('th').first().click();
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'eval-report.png'), fullPage: true });
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it.each(['multiclass', 'regression'] as const)(
    'evaluates a real %s package; metrics agree with scikit-learn',
    async (task) => {
      const p = project(
        task,
        FEATURES,
        { task, type: 'mlp', hidden: [8] },
        {
          bootstrap: { resamples: 100, seed: 1, confidence: 0.9 },
          explain: { sample: 50, background: 10, shapRows: 2, repeats: 1 },
        },
      );
      const loaded = await loadConfig({ cwd: p.dir });
      const trained = await train({ loaded, outDir: 'pkg' });
      const pkg = await loadModelPackage(trained.packageDir);
      try {
        const data = join(p.dir, 'eval.csv');
        const report = await evaluate({ candidate: pkg, baseline: null, data, config: loaded.config });
        expect(report.task).toBe(task);
        expect(report.firstRun).toBe(true);
        expect(report.explanations).toHaveLength(3);
        const preds = await pkg.predictTable(await readTable(data));
        const labels = readFileSync(data, 'utf8')
          .trim()
          .split('\n')
          .slice(1)
          .map((l) => l.split(',')[3] as string);
        const classes = pkg.signature.classes ?? [];
        const code =
          task === 'multiclass'
            ? 'import json,sys,numpy as np; from sklearn import metrics as M; d=json.load(sys.stdin); k=len(d["classes"]); y=[d["classes"].index(v) for v in d["y"]]; P=np.array(d["proba"]).reshape(-1,k); pred=np.array(d["pred"]).astype(int); print(json.dumps({"accuracy":M.accuracy_score(y,pred),"macro_f1":M.f1_score(y,pred,average="macro"),"weighted_f1":M.f1_score(y,pred,average="weighted"),"top_k_accuracy":M.top_k_accuracy_score(y,P,k=2,labels=list(range(k))),"log_loss":M.log_loss(y,P,labels=list(range(k)))}))'
            : 'import json,sys; from sklearn import metrics as M; d=json.load(sys.stdin); y=[float(v) for v in d["y"]]; p=d["pred"]; print(json.dumps({"mae":M.mean_absolute_error(y,p),"rmse":M.root_mean_squared_error(y,p),"r2":M.r2_score(y,p),"mape":M.mean_absolute_percentage_error(y,p),"median_absolute_error":M.median_absolute_error(y,p)}))';
        const proba = preds.probabilities ? Array.from(preds.probabilities) : [];
        const expected = JSON.parse(
          execFileSync(PY, ['-c', code], {
            input: JSON.stringify({
              y: labels,
              classes: classes.map(String),
              pred: Array.from(preds.values),
              proba,
            }),
            encoding: 'utf8',
          }),
        ) as Record<string, number>;
        for (const [name, value] of Object.entries(expected)) {
          const got = report.metrics.find((m) => m.name === name)?.candidate as number;
          expect(Math.abs(got - value), name).toBeLessThan(1e-9);
        }
      } finally {
        pkg.dispose();
      }
    },
  );

  it('refuses a baseline whose signature differs', async () => {
    const loaded = await loadConfig({ cwd: main1.dir });
    await expect(
      evaluate({ candidate, baseline: other, data: join(main1.dir, 'eval.csv'), config: loaded.config }),
    ).rejects.toMatchObject({
      code: 'BASELINE_SIGNATURE_MISMATCH',
      message: expect.stringMatching(/input "region" is missing from the baseline/),
    });
  });

  it('refuses labels outside the model classes, naming the row', async () => {
    const loaded = await loadConfig({ cwd: main1.dir });
    const bad = join(main1.dir, 'bad.csv');
    writeFileSync(bad, 'x1,x2,region,label\n0.1,20,north,1\n0.3,40,south,2\n');
    await expect(
      evaluate({ candidate, baseline: null, data: bad, config: loaded.config }),
    ).rejects.toMatchObject({
      code: 'LABEL_NOT_IN_CLASSES',
      message: expect.stringMatching(/bad\.csv, column "label": row 1 has label 2/),
    });
  });

  it('slipway eval: 0 when gates pass, 1 when one fails, 2 on an error; first run without a baseline', async () => {
    const io = () => {
      const buf = { out: '', err: '' };
      const sink = (key: 'out' | 'err') => ({
        write: (chunk: string) => {
          buf[key] += chunk;
          return true;
        },
      });
      return { io: { stdout: sink('out'), stderr: sink('err') } as never, buf };
    };
    const common = ['--cwd', main1.dir, '--data', join(main1.dir, 'eval.csv'), '--no-explain'];
    const ok = io();
    expect(
      await main(
        [
          'eval',
          '--candidate',
          candidate.dir,
          '--baseline',
          baseline.dir,
          '--out',
          'r1',
          '--json',
          ...common,
        ],
        ok.io,
      ),
    ).toBe(0);
    const json = JSON.parse(ok.buf.out);
    expect(json.verdict).toBe('pass');
    expect(readFileSync(join(main1.dir, 'r1', 'report.md'), 'utf8')).toMatch(/^## ✅/);

    // A gate no model can meet: exit 1.
    const strict = join(main1.dir, 'strict.config.mjs');
    const cfg = readFileSync(join(main1.dir, 'slipway.config.mjs'), 'utf8').replace(
      '"threshold": 0.6',
      '"threshold": 0.9999',
    );
    writeFileSync(strict, cfg);
    const fail = io();
    expect(
      await main(
        [
          'eval',
          '--config',
          strict,
          '--candidate',
          candidate.dir,
          '--baseline',
          baseline.dir,
          '--out',
          'r2',
          ...common,
        ],
        fail.io,
      ),
    ).toBe(1);
    expect(fail.buf.out).toMatch(/FAIL roc_auc threshold/);

    // No champion alias registered yet: a first run.
    const first = io();
    expect(
      await main(['eval', '--candidate', candidate.dir, '--out', 'r3', '--json', ...common], first.io),
    ).toBe(0);
    expect(JSON.parse(first.buf.out).report.firstRun).toBe(true);

    // Registry references: the candidate as <model>@<version>, the baseline as the alias `champion`.
    const store = new LocalStore(join(main1.dir, '.slipway'));
    await store.ensureRegisteredModel('eval-e2e');
    const v1 = await store.createModelVersion('eval-e2e', baseline.dir);
    const v2 = await store.createModelVersion('eval-e2e', candidate.dir);
    await store.setAlias('eval-e2e', 'champion', v1.version);
    await store.close();
    const reg = io();
    expect(
      await main(
        ['eval', '--candidate', `eval-e2e@${v2.version}`, '--out', 'r4', '--json', ...common],
        reg.io,
      ),
    ).toBe(0);
    const regReport = JSON.parse(reg.buf.out).report;
    expect(regReport.firstRun).toBe(false);
    expect(regReport.baseline).toMatchObject({
      alias: 'champion',
      version: v1.version,
      packageHash: baseline.hash,
    });
    expect(regReport.candidate).toMatchObject({ version: v2.version, packageHash: candidate.hash });
    const missing = io();
    expect(await main(['eval', '--candidate', 'eval-e2e@99', '--json', ...common], missing.io)).toBe(2);
    expect(missing.buf.out + missing.buf.err).toMatch(/has no version 99/);

    const bad = io();
    expect(
      await main(
        ['eval', '--candidate', candidate.dir, '--baseline', other.dir, '--json', ...common],
        bad.io,
      ),
    ).toBe(2);
    expect(bad.buf.out + bad.buf.err).toMatch(/BASELINE_SIGNATURE_MISMATCH/);
  });
});
