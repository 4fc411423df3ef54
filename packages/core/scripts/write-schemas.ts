// Regenerates schemas/*.json from the zod types: `pnpm --filter @slipway/core schemas`.
import { writeFileSync } from 'node:fs';
import { jsonSchemas } from '../dist/index.js';

for (const [file, schema] of Object.entries(jsonSchemas())) {
  writeFileSync(new URL(`../schemas/${file}`, import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);
  process.stderr.write(`wrote schemas/${file}\n`);
}
