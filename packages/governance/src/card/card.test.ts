import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  cardConfig,
  evalReport,
  lineage,
  mlpModelJson,
  packageModel,
  profile,
  signature,
} from '../testing/card-fixtures.js';
import { describePackageModel } from './architecture.js';
import { buildModelCard } from './build.js';
import { huggingFaceMetadata, modelCardToolkitJson, renderModelCardMarkdown } from './render.js';
import { writeModelCard } from './write.js';

const base = {
  packageModel,
  model: { name: 'flight-delay', version: '3', aliases: ['champion'] },
  packageHash: 'b'.repeat(64),
  signature,
  lineage,
  profile,
  now: new Date('2026-11-24T12:00:00Z'),
};

describe('model card', () => {
  it('lists what the config does not give as missing instead of inventing it', () => {
    const card = buildModelCard({ ...base, config: cardConfig(), evalReport: evalReport() });
    const fields = card.missing.map((m) => m.field);
    expect(fields).toContain('ethical considerations');
    expect(fields).toContain('fairness analysis');
    expect(fields).not.toContain('license');
    expect(card.ethicalConsiderations).toEqual([]);
    const md = renderModelCardMarkdown(card);
    expect(md).toMatch(/## Ethical considerations\n\n_Missing: set governance\.card\.ethicalConsiderations/);
    expect(md).toMatch(/\*\*ethical considerations\*\*: governance\.card\.ethicalConsiderations/);
  });

  it('a card without an eval report says evaluation is missing, and has no model-index', () => {
    const card = buildModelCard({ ...base, config: cardConfig(), evalReport: null });
    expect(card.missing.map((m) => m.field)).toContain('evaluation');
    const meta = huggingFaceMetadata(card);
    expect(meta['model-index']).toBeUndefined();
    expect(meta.license).toBe('apache-2.0');
  });

  it('renders sections, front matter with model-index, and profile facts', () => {
    const card = buildModelCard({ ...base, config: cardConfig(), evalReport: evalReport() });
    const md = renderModelCardMarkdown(card);
    for (const h of [
      '## Model details',
      '## Intended use',
      '### Out-of-scope use',
      '## Training data',
      '## Evaluation',
      '### Slices',
      '### Fairness',
      '## Top features',
      '## Limitations',
      '## Ethical considerations',
      '## Risk category (EU AI Act)',
      '## Lineage',
      '## Approvals and promotions',
    ]) {
      expect(md).toContain(`\n${h}\n`);
    }
    expect(md).toContain('2001-01-01T00:00:00.000Z – 2001-03-31T23:00:00.000Z');
    expect(md).toContain('| roc_auc ↑ | 0.71 | 0.69 – 0.73 |');
    expect(md).toContain('**minimal risk**');
    // Top features are ordered by |SHAP|.
    expect(md.indexOf('| `origin` | 0.09')).toBeLessThan(md.indexOf('| `distance` | 0.05'));
    const [front] = parseAllDocuments(md.split('\n---\n')[0]!.replace(/^---\n/, ''));
    const meta = front!.toJS() as Record<string, unknown>;
    expect(meta).toMatchObject({
      license: 'apache-2.0',
      pipeline_tag: 'tabular-classification',
      datasets: ['data/train.parquet', 'data/eval.parquet'],
      metrics: ['roc_auc', 'log_loss'],
    });
    const mi = (meta['model-index'] as { results: { metrics: { type: string; value: number }[] }[] }[])[0]!;
    expect(mi.results[0]!.metrics[0]).toMatchObject({ type: 'roc_auc', value: 0.71 });
  });

  it('MCT JSON uses only Model Card Toolkit fields, with string metric values', () => {
    const card = buildModelCard({ ...base, config: cardConfig(), evalReport: evalReport() });
    const json = modelCardToolkitJson(card) as {
      model_details: { version: { date: string } };
      quantitative_analysis: { performance_metrics: { value: unknown; slice?: string }[] };
    };
    expect(Object.keys(json).sort()).toEqual([
      'considerations',
      'model_details',
      'model_parameters',
      'quantitative_analysis',
      'schema_version',
    ]);
    expect(json.model_details.version.date).toBe('2026-11-24');
    expect(json.quantitative_analysis.performance_metrics.every((m) => typeof m.value === 'string')).toBe(
      true,
    );
    expect(json.quantitative_analysis.performance_metrics.some((m) => m.slice === 'origin = ORD')).toBe(true);
  });

  it('writes both files and returns the markdown hash', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-card-'));
    try {
      const card = buildModelCard({ ...base, config: cardConfig(), evalReport: evalReport() });
      const written = await writeModelCard(dir, card);
      expect(await readFile(written.markdownPath, 'utf8')).toBe(written.markdown);
      expect(JSON.parse(await readFile(written.jsonPath, 'utf8'))).toEqual(written.json);
      expect(written.sha256).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('model card dataset paths', () => {
  it('names the eval split as the lineage does (same md5), or relative to the project, never twice', () => {
    const withEval = {
      ...lineage,
      datasets: [
        ...lineage.datasets,
        { name: 'eval', path: 'data/eval.parquet', md5: 'd'.repeat(32), digest: 'dddd' },
      ],
    };
    const report = evalReport();
    report.dataset.path = '/home/me/project/data/eval.parquet';
    const card = buildModelCard({ ...base, lineage: withEval, config: cardConfig(), evalReport: report });
    expect(card.evaluation?.dataset.path).toBe('data/eval.parquet');
    expect(huggingFaceMetadata(card).datasets).toEqual(['data/train.parquet', 'data/eval.parquet']);
    const json = modelCardToolkitJson(card) as { model_parameters: { data: unknown[] } };
    expect(json.model_parameters.data).toHaveLength(2);
    expect(renderModelCardMarkdown(card)).toContain(
      '| eval | `data/eval.parquet` | `dddddddddddddddddddddddddddddddd` | — | 500 |',
    );

    const other = evalReport();
    other.dataset = { path: '/home/me/project/data/other.parquet', md5: 'e'.repeat(32), rows: 10 };
    const card2 = buildModelCard({
      ...base,
      config: cardConfig(),
      evalReport: other,
      projectRoot: '/home/me/project',
    });
    expect(card2.evaluation?.dataset.path).toBe('data/other.parquet');
  });
});

describe('the card describes its package', () => {
  it("a tree package's card names trees and their parameters, whatever today's config says", () => {
    const trees = {
      schema: 'slipway.trees/v1',
      loss: 'log_loss',
      outputs: 1,
      baseScore: [0],
      width: 2,
      iterations: 2,
      params: { iterations: 2, learningRate: 0.3, maxLeaves: 4 },
      trees: [
        {
          feature: [0, -1, -1],
          threshold: [0.5, 0, 0],
          left: [1, -1, -1],
          right: [2, -1, -1],
          value: [0, 1, -1],
          cover: [9, 4, 5],
        },
        {
          feature: [1, -1, -1],
          threshold: [2, 0, 0],
          left: [1, -1, -1],
          right: [2, -1, -1],
          value: [0, 1, -1],
          cover: [9, 4, 5],
        },
      ],
    };
    // An older lineage that logged the network's defaults for a tree run.
    const oldLineage = {
      ...lineage,
      params: { 'training.epochs': 20, 'training.optimizer': 'adam', 'model.gbdt.iterations': 2 },
    };
    const card = buildModelCard({
      ...base,
      lineage: oldLineage,
      packageModel: describePackageModel({ trees }, oldLineage),
      config: cardConfig(), // says model: mlp [8]
      evalReport: evalReport(),
    });
    const md = renderModelCardMarkdown(card);
    expect(md).toContain(
      '| Architecture | gradient-boosted trees: 2 iteration(s) × 1 output(s) = 2 trees (4 leaves), loss log\\_loss',
    );
    expect(md).not.toMatch(/MLP|epochs|optimizer/);
    expect(md).toContain('| `model.gbdt.learningRate` | 0.3 |');
    expect(modelCardToolkitJson(card).model_parameters).toMatchObject({
      model_architecture: expect.stringContaining('gradient-boosted trees'),
    });
  });

  it('a tfjs package is described from its layers; no readable model file is named missing', () => {
    const card = buildModelCard({ ...base, config: cardConfig(), evalReport: evalReport() });
    expect(card.architecture).toBe(
      'MLP (1 hidden layer), tfjs layers: input 2 → Dense 8 relu → Dense 1 sigmoid',
    );
    const none = buildModelCard({
      ...base,
      packageModel: null,
      config: cardConfig(),
      evalReport: evalReport(),
    });
    expect(none.missing.map((m) => m.field)).toContain('architecture');
    expect(renderModelCardMarkdown(none)).toMatch(
      /\| Architecture \| _Missing: set model\.json or trees\.json/,
    );
  });

  it('says when training read a sample of the file, and how large each was', () => {
    const sampled = {
      ...lineage,
      params: { ...lineage.params, 'training.maxRows': 1000 },
      datasets: [{ ...lineage.datasets[0]!, rows: 1000, fileRows: 1_477_911 }],
    };
    const md = renderModelCardMarkdown(
      buildModelCard({
        ...base,
        lineage: sampled,
        packageModel: describePackageModel({ modelJson: mlpModelJson }, sampled),
        config: cardConfig(),
        evalReport: evalReport(),
      }),
    );
    expect(md).toContain(
      '- Sampled: training read a seeded sample of 1,000 of the 1,477,911 rows in `data/train.parquet` (training.maxRows 1,000, seed 42); the profile below describes those 1,000 rows, not the whole file.',
    );
    expect(md).toContain(
      '| train | `data/train.parquet` | `aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa` | 1,477,911 | 1,000 |',
    );
  });

  it('names the code origin only when it is a URL, never a path on the training machine', () => {
    const local = {
      ...lineage,
      code: { ...lineage.code, remoteUrl: '/home/runner/work/flights/origin.git' },
    };
    const md = renderModelCardMarkdown(
      buildModelCard({ ...base, lineage: local, config: cardConfig(), evalReport: evalReport() }),
    );
    expect(md).not.toContain('/home/runner');
    const url = renderModelCardMarkdown(
      buildModelCard({ ...base, config: cardConfig(), evalReport: evalReport() }),
    );
    expect(url).toContain('(https:​//github.com/acme/flights)');
  });
});
