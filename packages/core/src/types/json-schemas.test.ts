import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { jsonSchemas } from './json-schemas.js';

describe('published JSON schemas', () => {
  it('match the zod types (run `pnpm --filter @slipway/core schemas` after changing a type)', async () => {
    for (const [file, schema] of Object.entries(jsonSchemas())) {
      const committed = JSON.parse(await readFile(new URL(`../../schemas/${file}`, import.meta.url), 'utf8'));
      expect(committed, file).toEqual(JSON.parse(JSON.stringify(schema)));
    }
  });
});
