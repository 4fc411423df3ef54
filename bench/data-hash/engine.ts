// `slipway data add|status` without the CLI: a fresh Node process that loads only the versioning
// engine of @slipway/data (built). The CLI runs the same functions; this isolates them from the
// start-up cost of every other command group the CLI imports.
// Usage: node bench/data-hash/engine.ts <add|status> <path...>   (in the project directory)
import { resolve } from 'node:path';

const engine = resolve(import.meta.dirname, '..', '..', 'packages', 'data', 'dist', 'versioning', 'index.js');
const { addPaths, dataStatus } = (await import(
  engine
)) as typeof import('../../packages/data/src/versioning/index.ts');
const [verb, ...paths] = process.argv.slice(2);
const cwd = process.cwd();
if (verb === 'add') {
  const r = await addPaths(paths, { cwd });
  console.log(JSON.stringify(r.results.map((x) => ({ path: x.path, md5: x.md5, hashed: x.hashed }))));
} else if (verb === 'status') {
  const r = await dataStatus(paths, { cwd });
  console.log(JSON.stringify(r.entries.map((e) => ({ path: e.path, state: e.state }))));
  process.exitCode = r.clean ? 0 : 1;
} else {
  console.error('usage: engine.ts <add|status> <path...>');
  process.exitCode = 2;
}
