// Package loader for the prediction workers in tests/serving-rollout-attack.test.ts: real packages from
// @slipway/training's build, made slow or fragile inside the worker thread by the name of their
// directory, as a heavy or buggy model would be (`…-slow`: 400 ms of CPU per call; `…-fragile`:
// fails on calls of more than 1,000 rows).
import { basename } from 'node:path';
import { loadModelPackage as load, selectBackend } from '../../packages/training/dist/index.js';

export { selectBackend };

export async function loadModelPackage(dir) {
  const pkg = await load(dir);
  const predict = pkg.predictRows.bind(pkg);
  if (basename(dir).endsWith('-slow')) {
    pkg.predictRows = async (rows) => {
      const until = Date.now() + 400;
      while (Date.now() < until) {}
      return predict(rows);
    };
  }
  if (basename(dir).endsWith('-fragile')) {
    pkg.predictRows = async (rows) => {
      if (rows.length > 1000) throw new Error(`out of memory on a ${rows.length}-row batch`);
      return predict(rows);
    };
  }
  return pkg;
}
