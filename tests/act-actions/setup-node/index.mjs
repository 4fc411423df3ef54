import { appendFileSync } from 'node:fs';

const { env } = process;

const want = env['INPUT_NODE-VERSION'] ?? env.INPUT_NODE_VERSION ?? '';
const have = process.versions.node;
// Stricter than setup-node (which falls back to the Node on PATH): the Slipway workflows always pass a
// version, so an empty one means an input was not wired through.
if (want.split('.')[0] !== have.split('.')[0]) {
  console.log(`::error::node-version ${want} requested, the runner has ${have}`);
  process.exit(1);
}
appendFileSync(env.GITHUB_OUTPUT, `node-version=v${have}\n`);
console.log(`node v${have}`);
