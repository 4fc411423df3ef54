import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSlipwayError, type SlipwayError } from '../errors.js';
import { loadConfig } from './load.js';

const valid = {
  project: { name: 'demo' },
  data: { train: 'data/train.csv', eval: 'data/eval.csv', label: 'y' },
  features: [{ column: 'x', transform: 'standardize' }],
  model: { task: 'binary' },
  eval: { gates: { roc_auc: { threshold: 0.7 } } },
};

async function project(source: string, file = 'slipway.config.ts'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-config-'));
  await writeFile(join(dir, file), source);
  return dir;
}

async function failure(source: string, file?: string): Promise<SlipwayError> {
  const dir = await project(source, file);
  try {
    await loadConfig({ cwd: dir });
  } catch (err) {
    if (isSlipwayError(err)) return err;
    throw err;
  }
  throw new Error('expected loadConfig to fail');
}

const withConfig = (patch: (c: typeof valid & Record<string, unknown>) => unknown) => {
  const c = structuredClone(valid) as typeof valid & Record<string, unknown>;
  patch(c);
  return `export default ${JSON.stringify(c)};\n`;
};

describe('loadConfig', () => {
  it('loads a TypeScript config with types and applies defaults', async () => {
    const dir = await project(
      `import type { SlipwayConfigInput } from '@slipway/core';\nconst c = ${JSON.stringify(valid)} satisfies SlipwayConfigInput;\nexport default c;\n`,
    );
    const loaded = await loadConfig({ cwd: dir });
    expect(loaded.config.training.epochs).toBe(5);
    expect(loaded.config.drift.shareThreshold).toBe(0.5);
    expect(loaded.configHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('loads .mjs configs', async () => {
    const dir = await project(`export default ${JSON.stringify(valid)};\n`, 'slipway.config.mjs');
    expect((await loadConfig({ cwd: dir })).config.project.name).toBe('demo');
  });

  it('reports a missing file with the fix', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-empty-'));
    await expect(loadConfig({ cwd: dir })).rejects.toMatchObject({
      code: 'CONFIG_NOT_FOUND',
      hint: expect.stringContaining('slipway init'),
    });
  });

  it('reports a syntax error with the file and line', async () => {
    const err = await failure('export default {\n  project: { name: "x" ,,\n};\n');
    expect(err.code).toBe('CONFIG_SYNTAX');
    expect(err.message).toMatch(/slipway\.config\.ts:\d+/);
  });

  it('suggests the key meant by an unknown key', async () => {
    const err = await failure(withConfig((c) => Object.assign(c, { trainng: { epochs: 3 } })));
    expect(err.message).toContain('trainng: unknown key "trainng" (did you mean "training"?)');
    expect(err.message).toContain('fix: remove it or use one of');
  });

  it('names the field, the value seen and the fix for a wrong type', async () => {
    const err = await failure(withConfig((c) => Object.assign(c.eval.gates.roc_auc, { threshold: '0.8' })));
    expect(err.message).toContain(
      'eval.gates.roc_auc.threshold: expected a number between 0 and 1, got "0.8" (a string)',
    );
    expect(err.message).toContain('fix: write 0.8 without quotes');
  });

  it('reports an out-of-range number', async () => {
    const err = await failure(withConfig((c) => Object.assign(c, { training: { epochs: 0 } })));
    expect(err.message).toContain('training.epochs: expected a number ≥ 1, got 0 (a number)');
    expect(err.message).toContain('fix: use a value ≥ 1');
  });

  it('rejects a gate on an unknown metric and suggests the right one', async () => {
    const err = await failure(withConfig((c) => Object.assign(c.eval.gates, { auc: { threshold: 0.8 } })));
    expect(err.message).toContain(
      'eval.gates.auc: unknown metric "auc" for a binary model (did you mean "roc_auc"?)',
    );
    expect(err.message).toContain('fix: use one of: accuracy');
  });

  it('names a gate on a metric of another task, the task and the metrics it has', async () => {
    const err = await failure(withConfig((c) => Object.assign(c.eval.gates, { rmse: { threshold: 3 } })));
    expect(err.message).toContain(
      'eval.gates.rmse: "rmse" is a regression metric; model.task is "binary", which has no rmse',
    );
    expect(err.message).toContain(
      'fix: use one of the binary metrics: accuracy, precision, recall, f1, roc_auc, pr_auc, log_loss, brier, ece, or set model.task to "regression"',
    );
    const multi = await failure(
      withConfig((c) => {
        Object.assign(c.model, { task: 'multiclass' });
        c.eval.gates = { f1: { threshold: 0.5 } } as never;
      }),
    );
    expect(multi.message).toContain(
      'eval.gates.f1: "f1" is a binary metric; model.task is "multiclass", which has no f1',
    );
  });

  it('multiclass: gates on one class by name, checked against model.classes', async () => {
    const dir = await project(
      withConfig((c) => {
        Object.assign(c.model, { task: 'multiclass', classes: ['Adelie', 'Gentoo'] });
        c.eval.gates = { 'recall:Gentoo': { threshold: 0.8, significance: 0.05 } } as never;
      }),
      'slipway.config.mjs',
    );
    const ok = await loadConfig({ cwd: dir });
    expect(ok.config.eval.gates['recall:Gentoo']).toMatchObject({ threshold: 0.8 });
    const err = await failure(
      withConfig((c) => {
        Object.assign(c.model, { task: 'multiclass', classes: ['Adelie', 'Gentoo'] });
        c.eval.gates = { 'recall:Gentu': { threshold: 80 } } as never;
      }),
    );
    expect(err.message).toContain(
      'eval.gates.recall:Gentu: "Gentu" is not one of model.classes (did you mean "Gentoo"?)',
    );
    expect(err.message).toContain('fix: use one of: recall:Adelie, recall:Gentoo');
    const bounded = await failure(
      withConfig((c) => {
        Object.assign(c.model, { task: 'multiclass' });
        c.eval.gates = { 'f1:Adelie': { threshold: 80 } } as never;
      }),
    );
    expect(bounded.message).toContain('eval.gates.f1:Adelie.threshold: expected a number between 0 and 1');
  });

  it('reports two problems at once', async () => {
    const err = await failure(
      withConfig((c) => {
        Object.assign(c.model, { task: 'binary', dropout: 2 });
        Object.assign(c.eval.gates, { auc: {} });
      }),
    );
    expect(err.message).toContain('2 problems');
    expect(err.message).toContain('model.dropout');
    expect(err.message).toContain('eval.gates.auc');
  });

  it('suggests the transform meant by an unknown one', async () => {
    const err = await failure(withConfig((c) => c.features.push({ column: 'o', transform: 'onehot' })));
    expect(err.message).toContain(
      'features[1].transform: unknown transform "onehot" (a string) (did you mean "oneHot"?)',
    );
  });

  it('reports a missing required field', async () => {
    const err = await failure(withConfig((c) => Reflect.deleteProperty(c.data, 'label')));
    expect(err.message).toContain('data.label: expected a string, got nothing (the field is missing)');
    expect(err.message).toContain('fix: add the required field data.label');
  });
});
