import { z } from 'zod';
import { evalReportHeaderSchema } from './eval-report.js';
import { lineageSchema } from './lineage.js';
import { modelPackageManifestSchema } from './model-package.js';
import { policySchema } from './policy.js';

/** JSON Schema (2020-12) documents of the shared types, keyed by their file name under schemas/. */
export function jsonSchemas(): Record<string, unknown> {
  const doc = (id: string, schema: z.ZodType) => ({
    $id: `https://slipway.dev/schemas/${id}`,
    ...z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }),
  });
  return {
    'lineage.v1.json': doc('lineage.v1.json', lineageSchema),
    'model-package.v1.json': doc('model-package.v1.json', modelPackageManifestSchema),
    'eval-report-header.v1.json': doc('eval-report-header.v1.json', evalReportHeaderSchema),
    'policy.v1.json': doc('policy.v1.json', policySchema),
  };
}
