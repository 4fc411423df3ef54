// bench/train: the same MLP (64-32, ReLU, Adam, batch 512, 5 epochs) on the flight-delay training split
// (Jan–Mar 2001 from vega-datasets flights-3m.parquet), Slipway on the wasm backend vs PyTorch on the CPU,
// both fed the identical feature matrix and validation rows. Also Slipway wasm vs cpu, and a profile of
// where Slipway's training time goes.
//
//   bash bench/train/setup.sh                      # once: .venv-bench with torch 2.13.0
//   pnpm --filter @slipway/training build          # the bench runs the built package
//   node bench/train/run.ts [--rows N]              # N: cap on training rows (default: all ≈1.48M)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { configSchema, silentProgress } from '@slipway/core';
import { connect, readTable, sqlString } from '@slipway/data';
import { applyFeatures, buildModel, fitFeatures, selectBackend, trainModel } from '@slipway/training';

const here = dirname(new URL(import.meta.url).pathname);
const root = resolve(here, '../..');
const out = join(root, 'bench', 'results', 'train');
mkdirSync(out, { recursive: true });
const { values: args } = parseArgs({ options: { rows: { type: 'string' } } });

const EPOCHS = 5;
const BATCH = 512;
const SEED = 42;

// 1. The training split, built here with DuckDB from the parquet file the example uses.
const flights = join(
  dirname(dirname(createRequire(join(root, 'apps/flight-delay/package.json')).resolve('vega-datasets'))),
  'data',
  'flights-3m.parquet',
);
const split = join(out, 'train.parquet');
if (!existsSync(split)) {
  const c = await connect();
  await c.run(`COPY (
      SELECT CAST(hour(date) AS INTEGER) AS hour, CAST(dayofweek(date) AS INTEGER) AS day_of_week,
             CAST(month(date) AS INTEGER) AS month, CAST(distance AS INTEGER) AS distance, origin, destination,
             CAST(delay > 15 AS INTEGER) AS delayed
      FROM read_parquet(${sqlString(flights)})
      WHERE date >= TIMESTAMP '2001-01-01' AND date < TIMESTAMP '2001-04-01'
      ORDER BY date, origin, destination, distance, delay)
    TO ${sqlString(split)} (FORMAT parquet)`);
  c.closeSync();
}

// 2. Features exactly as Slipway fits them (on the training rows only), one Float32 matrix.
const config = configSchema.parse({
  project: { name: 'bench' },
  data: { train: split, eval: split, label: 'delayed' },
  features: [
    { column: 'hour', transform: 'oneHot' },
    { column: 'day_of_week', transform: 'oneHot' },
    { column: 'month', transform: 'oneHot' },
    { column: 'distance', transform: 'standardize' },
    { column: 'origin', transform: 'oneHot', maxVocab: 100 },
    { column: 'destination', transform: 'oneHot', maxVocab: 100 },
  ],
  model: { task: 'binary', type: 'mlp', hidden: [64, 32], activation: 'relu' },
  training: {
    backend: 'wasm',
    epochs: EPOCHS,
    batchSize: BATCH,
    learningRate: 0.001,
    seed: SEED,
    validationSplit: 0.1,
  },
});
const cap = args.rows ? Number(args.rows) : undefined;
const t0 = performance.now();
const table = await readTable(split, cap ? { sampleRows: cap, seed: SEED } : {});
const n = table.rowCount;
const order = Uint32Array.from({ length: n }, (_, i) => i);
// Seeded split (same generator family the trainer uses), 10 % validation.
let s = SEED >>> 0;
const rng = () => {
  s = (s + 0x6d2b79f5) >>> 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
for (let i = n - 1; i > 0; i--) {
  const j = Math.floor(rng() * (i + 1));
  [order[i], order[j]] = [order[j]!, order[i]!];
}
const nVal = Math.floor(n * 0.1);
const valRows = order.slice(n - nVal).sort();
const trainRows = order.slice(0, n - nVal).sort();
const features = fitFeatures(config.features, table, trainRows, split);
const { matrix, width } = applyFeatures(features, table);
const label = table.columns.find((c) => c.name === 'delayed')!;
const y = Float32Array.from(label.values as Float64Array);
const prepMs = performance.now() - t0;
console.log(
  `data: ${n.toLocaleString('en-US')} rows (${trainRows.length.toLocaleString('en-US')} train, ${nVal.toLocaleString('en-US')} validation), ${width} features; read + fit + matrix ${(prepMs / 1000).toFixed(1)} s`,
);

// The identical inputs for PyTorch: raw little-endian float32/int32 files.
writeFileSync(join(out, 'x.f32'), new Uint8Array(matrix.buffer, matrix.byteOffset, matrix.byteLength));
writeFileSync(join(out, 'y.f32'), new Uint8Array(y.buffer));
writeFileSync(join(out, 'train.i32'), new Uint8Array(Int32Array.from(trainRows).buffer));
writeFileSync(join(out, 'val.i32'), new Uint8Array(Int32Array.from(valRows).buffer));

async function slipway(backend: 'wasm' | 'cpu', rows: Uint32Array, epochs: number) {
  await selectBackend(backend);
  const model = buildModel({ model: config.model, inputWidth: width, classes: [0, 1], seed: SEED });
  const started = performance.now();
  const result = await trainModel({
    model,
    task: 'binary',
    x: matrix,
    width,
    y,
    trainRows: rows,
    valRows,
    units: 1,
    training: { ...config.training, epochs },
    classWeights: null,
    progress: silentProgress,
  });
  const wallMs = performance.now() - started;
  return { model, result, wallMs };
}

// 3. Slipway on wasm: the full run.
const wasm = await slipway('wasm', trainRows, EPOCHS);
const ours = {
  samplesPerSecond: wasm.result.samplesPerSecond,
  auc: wasm.result.metrics.val_auc!,
  wallSeconds: wasm.wallMs / 1000,
};
console.log(
  `slipway wasm : ${Math.round(ours.samplesPerSecond).toLocaleString('en-US')} samples/s, val AUC ${ours.auc.toFixed(4)} (${ours.wallSeconds.toFixed(1)} s incl. per-epoch validation)`,
);

// 4. PyTorch on the CPU, same matrix, same split.
const python = join(root, '.venv-bench', 'bin', 'python');
if (!existsSync(python)) throw new Error('run bash bench/train/setup.sh first');
const torchOut = execFileSync(
  python,
  [join(here, 'torch_mlp.py'), out, String(n), String(width), String(EPOCHS), String(BATCH), String(SEED)],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
);
const torch = JSON.parse(torchOut.trim().split('\n').pop()!) as {
  samplesPerSecond: number;
  auc: number;
  threads: number;
  version: string;
};
console.log(
  `pytorch cpu  : ${Math.round(torch.samplesPerSecond).toLocaleString('en-US')} samples/s, val AUC ${torch.auc.toFixed(4)} (torch ${torch.version}, ${torch.threads} threads)`,
);

// 5. wasm vs cpu backend: one epoch on the first 100,000 training rows each.
const sub = trainRows.slice(0, Math.min(100_000, trainRows.length));
const wasmSub = await slipway('wasm', sub, 1);
const cpuSub = await slipway('cpu', sub, 1);
wasmSub.model.dispose();
cpuSub.model.dispose();

// 6. Profile: batch gathering (JavaScript) vs tfjs kernels, per kernel, on wasm.
await selectBackend('wasm');
const tf = await import(
  createRequire(join(root, 'packages/training/package.json')).resolve('@tensorflow/tfjs')
);
const gatherStart = performance.now();
const xBuf = new Float32Array(BATCH * width);
for (let start = 0; start + BATCH <= trainRows.length; start += BATCH) {
  for (let r = 0; r < BATCH; r++) {
    const i = trainRows[start + r]!;
    xBuf.set(matrix.subarray(i * width, (i + 1) * width), r * width);
  }
}
const gatherPerEpochMs = performance.now() - gatherStart;
const epochMs = (trainRows.length / ours.samplesPerSecond) * 1000;
const kernels = new Map<string, number>();
const optimizer = tf.train.adam(0.001);
const vars = wasm.model.trainableWeights.map((w: { read(): unknown }) => w.read());
const steps = 50;
const profile = await tf.profile(() => {
  for (let k = 0; k < steps; k++) {
    tf.tidy(() => {
      const xs = tf.tensor2d(xBuf, [BATCH, width]);
      const ys = tf.tensor1d(y.subarray(0, BATCH));
      optimizer.minimize(
        () => tf.losses.logLoss(ys, tf.reshape(wasm.model.apply(xs, { training: true }), [BATCH])),
        false,
        vars,
      );
    });
  }
});
for (const k of profile.kernels as { name: string; kernelTimeMs: number }[])
  kernels.set(k.name, (kernels.get(k.name) ?? 0) + (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0));
const kernelTotal = [...kernels.values()].reduce((a, b) => a + b, 0);
const top = [...kernels].sort((a, b) => b[1] - a[1]).slice(0, 6);

const ratio = torch.samplesPerSecond / ours.samplesPerSecond;
const summary = {
  rows: n,
  width,
  epochs: EPOCHS,
  batch: BATCH,
  slipwayWasm: ours,
  pytorchCpu: torch,
  pytorchOverSlipway: ratio,
  aucDifference: Math.abs(ours.auc - torch.auc),
  wasmVsCpu: {
    rows: sub.length,
    wasmSamplesPerSecond: wasmSub.result.samplesPerSecond,
    cpuSamplesPerSecond: cpuSub.result.samplesPerSecond,
    wasmOverCpu: wasmSub.result.samplesPerSecond / cpuSub.result.samplesPerSecond,
  },
  profile: {
    gatherShareOfEpoch: gatherPerEpochMs / epochMs,
    kernelMsPerStep: kernelTotal / steps,
    stepMsMeasured: (BATCH / ours.samplesPerSecond) * 1000,
    topKernels: top.map(([name, ms]) => ({ name, share: ms / kernelTotal })),
  },
};
writeFileSync(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
console.log('');
console.log(`PyTorch / Slipway(wasm) throughput: ${ratio.toFixed(2)}× (target ≤ 3×)`);
console.log(
  `validation AUC: slipway ${ours.auc.toFixed(4)} vs pytorch ${torch.auc.toFixed(4)} (|Δ| ${summary.aucDifference.toFixed(4)}, must be ≤ 0.01)`,
);
console.log(
  `wasm vs cpu backend (1 epoch, ${sub.length.toLocaleString('en-US')} rows): ${Math.round(summary.wasmVsCpu.wasmSamplesPerSecond).toLocaleString('en-US')} vs ${Math.round(summary.wasmVsCpu.cpuSamplesPerSecond).toLocaleString('en-US')} samples/s → wasm ${summary.wasmVsCpu.wasmOverCpu.toFixed(1)}× faster`,
);
console.log(
  `profile (wasm): batch gathering ${(summary.profile.gatherShareOfEpoch * 100).toFixed(1)} % of an epoch; tfjs kernels ${summary.profile.kernelMsPerStep.toFixed(2)} ms of a ${summary.profile.stepMsMeasured.toFixed(2)} ms step; top kernels: ${summary.profile.topKernels.map((k) => `${k.name} ${(k.share * 100).toFixed(0)} %`).join(', ')}`,
);
console.log(`(written to ${join(out, 'summary.json')})`);
