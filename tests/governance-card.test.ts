// The model card against the real tools: huggingface_hub loads MODEL_CARD.md and parses its model-index
// (raising on invalid metadata), and model_card.json validates against the Model Card Toolkit v0.0.2 fields.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildModelCard, writeModelCard } from '@slipway/governance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cardConfig,
  evalReport,
  lineage,
  packageModel,
  profile,
  signature,
} from '../packages/governance/src/testing/card-fixtures.js';

const PY = resolve('.venv-interop/bin/python');
const CHECK = resolve('.venv-interop/bin/check-jsonschema');
const SCHEMA = resolve('packages/governance/schemas/model-card-toolkit-v0.0.2.schema.json');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-card-interop-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const LOAD = `
import json, sys
from huggingface_hub import ModelCard
from huggingface_hub.repocard_data import eval_results_to_model_index
card = ModelCard.load(sys.argv[1], ignore_metadata_errors=False)
d = card.data
out = {
  "license": d.license,
  "pipeline_tag": d.pipeline_tag,
  "tags": d.tags,
  "datasets": d.datasets,
  "metrics": d.metrics,
  "model_name": d.model_name,
  "eval_results": [
    {"task": r.task_type, "dataset": r.dataset_type, "revision": r.dataset_revision, "metric": r.metric_type, "value": r.metric_value}
    for r in (d.eval_results or [])
  ],
  "roundtrip": eval_results_to_model_index(d.model_name, d.eval_results) if d.eval_results else None,
  "text_has_sections": all(h in card.text for h in ["## Model details", "## Evaluation", "## Lineage"]),
}
print(json.dumps(out))
`;

function hfLoad(path: string): Record<string, unknown> {
  return JSON.parse(
    execFileSync(PY, ['-c', LOAD, path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
  );
}

describe('model card interop', () => {
  it('huggingface_hub ModelCard loads ours and validates its metadata and model-index', async () => {
    const card = buildModelCard({
      config: cardConfig(),
      model: { name: 'flight-delay', version: '3' },
      packageHash: 'b'.repeat(64),
      signature,
      lineage,
      profile,
      packageModel,
      evalReport: evalReport(),
    });
    const written = await writeModelCard(dir, card);
    const loaded = hfLoad(written.markdownPath);
    expect(loaded).toMatchObject({
      license: 'apache-2.0',
      pipeline_tag: 'tabular-classification',
      datasets: ['data/train.parquet', 'data/eval.parquet'],
      metrics: ['roc_auc', 'log_loss'],
      model_name: 'flight-delay',
      text_has_sections: true,
    });
    expect(loaded.eval_results).toEqual([
      {
        task: 'tabular-classification',
        dataset: 'data/eval.parquet',
        revision: 'd'.repeat(32),
        metric: 'roc_auc',
        value: 0.71,
      },
      {
        task: 'tabular-classification',
        dataset: 'data/eval.parquet',
        revision: 'd'.repeat(32),
        metric: 'log_loss',
        value: 0.48,
      },
    ]);
    // huggingface_hub rebuilds the same model-index from what it parsed.
    const roundtrip = loaded.roundtrip as { results: { metrics: { type: string }[] }[] }[];
    expect(roundtrip[0]!.results[0]!.metrics.map((m) => m.type)).toEqual(['roc_auc', 'log_loss']);
  });

  it('huggingface_hub rejects a broken model-index (the check can fail)', async () => {
    const { writeFile } = await import('node:fs/promises');
    const bad = join(dir, 'BAD.md');
    await writeFile(
      bad,
      '---\nmodel-index:\n- name: x\n  results:\n  - task: {}\n    dataset: {type: d, name: d}\n    metrics: []\n---\n# x\n',
    );
    expect(() => hfLoad(bad)).toThrow(/Invalid `model_index`/);
  });

  it('model_card.json validates against the Model Card Toolkit v0.0.2 fields', async () => {
    const card = buildModelCard({
      config: cardConfig(),
      model: { name: 'flight-delay', version: '3' },
      packageHash: 'b'.repeat(64),
      signature,
      lineage,
      profile,
      packageModel,
      evalReport: evalReport(),
    });
    const written = await writeModelCard(dir, card);
    const out = execFileSync(CHECK, ['--schemafile', SCHEMA, written.jsonPath], { encoding: 'utf8' });
    expect(out).toMatch(/ok/);
    // And the schema does reject a field MCT does not have.
    const { writeFile } = await import('node:fs/promises');
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ ...written.json, missing: ['x'] }));
    expect(() => execFileSync(CHECK, ['--schemafile', SCHEMA, bad], { stdio: 'pipe' })).toThrow();
  });
});
