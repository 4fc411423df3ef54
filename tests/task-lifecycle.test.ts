// The whole model lifecycle for the non-binary tasks, through the built `slipway` binary, each in a fresh
// project made by `slipway init`: data add → validate + drift → train → eval (first run) → register →
// card → promote → train a changed model → eval against the champion → register + promote → serve
// (OIP v2 and /predict over HTTP) → monitor a later window.
//
//   multiclass: Palmer penguins (species, 3 classes) from apps/penguins/scripts/prepare.ts
//   regression: vega-datasets cars.json (Miles_per_Gallon; 8 rows have no label, 6 no Horsepower)
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { METRICS_BY_TASK } from '@slipway/core';
import { readTable, type Table } from '@slipway/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepare, vegaDatasetsFile } from '../apps/penguins/scripts/prepare.ts';
import { type Served, slipwayJson, slipwayServe } from './support/slipway-cli.js';

type Task = 'multiclass' | 'regression';
type Row = Record<string, string | number | null>;

interface MetricResult {
  name: string;
  candidate: number | null;
  baseline: number | null;
  delta: number | null;
  ci: { low: number; high: number } | null;
  deltaCi: { low: number; high: number } | null;
  pValue: number | null;
}

interface EvalReport {
  task: Task;
  firstRun: boolean;
  verdict: string;
  baseline: { name: string; version: string; alias?: string } | null;
  metrics: MetricResult[];
  gates: { metric: string; rule: string; passed: boolean }[];
  perClass?: { label: string; support: number; recall: number | null }[] | null;
  residuals?: { summary: { mean: number; median: number }; histogram: { counts: number[] } } | null;
  missingValues?: {
    label: { column: string; policy: string; droppedRows: number };
    features: { column: string; nulls: number }[];
  };
}

interface MonitorWindow {
  name: string;
  alert: boolean;
  reasons: string[];
  files: { json: string; markdown: string; html: string };
}

interface MonitorReport {
  window: { name: string; rows: number };
  alert: boolean;
  drift: { share: number; driftedCount: number; testedCount: number };
  predictionDrift: { statistic: number; drifted: boolean } | null;
  performance: { labelsJoined: number; metrics: MetricResult[] } | null;
}

const finite = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

interface Validation {
  success: boolean;
  rowCount: number;
  results: { expectation: string; kwargs: { column?: string }; success: boolean; unexpectedCount: number }[];
}

const failedExpectations = (v: Validation) =>
  v.results
    .filter((r) => !r.success)
    .map((r) => ({
      expectation: r.expectation,
      column: r.kwargs.column,
      unexpectedCount: r.unexpectedCount,
    }));

/** Plain rows of a table (nulls kept), as an HTTP client would send them. */
function rowsOf(table: Table, columns: string[]): Row[] {
  const rows: Row[] = Array.from({ length: table.rowCount }, () => ({}));
  for (const name of columns) {
    const col = table.columns.find((c) => c.name === name);
    if (!col) throw new Error(`no column ${name}`);
    for (let i = 0; i < table.rowCount; i++) {
      const row = rows[i] as Row;
      if (col.kind === 'string') row[name] = col.values[i] ?? null;
      else row[name] = col.valid[i] ? Number(col.values[i]) : null;
    }
  }
  return rows;
}

interface TaskCase {
  task: Task;
  model: string;
  label: string;
  /** Writes data/ and returns the split files (project-relative) and what the checks need to know. */
  writeData(dir: string): Promise<{
    train: string;
    eval: string;
    windows: Record<string, string>;
    trainRows: number;
    unlabelled: { train: number; eval: number; windows: Record<string, number> };
  }>;
  config(change: boolean): string;
  inputs: string[];
}

const POLICY = (
  model: string,
) => `# Deny by default; whoever runs the tests locally may register and promote ${model}.
version: 1
roles:
  local:
    members: ["@local"]
grants:
  - role: local
    models: ${model}
    actions: [register, "promote:champion"]
approvals: {}
`;

const penguins: TaskCase = {
  task: 'multiclass',
  model: 'penguins-lifecycle',
  label: 'species',
  inputs: ['island', 'beak_length_mm', 'beak_depth_mm', 'flipper_length_mm', 'body_mass_g', 'sex'],
  async writeData(dir) {
    const written = await prepare(join(dir, 'data'));
    return {
      trainRows: written.train?.rows ?? 0,
      train: 'data/train.parquet',
      eval: 'data/eval.parquet',
      windows: { recent: 'data/monitor-recent.parquet', torgersen: 'data/monitor-torgersen.parquet' },
      unlabelled: { train: 0, eval: 0, windows: { recent: 0, torgersen: 0 } },
    };
  },
  config: (change) => `import type { SlipwayConfigInput } from '@slipway/core';

export default {
  project: { name: 'penguins-lifecycle', owners: ['tests'] },
  data: {
    train: 'data/train.parquet',
    eval: 'data/eval.parquet',
    monitor: { recent: 'data/monitor-recent.parquet', torgersen: 'data/monitor-torgersen.parquet' },
    label: 'species',
    id: 'id',
  },
  features: [
    { column: 'island', transform: 'oneHot' },
    { column: 'beak_length_mm', transform: 'standardize' },
    { column: 'beak_depth_mm', transform: 'standardize' },
    { column: 'flipper_length_mm', transform: 'standardize' },
    { column: 'body_mass_g', transform: 'standardize' },
    { column: 'sex', transform: 'oneHot' },
  ],
  model: ${change ? "{ task: 'multiclass', type: 'gbdt', gbdt: { iterations: 60, maxLeaves: 8, minSamplesLeaf: 5 } }" : "{ task: 'multiclass', type: 'mlp', hidden: [16] }"},
  training: { epochs: 40, batchSize: 16, learningRate: 0.01, seed: 42, validationSplit: 0.1 },
  eval: {
    gates: {
      accuracy: { threshold: 0.85, significance: 0.05 },
      macro_f1: { threshold: 0.8 },
      log_loss: { threshold: 0.5 },
    },
    slices: { columns: ['island', 'sex'], minSupport: 10 },
    bootstrap: { resamples: 200, seed: 7 },
    explain: { sample: 59, background: 20 },
  },
  drift: { shareThreshold: 0.3 },
  governance: {
    card: {
      intendedUse: 'Suggesting the species of an adult Palmer Archipelago penguin from its measurements.',
      limitations: ['Torgersen island is never seen in training.'],
    },
  },
} satisfies SlipwayConfigInput;
`,
};

/**
 * cars.json, split by model year: before 1980 every fourth row (by position in the file) is the
 * evaluation split and the rest trains; 1980–1982 is the later monitoring window. Rows keep their nulls.
 */
async function writeCars(dir: string) {
  const cars = JSON.parse(await readFile(vegaDatasetsFile('cars.json'), 'utf8')) as Record<string, unknown>[];
  const splits: Record<string, { file: string; lines: string[]; unlabelled: number }> = {
    train: { file: 'data/train.jsonl', lines: [], unlabelled: 0 },
    eval: { file: 'data/eval.jsonl', lines: [], unlabelled: 0 },
    later: { file: 'data/monitor-1980s.jsonl', lines: [], unlabelled: 0 },
  };
  cars.forEach((car, i) => {
    const id = i + 1;
    const year = Number(String(car.Year).slice(0, 4));
    const split = (year >= 1980 ? splits.later : id % 4 === 0 ? splits.eval : splits.train) as {
      lines: string[];
      unlabelled: number;
    };
    split.lines.push(JSON.stringify({ id, ...car }));
    if (car.Miles_per_Gallon === null) split.unlabelled++;
  });
  for (const s of Object.values(splits)) await writeFile(join(dir, s.file), `${s.lines.join('\n')}\n`);
  return {
    train: splits.train!.file,
    eval: splits.eval!.file,
    windows: { later: splits.later!.file },
    trainRows: splits.train!.lines.length,
    unlabelled: {
      train: splits.train!.unlabelled,
      eval: splits.eval!.unlabelled,
      windows: { later: splits.later!.unlabelled },
    },
  };
}

const cars: TaskCase = {
  task: 'regression',
  model: 'cars-mpg',
  label: 'Miles_per_Gallon',
  inputs: ['Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration', 'Origin'],
  writeData: writeCars,
  config: (change) => `import type { SlipwayConfigInput } from '@slipway/core';

export default {
  project: { name: 'cars-mpg', owners: ['tests'] },
  data: {
    train: 'data/train.jsonl',
    eval: 'data/eval.jsonl',
    monitor: { later: 'data/monitor-1980s.jsonl' },
    label: 'Miles_per_Gallon',
    id: 'id',
    missingLabel: 'drop',
  },
  features: [
    { column: 'Cylinders', transform: 'standardize' },
    { column: 'Displacement', transform: 'standardize' },
    { column: 'Horsepower', transform: 'standardize' },
    { column: 'Weight_in_lbs', transform: 'standardize' },
    { column: 'Acceleration', transform: 'standardize' },
    { column: 'Origin', transform: 'oneHot' },
  ],
  model: ${change ? "{ task: 'regression', type: 'gbdt', gbdt: { iterations: 150, maxLeaves: 8, minSamplesLeaf: 10 } }" : "{ task: 'regression', type: 'mlp', hidden: [16] }"},
  training: { epochs: 100, batchSize: 16, learningRate: 0.01, seed: 42, validationSplit: 0.1 },
  eval: {
    gates: {
      mae: { threshold: 4.5, significance: 0.05 },
      rmse: { threshold: 6 },
      r2: { threshold: 0.5 },
    },
    slices: { columns: ['Origin'], minSupport: 10 },
    bootstrap: { resamples: 200, seed: 7 },
    explain: { sample: 79, background: 20 },
  },
  governance: {
    card: {
      intendedUse: 'Estimating the fuel economy of a 1970s car from its specification.',
      limitations: ['Trained on model years 1970–1979 only.'],
    },
  },
} satisfies SlipwayConfigInput;
`,
};

describe.each([penguins, cars])('$task lifecycle through the CLI ($model)', (c) => {
  let dir: string;
  let splits: Awaited<ReturnType<TaskCase['writeData']>>;
  let firstPackage: string;
  let secondPackage: string;
  let served: Served | undefined;
  const metricNames = [...METRICS_BY_TASK[c.task]];
  const run = <T = Record<string, unknown>>(...args: string[]) => slipwayJson<T>(dir, args);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `slipway-lifecycle-${c.task}-`));
  });
  afterAll(async () => {
    await served?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('init, then the config and policy edited for the task', async () => {
    const init = await run<{ created: string[] }>('init', '--name', c.model);
    expect(init.code, init.stderr).toBe(0);
    expect(init.json.created).toEqual(expect.arrayContaining(['slipway.config.ts', 'slipway.policy.yaml']));
    splits = await c.writeData(dir);
    await writeFile(join(dir, 'slipway.config.ts'), c.config(false));
    await writeFile(join(dir, 'slipway.policy.yaml'), POLICY(c.model));
    const shown = await run<{ config: { model: { task: string }; data: { label: string } } }>(
      'config',
      'print',
    );
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.json.config.model.task).toBe(c.task);
    expect(shown.json.config.data.label).toBe(c.label);
  });

  it('data add, schema + validate, drift', async () => {
    const added = await run<{ results: { dvcFile: string; changed: boolean; nfiles?: number }[] }>(
      'data',
      'add',
      'data',
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.json.results).toHaveLength(1);
    expect(added.json.results[0]).toMatchObject({ changed: true });
    expect(existsSync(join(dir, 'data.dvc'))).toBe(true);

    const inferred = await run('data', 'schema', 'infer', splits.train, '--out', 'schema.json');
    expect(inferred.code, inferred.stderr).toBe(0);
    // The review a team does: ranges inferred from ~200 rows are too tight for new rows, so they go;
    // types, nullability and the category sets stay.
    const schema = JSON.parse(await readFile(join(dir, 'schema.json'), 'utf8')) as {
      columns: { name: string; range?: unknown; domain?: { values: unknown[] } }[];
    };
    for (const col of schema.columns) delete col.range;
    await writeFile(join(dir, 'schema.json'), JSON.stringify(schema, null, 2));
    const validated = await run<Validation>('data', 'validate', splits.eval, '--schema', 'schema.json');
    expect(validated.code, JSON.stringify(failedExpectations(validated.json))).toBe(0);
    expect(validated.json.success).toBe(true);
    if (c.task === 'multiclass') {
      // Torgersen island is not in the training split's category set: validation names it.
      const torgersen = await run<Validation>(
        'data',
        'validate',
        splits.windows.torgersen as string,
        '--schema',
        'schema.json',
      );
      expect(torgersen.code).toBe(1);
      expect(failedExpectations(torgersen.json)).toEqual([
        { expectation: 'expect_column_values_to_be_in_set', column: 'island', unexpectedCount: 52 },
      ]);
    }

    const drift = await run<{ share: number; testedCount: number; columns: { column: string }[] }>(
      'data',
      'drift',
      '--reference',
      splits.train,
      '--current',
      splits.eval,
      '--out',
      'out/drift.json',
    );
    expect([0, 1]).toContain(drift.code);
    expect(drift.json.testedCount).toBeGreaterThanOrEqual(c.inputs.length);
    expect(finite(drift.json.share)).toBe(true);
    expect(drift.json.columns.map((col) => col.column)).toEqual(expect.arrayContaining(c.inputs));
  });

  it('trains, and records rows left out for a null label in the lineage', async () => {
    const trained = await run<{
      packageDir: string;
      cached: boolean;
      hash: string;
      metrics: Record<string, number>;
    }>('train');
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.json.cached).toBe(false);
    firstPackage = trained.json.packageDir;
    const signature = JSON.parse(await readFile(join(firstPackage, 'signature.json'), 'utf8'));
    expect(signature.task).toBe(c.task);
    const lineage = JSON.parse(await readFile(join(firstPackage, 'lineage.json'), 'utf8')) as {
      datasets: { name: string; rows?: number; unlabelledRows?: number }[];
    };
    const train = lineage.datasets.find((d) => d.name === 'train');
    if (splits.unlabelled.train > 0) expect(train?.unlabelledRows).toBe(splits.unlabelled.train);
    else expect(train?.unlabelledRows).toBeUndefined();
    expect(train?.rows).toBe(splits.trainRows - splits.unlabelled.train);
  });

  it('first evaluation: no champion, absolute gates, every task metric with an interval', async () => {
    const evaluated = await run<{ verdict: string; report: EvalReport }>(
      'eval',
      '--candidate',
      firstPackage,
      '--baseline',
      'champion',
      '--data',
      splits.eval,
      '--out',
      'out/eval-1',
    );
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const report = evaluated.json.report;
    expect(report).toMatchObject({ task: c.task, firstRun: true, verdict: 'pass', baseline: null });
    expect(report.metrics.map((m) => m.name)).toEqual(expect.arrayContaining(metricNames));
    for (const name of metricNames) {
      const m = report.metrics.find((x) => x.name === name) as MetricResult;
      expect(finite(m.candidate), name).toBe(true);
      expect(m.ci && m.ci.low <= m.ci.high, name).toBe(true);
    }
    expect(report.gates.length).toBeGreaterThan(0);
    expect(report.gates.every((g) => g.passed && g.rule === 'threshold')).toBe(true);
    expect(report.missingValues?.label).toEqual({
      column: c.label,
      policy: 'drop',
      droppedRows: splits.unlabelled.eval,
    });
    if (c.task === 'multiclass') {
      expect(report.perClass?.map((p) => p.label).sort()).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    } else {
      expect(finite(report.residuals?.summary.median)).toBe(true);
    }
    const md = await readFile(join(dir, 'out/eval-1/report.md'), 'utf8');
    for (const name of metricNames) expect(md).toContain(`\`${name}\``);
    if (splits.unlabelled.eval > 0)
      expect(md).toMatch(new RegExp(`${splits.unlabelled.eval} row\\(s\\) with no label were left out`));
  });

  it('registers, writes the card, promotes version 1', async () => {
    const registered = await run<{ registered: boolean; version: string }>(
      'register',
      firstPackage,
      '--eval',
      'out/eval-1/report.json',
    );
    expect(registered.code, registered.stderr).toBe(0);
    expect(registered.json).toMatchObject({ registered: true, version: '1' });

    const card = await run<{ markdown: string; missing: { field: string }[] }>(
      'card',
      `${c.model}:1`,
      '--out',
      'out/card',
    );
    expect(card.code, card.stderr).toBe(0);
    const md = await readFile(card.json.markdown, 'utf8');
    for (const section of [
      '## Model details',
      '## Intended use',
      '## Training data',
      '## Evaluation',
      '## Limitations',
    ])
      expect(md).toContain(section);
    expect(md).toContain(c.task);
    // The training rows left out for a null label are stated, not hidden.
    if (splits.unlabelled.train > 0)
      expect(md).toMatch(
        new RegExp(`train: ${splits.unlabelled.train} row\\(s\\) without a label were left out`),
      );
    for (const name of ['accuracy', 'macro_f1', 'mae', 'r2'].filter((n) => metricNames.includes(n)))
      expect(md).toContain(name);

    const promoted = await run<{ promoted: boolean; previousVersion: string | null }>(
      'promote',
      c.model,
      '1',
      '--to',
      'champion',
    );
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.json).toMatchObject({ promoted: true, previousVersion: null });
  });

  it('a changed model is compared with the champion: Δ, paired intervals and p per task metric', async () => {
    await writeFile(join(dir, 'slipway.config.ts'), c.config(true));
    const trained = await run<{ packageDir: string; cached: boolean }>('train');
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.json.cached).toBe(false);
    secondPackage = trained.json.packageDir;
    expect(secondPackage).not.toBe(firstPackage);
    // The change of this pull request: the MLP becomes gradient-boosted trees.
    expect(existsSync(join(secondPackage, 'trees.json'))).toBe(true);
    const lineage = JSON.parse(await readFile(join(secondPackage, 'lineage.json'), 'utf8'));
    expect(lineage.params['model.type']).toBe('gbdt');

    const evaluated = await run<{ verdict: string; report: EvalReport }>(
      'eval',
      '--candidate',
      secondPackage,
      '--baseline',
      'champion',
      '--data',
      splits.eval,
      '--out',
      'out/eval-2',
    );
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const report = evaluated.json.report;
    expect(report.firstRun).toBe(false);
    expect(report.baseline).toMatchObject({ name: c.model, version: '1', alias: 'champion' });
    for (const name of metricNames) {
      const m = report.metrics.find((x) => x.name === name) as MetricResult;
      expect(finite(m.candidate) && finite(m.baseline), name).toBe(true);
      expect(m.delta, name).toBeCloseTo((m.candidate as number) - (m.baseline as number), 9);
      expect(m.deltaCi && finite(m.deltaCi.low) && m.deltaCi.low <= m.deltaCi.high, name).toBe(true);
      expect(m.pValue !== null && m.pValue >= 0 && m.pValue <= 1, name).toBe(true);
    }
    // The gate with a significance level is judged against the champion too.
    expect(report.gates.some((g) => g.rule === 'significance')).toBe(true);
    expect(report.verdict).toBe('pass');
    const md = await readFile(join(dir, 'out/eval-2/report.md'), 'utf8');
    // A zero-width space after @ keeps GitHub from mentioning a user named like the alias.
    expect(md).toContain(`${c.model} v1 (@\u200bchampion)`);
    expect(md).toContain('Δ [95% CI]');

    const registered = await run<{ version: string }>(
      'register',
      secondPackage,
      '--eval',
      'out/eval-2/report.json',
    );
    expect(registered.json.version).toBe('2');
    expect((await run('card', `${c.model}:2`, '--out', 'out/card-2')).code).toBe(0);
    const promoted = await run<{ promoted: boolean; previousVersion: string | null }>(
      'promote',
      c.model,
      '2',
      '--to',
      'champion',
    );
    expect(promoted.json).toMatchObject({ promoted: true, previousVersion: '1' });
  });

  it('serves the champion: OIP v2 and /predict answer with the task’s outputs', async () => {
    served = await slipwayServe(dir, `models:/${c.model}@champion`);
    const windowFile = Object.values(splits.windows)[0] as string;
    const rows = rowsOf(await readTable(join(dir, windowFile)), c.inputs);
    const n = rows.length;
    expect(rows.some((r) => Object.values(r).includes(null))).toBe(true);

    const meta = (await (await fetch(`${served.url}/v2/models/${c.model}`)).json()) as {
      inputs: { name: string; datatype: string }[];
      outputs: { name: string; shape: number[] }[];
      parameters: { task: string; classes: string[] | null };
    };
    expect(meta.parameters.task).toBe(c.task);
    expect(meta.inputs.map((i) => i.name)).toEqual(c.inputs);

    const infer = await fetch(`${served.url}/v2/models/${c.model}/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'lifecycle',
        inputs: meta.inputs.map((i) => ({
          name: i.name,
          datatype: i.datatype,
          shape: [n],
          data: rows.map((r) => r[i.name] ?? null),
        })),
      }),
    });
    expect(infer.status).toBe(200);
    const oip = (await infer.json()) as {
      model_version: string;
      id: string;
      outputs: { name: string; datatype: string; shape: number[]; data: number[] }[];
    };
    expect(oip.model_version).toBe('2');
    expect(oip.id).toBe('lifecycle');
    const out = Object.fromEntries(oip.outputs.map((o) => [o.name, o]));
    const predictions = out.predictions;
    expect(predictions?.shape).toEqual([n]);
    expect(predictions?.data.every(finite)).toBe(true);

    const rest = (await (
      await fetch(`${served.url}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ rows }),
      })
    ).json()) as { version: string; predictions: number[]; labels?: string[]; probabilities?: number[][] };
    expect(rest.version).toBe('2');
    expect(rest.predictions).toEqual(predictions?.data);

    if (c.task === 'multiclass') {
      expect(oip.outputs.map((o) => o.name)).toEqual(['predictions', 'probabilities']);
      expect(meta.parameters.classes).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
      const probabilities = out.probabilities as { shape: number[]; data: number[] };
      expect(probabilities.shape).toEqual([n, 3]);
      for (let i = 0; i < n; i++) {
        const p = probabilities.data.slice(i * 3, i * 3 + 3);
        expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        expect(predictions?.data[i]).toBe(p.indexOf(Math.max(...p)));
      }
      expect(rest.labels).toHaveLength(n);
      expect(rest.labels?.every((l) => ['Adelie', 'Chinstrap', 'Gentoo'].includes(l))).toBe(true);
      expect(rest.probabilities).toHaveLength(n);
    } else {
      expect(oip.outputs.map((o) => o.name)).toEqual(['predictions']);
      // Miles per gallon of real cars: a model that learned anything stays in a plausible range.
      expect(predictions?.data.every((v) => v > 0 && v < 80)).toBe(true);
      expect(rest.probabilities).toBeUndefined();
    }
  });

  it('monitors the later windows against the training profile', async () => {
    const monitored = await run<{ alert: boolean; windows: MonitorWindow[] }>(
      'monitor',
      '--model',
      'champion',
      '--out',
      'out/monitor',
    );
    expect(monitored.code, monitored.stdout).toBe(monitored.json.alert ? 1 : 0);
    expect(monitored.json.windows.map((w) => w.name)).toEqual(Object.keys(splits.windows));
    for (const w of monitored.json.windows) {
      const report = JSON.parse(await readFile(w.files.json, 'utf8')) as MonitorReport;
      expect(report.window.name).toBe(w.name);
      expect(report.drift.testedCount).toBeGreaterThanOrEqual(c.inputs.length);
      expect(report.performance?.labelsJoined).toBe(
        report.window.rows - (splits.unlabelled.windows[w.name] ?? 0),
      );
      for (const name of metricNames) {
        const m = report.performance?.metrics.find((x) => x.name === name);
        expect(finite(m?.candidate), `${w.name}: ${name}`).toBe(true);
      }
      expect(existsSync(w.files.html)).toBe(true);
    }
    // The drifted-on-purpose windows: Torgersen island (never in training), and cars of the 1980s.
    const drifted = monitored.json.windows.find(
      (w) => w.name === (c.task === 'multiclass' ? 'torgersen' : 'later'),
    );
    expect(drifted?.alert).toBe(true);
    expect(drifted?.reasons.join('\n')).toMatch(/dataset drift/);
    if (c.task === 'multiclass') {
      const recent = monitored.json.windows.find((w) => w.name === 'recent');
      expect(recent?.alert, recent?.reasons.join('; ')).toBe(false);
    }
    const audit = await run<{ ok: boolean; entries: number }>('audit', 'verify');
    expect(audit.json.ok).toBe(true);
    expect(audit.json.entries).toBeGreaterThanOrEqual(6);
    // Model outputs are watched for every task, not only binary scores.
    for (const w of monitored.json.windows) {
      const report = JSON.parse(await readFile(w.files.json, 'utf8')) as MonitorReport;
      expect(report.predictionDrift, `${w.name}: prediction drift`).not.toBeNull();
      expect(finite(report.predictionDrift?.statistic), `${w.name}: prediction drift`).toBe(true);
    }
  });
});
