// JSON Schema (2020-12) documents for the reports this module writes, so other tools can check them.
import { DRIFT_REPORT_SCHEMA, PROFILE_SCHEMA } from './version.js';

const num = { type: 'number' } as const;
const nonNeg = { type: 'number', minimum: 0 } as const;
const str = { type: 'string' } as const;
const method = { enum: ['ks', 'chisquare', 'z', 'wasserstein', 'jensenshannon', 'psi'] } as const;

export const driftReportJsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://slipway.dev/schemas/drift-report.v1.json',
  title: 'Slipway drift report',
  type: 'object',
  required: [
    'schema',
    'drifted',
    'share',
    'shareThreshold',
    'driftedCount',
    'testedCount',
    'reference',
    'current',
    'columns',
    'missingColumns',
    'newColumns',
    'skipped',
  ],
  properties: {
    schema: { const: DRIFT_REPORT_SCHEMA },
    drifted: { type: 'boolean' },
    share: { type: 'number', minimum: 0, maximum: 1 },
    shareThreshold: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
    driftedCount: { type: 'integer', minimum: 0 },
    testedCount: { type: 'integer', minimum: 0 },
    reference: { type: 'object', required: ['source', 'rows'], properties: { source: str, rows: nonNeg } },
    current: { type: 'object', required: ['source', 'rows'], properties: { source: str, rows: nonNeg } },
    missingColumns: { type: 'array', items: str },
    newColumns: { type: 'array', items: str },
    skipped: {
      type: 'array',
      items: { type: 'object', required: ['column', 'reason'], properties: { column: str, reason: str } },
    },
    columns: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'column',
          'kind',
          'method',
          'methodSource',
          'statistic',
          'scoreType',
          'threshold',
          'drifted',
          'psi',
          'referenceCount',
          'currentCount',
          'distinctValues',
          'approximate',
          'histogram',
          'notes',
        ],
        properties: {
          column: str,
          kind: { enum: ['numerical', 'categorical'] },
          method,
          methodSource: str,
          statistic: num,
          scoreType: { enum: ['p_value', 'distance'] },
          threshold: num,
          drifted: { type: 'boolean' },
          testStatistic: { type: ['number', 'null'] },
          psi: num,
          referenceCount: nonNeg,
          currentCount: nonNeg,
          distinctValues: { type: ['integer', 'null'] },
          approximate: { type: 'boolean' },
          errorBound: nonNeg,
          jensenShannon: {
            type: 'object',
            required: ['quantity', 'logBase'],
            properties: { quantity: { const: 'distance' }, logBase: { const: 'e' } },
          },
          histogram: {
            type: 'object',
            required: ['labels', 'reference', 'current'],
            properties: {
              labels: { type: 'array', items: str },
              edges: { type: 'array', items: num },
              reference: { type: 'array', items: nonNeg },
              current: { type: 'array', items: nonNeg },
            },
          },
          notes: { type: 'array', items: str },
        },
      },
    },
  },
} as const;

export const profileJsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://slipway.dev/schemas/profile.v1.json',
  title: 'Slipway dataset profile',
  type: 'object',
  required: ['schema', 'rowCount', 'sources', 'sketch', 'columns'],
  properties: {
    schema: { const: PROFILE_SCHEMA },
    rowCount: nonNeg,
    sources: { type: 'array', items: str },
    sketch: {
      type: 'object',
      required: ['quantileK', 'hllLgK', 'exactDistinctLimit', 'frequentK'],
      properties: { quantileK: nonNeg, hllLgK: nonNeg, exactDistinctLimit: nonNeg, frequentK: nonNeg },
    },
    columns: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'name',
          'kind',
          'sqlType',
          'count',
          'nullCount',
          'nanCount',
          'posInfCount',
          'negInfCount',
          'distinct',
          'frequent',
        ],
        properties: {
          name: str,
          kind: { enum: ['number', 'string', 'boolean', 'timestamp'] },
          sqlType: str,
          count: nonNeg,
          nullCount: nonNeg,
          nanCount: nonNeg,
          posInfCount: nonNeg,
          negInfCount: nonNeg,
          distinct: {
            type: 'object',
            required: ['estimate', 'exact', 'hll'],
            properties: { estimate: nonNeg, exact: { type: 'boolean' }, hll: str },
          },
          frequent: {
            oneOf: [
              { type: 'null' },
              {
                type: 'object',
                required: ['exact', 'error', 'items'],
                properties: {
                  exact: { type: 'boolean' },
                  error: nonNeg,
                  items: {
                    type: 'array',
                    items: {
                      type: 'array',
                      prefixItems: [{ type: ['string', 'number'] }, nonNeg],
                      minItems: 2,
                      maxItems: 2,
                    },
                  },
                },
              },
            ],
          },
          numeric: {
            type: 'object',
            required: ['count', 'mean', 'm2', 'variance', 'std', 'min', 'max', 'quantiles'],
            properties: {
              count: nonNeg,
              mean: num,
              m2: nonNeg,
              variance: nonNeg,
              std: nonNeg,
              min: { type: ['number', 'null'] },
              max: { type: ['number', 'null'] },
              quantiles: {
                type: 'object',
                required: ['k', 'n', 'rankError', 'levels', 'compactions'],
                properties: {
                  k: nonNeg,
                  n: nonNeg,
                  rankError: nonNeg,
                  levels: { type: 'array', items: { type: 'array', items: num } },
                  compactions: { type: 'array', items: nonNeg },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

/** The JSON Schemas of the documents written by `slipway data …`, keyed by file name. */
export function dataQualityJsonSchemas(): Record<string, unknown> {
  return {
    'drift-report.v1.json': driftReportJsonSchema,
    'profile.v1.json': profileJsonSchema,
  };
}
