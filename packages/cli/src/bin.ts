#!/usr/bin/env node
// Checked before anything is imported: on an older Node the dependencies fail with raw stacks.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `error[NODE_TOO_OLD]: slipway needs Node 22 or newer; this is Node ${process.versions.node} (install Node 24 LTS: https://nodejs.org)\n`,
  );
  process.exit(2);
}
const { main } = await import('./main.js');
process.exitCode = await main(process.argv.slice(2));
