import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { driftReport } from './drift.js';
import { driftReportJsonSchema, profileJsonSchema } from './json-schema.js';
import { profileTable } from './profile.js';
import { normal, numberColumn, rng, stringColumn, table } from './test-helpers.js';

function data(n: number, seed: number, shift: number) {
  const r = rng(seed);
  return table(
    numberColumn(
      'x',
      Array.from({ length: n }, (_, i) => (i % 97 === 0 ? null : normal(r, shift))),
    ),
    stringColumn(
      'c',
      Array.from({ length: n }, () => (r() < 0.3 + shift / 5 ? 'a' : 'b')),
    ),
  );
}

describe('JSON Schemas of the written documents', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });

  it('accept real drift reports and profiles (after a JSON round trip) and reject a broken one', async () => {
    const validReport = ajv.compile(driftReportJsonSchema);
    const validProfile = ajv.compile(profileJsonSchema);
    for (const [n, shift] of [
      [500, 0],
      [3000, 1],
    ] as const) {
      const ref = profileTable(data(n, 1, 0));
      const report = JSON.parse(
        JSON.stringify(await driftReport({ reference: ref, current: data(n, 2, shift) })),
      );
      expect(validReport(report), JSON.stringify(validReport.errors)).toBe(true);
      expect(validProfile(JSON.parse(JSON.stringify(ref))), JSON.stringify(validProfile.errors)).toBe(true);
      report.columns[0].method = 'magic';
      expect(validReport(report)).toBe(false);
    }
  });
});
