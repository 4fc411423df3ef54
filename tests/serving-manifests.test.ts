/**
 * `deploy manifests` output checked twice: by kubernetes-models' own validation (at build time) and here
 * against the upstream Argo Rollouts CRD schemas (vendored unchanged in tests/vendor/argo-rollouts, see its README).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configSchema } from '@slipway/core';
import { buildManifests, promQuery } from '@slipway/serving';
import { Ajv } from 'ajv';
import formats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const SCHEMAS = join(import.meta.dirname, 'vendor', 'argo-rollouts');

function crdValidator(file: string) {
  const crd = parse(readFileSync(join(SCHEMAS, file), 'utf8')) as {
    spec: { versions: { name: string; schema: { openAPIV3Schema: object } }[] };
  };
  const schema = crd.spec.versions.find((v) => v.name === 'v1alpha1')?.schema.openAPIV3Schema;
  const ajv = new Ajv({ strict: false, allErrors: true });
  // ajv-formats is CommonJS: its function is the default export, or that export's own default.
  const addFormats = ((formats as unknown as { default?: typeof formats }).default ?? formats) as unknown as (
    a: Ajv,
  ) => void;
  addFormats(ajv);
  // Kubernetes' int-or-string fields: accept both, as the API server does.
  ajv.addKeyword({
    keyword: 'x-kubernetes-int-or-string',
    validate: (_: unknown, data: unknown) => typeof data === 'number' || typeof data === 'string',
  });
  return ajv.compile(schema as object);
}

const serving = configSchema.shape.serving.unwrap().parse({
  rollout: {
    steps: [
      { setWeight: 10 },
      { pause: { duration: '2m' } },
      {
        analysis: {
          interval: '30s',
          count: 5,
          failureLimit: 1,
          metrics: [
            { name: 'error_rate', successCondition: 'result < 0.01', failureCondition: 'result >= 0.05' },
            { name: 'latency_p99', failureCondition: 'result > 250' },
            { name: 'prediction_drift', failureCondition: 'result > 0.2' },
          ],
        },
      },
      { setWeight: 50 },
      { pause: {} },
      { analysis: { metrics: [{ name: 'latency_p99_ratio', failureCondition: 'result > 1.5' }] } },
      { setWeight: 100 },
    ],
  },
});

describe('deploy manifests', () => {
  const m = buildManifests({
    name: 'flight-delay',
    modelSource: 'models:/flight-delay@champion',
    config: serving,
    namespace: 'ml',
  });
  const docs = m.yaml
    .split(/^---$/m)
    .map((d) => parse(d) as { kind: string; metadata: { name: string }; spec: Record<string, unknown> });

  it('emits Deployment, Services, the inference-token Secret, Rollout and one AnalysisTemplate per analysis step', () => {
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'Deployment/flight-delay',
      'Service/flight-delay',
      'Service/flight-delay-canary',
      'Secret/flight-delay-inference',
      'Rollout/flight-delay',
      'AnalysisTemplate/flight-delay-analysis-2',
      'AnalysisTemplate/flight-delay-analysis-5',
    ]);
    // The pods read the inference tokens from that Secret; without tokens given it is emitted empty.
    const env = JSON.stringify(docs[0]);
    expect(env).toContain(
      '"name":"SLIPWAY_INFERENCE_TOKENS","valueFrom":{"secretKeyRef":{"name":"flight-delay-inference","key":"tokens","optional":true}}',
    );
    expect((docs[3] as unknown as { stringData?: unknown }).stringData).toBeUndefined();
    const withTokens = buildManifests({
      name: 'x',
      modelSource: 'models:/x@champion',
      config: serving,
      inferenceTokens: 'app:t0k3n',
    });
    expect(withTokens.yaml).toMatch(/stringData:\n {2}tokens: app:t0k3n/);
  });

  it('emits the safe default rollout (10% → analysis → 50% → analysis → 100%) when no steps are configured', () => {
    const d = buildManifests({
      name: 'y',
      modelSource: 'models:/y@champion',
      config: configSchema.shape.serving.unwrap().parse({}),
    });
    const rollout = d.objects.find((o) => o.kind === 'Rollout')?.toJSON() as {
      spec: { strategy: { canary: { steps: unknown[] } } };
    };
    expect(rollout.spec.strategy.canary.steps.map((s) => Object.keys(s as object)[0])).toEqual([
      'setWeight',
      'analysis',
      'setWeight',
      'analysis',
      'setWeight',
    ]);
  });

  it('validates the Rollout against the upstream CRD schema, steps as configured', () => {
    const validate = crdValidator('rollout-crd.yaml');
    const rollout = docs.find((d) => d.kind === 'Rollout');
    const ok = validate(rollout);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    const steps = (rollout?.spec.strategy as { canary: { steps: unknown[] } } | undefined)?.canary.steps;
    expect(steps).toEqual([
      { setWeight: 10 },
      { pause: { duration: '120s' } },
      {
        analysis: {
          templates: [{ templateName: 'flight-delay-analysis-2' }],
          args: [
            { name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } },
            { name: 'stable-hash', valueFrom: { podTemplateHashValue: 'Stable' } },
          ],
        },
      },
      { setWeight: 50 },
      { pause: {} },
      expect.objectContaining({
        analysis: expect.objectContaining({ templates: [{ templateName: 'flight-delay-analysis-5' }] }),
      }),
      { setWeight: 100 },
    ]);
  });

  it('validates the AnalysisTemplates against the upstream CRD schema, querying our metric names', () => {
    const validate = crdValidator('analysis-template-crd.yaml');
    for (const t of docs.filter((d) => d.kind === 'AnalysisTemplate')) {
      const ok = validate(t);
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    }
    const first = docs.find((d) => d.metadata.name === 'flight-delay-analysis-2') as
      | { spec: { metrics: Record<string, unknown>[] } }
      | undefined;
    const err = first?.spec.metrics[0] as {
      successCondition: string;
      failureCondition: string;
      failureLimit: number;
      count: number;
      interval: string;
      provider: { prometheus: { query: string } };
    };
    expect(err.successCondition).toBe('result[0] < 0.01');
    expect(err.failureCondition).toBe('result[0] >= 0.05');
    expect(err).toMatchObject({ failureLimit: 1, count: 5, interval: '30s' });
    expect(err.provider.prometheus.query).toBe(promQuery('error_rate', 'flight-delay', '2m'));
    expect(err.provider.prometheus.query).toMatch(
      /slipway_requests_total\{model="flight-delay",rollouts_pod_template_hash="\{\{args.canary-hash\}\}",code=~"5.."\}/,
    );
  });

  it('is refused by the CRD schema when a step is malformed (the check can fail)', () => {
    const validate = crdValidator('rollout-crd.yaml');
    const rollout = structuredClone(docs.find((d) => d.kind === 'Rollout')) as unknown as {
      spec: { strategy: { canary: { steps: unknown[] } } };
    };
    rollout.spec.strategy.canary.steps.push({ setWeight: 'half' });
    expect(validate(rollout)).toBe(false);
  });
});
