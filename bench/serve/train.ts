/**
 * Trains the benchmark's model package with @slipway/training (the synthetic fixture project: 4 raw
 * inputs incl. a timestamp, standardize/minmax/one-hot/cyclical datetime features, an MLP).
 * argv: <outdir>. Bundled and run by build.ts.
 */
import { rm } from 'node:fs/promises';
import { train } from '@slipway/training';
import { makeProject } from '../../packages/training/src/project.fixture.ts';

const out = process.argv[2] as string;
const project = await makeProject({
  config: {
    model: { task: 'binary', type: 'mlp', hidden: [32, 16] },
    training: { backend: 'cpu', epochs: 3, batchSize: 32, seed: 5, validationSplit: 0.2 },
  },
});
const result = await train({ loaded: await project.load(), outDir: out });
await rm(project.dir, { recursive: true, force: true });
process.stdout.write(`${result.packageDir}\n`);
