// bench/trees: Slipway's gradient-boosted trees vs scikit-learn HistGradientBoosting and LightGBM (PyPI),
// same feature matrix, same hyper-parameters (100 iterations, learning rate 0.1, 31 leaves, ≥ 20 rows per
// leaf (10 on the small sets), no L2, 255 bins, no early stopping), same thread count, in one run:
//   flight  binary, ROC AUC   the flight-delay example's training split (Jan–Mar 2001, a seeded sample of
//                             --rows rows, default 200,000 = the example's training.maxRows), scored on a
//                             seeded 100,000-row sample of its eval split (April), the example's own features
//   penguins multiclass, macro-F1  vega-datasets penguins.json (the second example)
//   cars    regression, RMSE  vega-datasets cars.json (Miles_per_Gallon)
// The two small sets are scored on 5 seeded 75/25 splits (one fit per split and tool; quality = the mean
// over the splits, since one 100-row test set moves RMSE by several percent).
// Training time is the fit alone (binning included for every tool), the median of 3 fits (flight) or of the
// 5 splits' fits; scikit-learn fits flight once (it takes a minute or more on one thread).
//
//   bash bench/trees/setup.sh                       # once: .venv-bench-trees (bench/trees/requirements.txt)
//   pnpm build                                      # the bench runs the built packages
//   node bench/trees/run.ts [--rows N] [--threads T]  # T: threads for every tool (default 1; ours is single-threaded)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { configSchema, type FeatureSpec } from '@slipway/core';
import { readTable, type Table } from '@slipway/data';
import { applyFeatures, boost, type GbdtParams, predictTrees, rocAuc } from '@slipway/training';
import { prepare } from '../../apps/flight-delay/scripts/prepare.ts';

const here = dirname(new URL(import.meta.url).pathname);
const root = resolve(here, '../..');
const out = join(root, 'bench', 'results', 'trees');
mkdirSync(out, { recursive: true });
const { values: args } = parseArgs({ options: { rows: { type: 'string' }, threads: { type: 'string' } } });
const ROWS = Number(args.rows ?? 200_000);
const THREADS = Number(args.threads ?? 1);
const SEED = 42;
const python = join(root, '.venv-bench-trees', 'bin', 'python');
if (!existsSync(python)) throw new Error('run bash bench/trees/setup.sh first');
const { fitFeatures } = await import('@slipway/training');

const PARAMS: GbdtParams = {
  iterations: 100,
  learningRate: 0.1,
  maxLeaves: 31,
  maxDepth: null,
  minSamplesLeaf: 20,
  minHessianLeaf: 1e-3,
  l2: 0,
  maxBins: 255,
  minGainToSplit: 0,
};

type Task = 'binary' | 'multiclass' | 'regression';
interface Split {
  train: { x: Float32Array; y: Float32Array };
  test: { x: Float32Array; y: Float32Array };
  /** Matrix columns (a split's one-hot vocabularies are fitted on its own training rows). */
  width: number;
}
interface Case {
  name: string;
  task: Task;
  /** Fit r uses splits[r % splits.length]. */
  splits: Split[];
  classes: number;
  params: GbdtParams;
  repeats: number;
  describe: string;
}

function seeded(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fits `specs` on the training table and returns both matrices (what `slipway train` feeds the trees). */
function matrices(specs: FeatureSpec[], train: Table, test: Table) {
  const rows = Uint32Array.from({ length: train.rowCount }, (_, i) => i);
  const features = fitFeatures(specs, train, rows, 'bench');
  return {
    features,
    train: applyFeatures(features, train).matrix,
    test: applyFeatures(features, test).matrix,
  };
}

function labels(t: Table, column: string, classes?: string[]): Float32Array {
  const c = t.columns.find((col) => col.name === column)!;
  if (classes) return Float32Array.from(c.values as string[], (v) => classes.indexOf(v));
  return Float32Array.from(c.values as Float64Array);
}

function without(t: Table, column: string): Table {
  return { rowCount: t.rowCount, columns: t.columns.filter((c) => c.name !== column) };
}

/** JSON records → Table (numbers and strings), rows without a label dropped, then a seeded 75/25 split. */
async function jsonCase(file: string, label: string, seed: number): Promise<{ train: Table; test: Table }> {
  const vega = join(
    dirname(dirname(createRequire(join(root, 'apps/flight-delay/package.json')).resolve('vega-datasets'))),
    'data',
  );
  const rows = (JSON.parse(readFileSync(join(vega, file), 'utf8')) as Record<string, unknown>[]).filter(
    (r) => r[label] !== null && r[label] !== undefined,
  );
  const rng = seeded(seed);
  const order = rows.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const cut = Math.floor(order.length * 0.75);
  const take = (idx: number[]): Table => {
    const names = Object.keys(rows[0]!);
    return {
      rowCount: idx.length,
      columns: names.map((name) => {
        const numeric = rows.every((r) => r[name] === null || typeof r[name] === 'number');
        if (numeric) {
          return {
            name,
            sqlType: 'DOUBLE',
            kind: 'number' as const,
            values: Float64Array.from(idx, (i) => (rows[i]![name] as number | null) ?? 0),
            valid: Uint8Array.from(idx, (i) => (rows[i]![name] === null ? 0 : 1)),
          };
        }
        return {
          name,
          sqlType: 'VARCHAR',
          kind: 'string' as const,
          values: idx.map((i) => (rows[i]![name] as string | null) ?? null),
        };
      }),
    };
  };
  return {
    train: take(order.slice(0, cut).sort((a, b) => a - b)),
    test: take(order.slice(cut).sort((a, b) => a - b)),
  };
}

// 1. The cases.
const cases: Case[] = [];
{
  const dir = join(out, 'flight');
  if (!existsSync(join(dir, 'eval.parquet'))) await prepare(dir);
  const appConfig = (await import('../../apps/flight-delay/slipway.config.ts')).default;
  const specs = configSchema.shape.features.parse(appConfig.features);
  const train = await readTable(join(dir, 'train.parquet'), { sampleRows: ROWS, seed: SEED });
  const test = await readTable(join(dir, 'eval.parquet'), { sampleRows: 100_000, seed: SEED });
  const m = matrices(specs, train, test);
  cases.push({
    name: 'flight',
    task: 'binary',
    splits: [
      {
        train: { x: m.train, y: labels(train, 'delayed') },
        test: { x: m.test, y: labels(test, 'delayed') },
        width: m.features.width,
      },
    ],
    classes: 2,
    params: PARAMS,
    repeats: 3,
    describe: `${train.rowCount.toLocaleString('en-US')} train / ${test.rowCount.toLocaleString('en-US')} eval rows, ${m.features.width} columns (the example's features)`,
  });
}
{
  const species = ['Adelie', 'Chinstrap', 'Gentoo'];
  const specs = configSchema.shape.features.parse([
    { column: 'Beak Length (mm)', transform: 'passthrough' },
    { column: 'Beak Depth (mm)', transform: 'passthrough' },
    { column: 'Flipper Length (mm)', transform: 'passthrough' },
    { column: 'Body Mass (g)', transform: 'passthrough' },
    { column: 'Island', transform: 'oneHot' },
    { column: 'Sex', transform: 'oneHot' },
  ]);
  const splits: Split[] = [];
  const widths = new Set<number>();
  let sizes = '';
  for (let r = 0; r < 5; r++) {
    const { train, test } = await jsonCase('penguins.json', 'Species', SEED + r);
    const m = matrices(specs, without(train, 'Species'), without(test, 'Species'));
    splits.push({
      train: { x: m.train, y: labels(train, 'Species', species) },
      test: { x: m.test, y: labels(test, 'Species', species) },
      width: m.features.width,
    });
    widths.add(m.features.width);
    sizes = `${train.rowCount} train / ${test.rowCount} test rows`;
  }
  cases.push({
    name: 'penguins',
    task: 'multiclass',
    splits,
    classes: 3,
    params: { ...PARAMS, minSamplesLeaf: 10 },
    repeats: 5,
    describe: `${sizes} per split, ${[...widths].join('/')} columns`,
  });
}
{
  const specs = configSchema.shape.features.parse([
    { column: 'Cylinders', transform: 'passthrough' },
    { column: 'Displacement', transform: 'passthrough' },
    { column: 'Horsepower', transform: 'passthrough' },
    { column: 'Weight_in_lbs', transform: 'passthrough' },
    { column: 'Acceleration', transform: 'passthrough' },
    { column: 'Origin', transform: 'oneHot' },
  ]);
  const splits: Split[] = [];
  const widths = new Set<number>();
  let sizes = '';
  for (let r = 0; r < 5; r++) {
    const { train, test } = await jsonCase('cars.json', 'Miles_per_Gallon', SEED + r);
    const m = matrices(specs, without(train, 'Miles_per_Gallon'), without(test, 'Miles_per_Gallon'));
    splits.push({
      train: { x: m.train, y: labels(train, 'Miles_per_Gallon') },
      test: { x: m.test, y: labels(test, 'Miles_per_Gallon') },
      width: m.features.width,
    });
    widths.add(m.features.width);
    sizes = `${train.rowCount} train / ${test.rowCount} test rows`;
  }
  cases.push({
    name: 'cars',
    task: 'regression',
    splits,
    classes: 0,
    params: { ...PARAMS, minSamplesLeaf: 10 },
    repeats: 5,
    describe: `${sizes} per split, ${[...widths].join('/')} columns`,
  });
}

function quality(task: Task, p: Float64Array, y: Float32Array, k: number): number {
  if (task === 'binary') return rocAuc(p, y);
  if (task === 'regression') {
    let s = 0;
    for (let i = 0; i < y.length; i++) s += (p[i]! - y[i]!) ** 2;
    return Math.sqrt(s / y.length);
  }
  let f1 = 0;
  for (let c = 0; c < k; c++) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < y.length; i++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (p[i * k + j]! > p[i * k + best]!) best = j;
      if (best === c && y[i] === c) tp++;
      else if (best === c) fp++;
      else if (y[i] === c) fn++;
    }
    f1 += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  return f1 / k;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const metricName = { binary: 'ROC AUC', multiclass: 'macro-F1', regression: 'RMSE' } as const;
const results: Record<string, unknown>[] = [];
for (const c of cases) {
  // 2. Ours, single-threaded, fit timed; prediction on the test rows.
  const seconds = { slipway: [] as number[], sklearn: [] as number[], lightgbm: [] as number[] };
  // Quality per split (the mean is reported); a split fitted more than once is scored once.
  const scores = { slipway: [] as number[], sklearn: [] as number[], lightgbm: [] as number[] };
  let versions = { sklearn: '', lightgbm: '' };
  const dir = join(out, c.name);
  mkdirSync(dir, { recursive: true });
  const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  for (let r = 0; r < c.repeats; r++) {
    const split = c.splits[r % c.splits.length]!;
    const scored = r < c.splits.length;
    // 2. Ours (single-threaded), the fit timed; prediction on the test rows.
    const t = performance.now();
    const fit = await boost({
      task: c.task,
      x: split.train.x,
      width: split.width,
      y: split.train.y,
      units: c.task === 'multiclass' ? c.classes : 1,
      trainRows: Uint32Array.from({ length: split.train.y.length }, (_, i) => i),
      valRows: new Uint32Array(0),
      params: c.params,
      seed: SEED,
    });
    seconds.slipway.push((performance.now() - t) / 1000);
    if (scored) {
      const p = predictTrees(fit.trees, split.test.x, split.test.y.length, split.width);
      scores.slipway.push(quality(c.task, p, split.test.y, c.classes));
    }
    // 3. The peers on the identical matrices (raw little-endian float32 files).
    writeFileSync(join(dir, 'x_train.f32'), bytes(split.train.x));
    writeFileSync(join(dir, 'y_train.f32'), bytes(split.train.y));
    writeFileSync(join(dir, 'x_test.f32'), bytes(split.test.x));
    writeFileSync(
      join(dir, 'case.json'),
      JSON.stringify({ task: c.task, width: split.width, params: c.params }),
    );
    const which = r === 0 || c.name !== 'flight' ? ['sklearn', 'lightgbm'] : ['lightgbm'];
    const line = execFileSync(python, [join(here, 'peers.py'), dir, String(THREADS), which.join(',')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const o = JSON.parse(line.trim().split('\n').pop()!) as {
      sklearnSeconds?: number;
      lightgbmSeconds: number;
      sklearn: string;
      lightgbm: string;
    };
    versions = { sklearn: o.sklearn, lightgbm: o.lightgbm };
    for (const name of which as ('sklearn' | 'lightgbm')[]) {
      seconds[name].push(name === 'sklearn' ? o.sklearnSeconds! : o.lightgbmSeconds);
      if (!scored) continue;
      const b = readFileSync(join(dir, `pred_${name}.f64`));
      const p = new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
      scores[name].push(quality(c.task, p, split.test.y, c.classes));
    }
  }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const summary = (name: 'slipway' | 'sklearn' | 'lightgbm') => ({
    seconds: median(seconds[name]),
    quality: mean(scores[name]),
    fits: seconds[name].length,
  });
  const ours = summary('slipway');
  const sk = summary('sklearn');
  const lg = summary('lightgbm');
  const ratio = ours.seconds / lg.seconds;
  const delta = ours.quality - lg.quality;
  const qualityOk = c.task === 'regression' ? ours.quality <= lg.quality * 1.02 : delta >= -0.005;
  const result = {
    case: c.name,
    task: c.task,
    data: c.describe,
    metric: metricName[c.task],
    threads: { slipway: 1, peers: THREADS },
    slipway: ours,
    sklearn: { ...sk, version: versions.sklearn },
    lightgbm: { ...lg, version: versions.lightgbm },
    timeRatioVsLightgbm: ratio,
    timeRatioVsSklearn: ours.seconds / sk.seconds,
    qualityDeltaVsLightgbm: delta,
    qualityTargetMet: qualityOk,
    timeTargetMet: ratio <= 2,
  };
  results.push(result);
  const q = (v: number) => v.toFixed(4);
  console.log(
    `\n${c.name} (${c.task}, ${metricName[c.task]}): ${c.describe}; ${THREADS === 1 ? '1 thread for every tool' : `${THREADS} threads for the peers, 1 for slipway (single-threaded)`}; time: median of ${c.repeats} fits${c.name === 'flight' ? ' (scikit-learn: 1)' : ''}${c.splits.length > 1 ? `; quality: mean over ${c.splits.length} splits` : ''}`,
  );
  console.log(
    `  slipway            ${ours.seconds.toFixed(3).padStart(8)} s   ${metricName[c.task]} ${q(ours.quality)}`,
  );
  console.log(
    `  sklearn ${versions.sklearn.padEnd(10)} ${sk.seconds.toFixed(3).padStart(8)} s   ${metricName[c.task]} ${q(sk.quality)}   slipway/sklearn time ${(ours.seconds / sk.seconds).toFixed(2)}×`,
  );
  console.log(
    `  lightgbm ${versions.lightgbm.padEnd(9)} ${lg.seconds.toFixed(3).padStart(8)} s   ${metricName[c.task]} ${q(lg.quality)}   slipway/lightgbm time ${ratio.toFixed(2)}×`,
  );
  console.log(
    `  vs LightGBM: Δ${metricName[c.task]} ${delta >= 0 ? '+' : ''}${q(delta)}${c.task === 'regression' ? ` (${((ours.quality / lg.quality - 1) * 100).toFixed(2)} %)` : ''} → quality target (${c.task === 'regression' ? 'RMSE ≤ +2 %' : '≥ −0.005'}) ${qualityOk ? 'met' : 'NOT met'}; time target (≤ 2×) ${ratio <= 2 ? 'met' : 'NOT met'}`,
  );
}
writeFileSync(join(out, 'summary.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\n(written to ${join(out, 'summary.json')})`);
