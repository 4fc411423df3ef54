/**
 * `slipway deploy manifests`: the same rollout for a cluster. A Deployment holds the pod template, an
 * Argo Rollouts `Rollout` references it (workloadRef) and runs the configured steps, two Services
 * select stable and canary pods, and one `AnalysisTemplate` per analysis step queries Prometheus for
 * our metric names. Everything is built with kubernetes-models and validated before it is returned.
 */

import { AnalysisTemplate, Rollout } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1';
import type { RolloutStep } from '@slipway/core';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Secret, Service } from 'kubernetes-models/v1';
import { stringify } from 'yaml';
import { parseDuration } from './duration.js';
import { METRIC_NAMES } from './metrics.js';
import { rolloutSteps } from './rollout/default-steps.js';
import type { ServingConfig } from './server.js';

export interface ManifestOptions {
  /** Model (and app) name: a DNS-1123 label. */
  name: string;
  /** What the container serves (a path inside the image or `models:/name@alias`). */
  modelSource: string;
  config: ServingConfig;
  /** Overrides serving.kubernetes.image. */
  image?: string;
  namespace?: string;
  /**
   * Inference bearer tokens (`name:token`, comma separated) to put into the Secret. Without them the
   * Secret is emitted empty, to be filled in the cluster (`kubectl create secret generic … --from-literal`).
   */
  inferenceTokens?: string;
}

export interface Manifests {
  objects: (Deployment | Service | Rollout | AnalysisTemplate | Secret)[];
  yaml: string;
}

const CANARY = '{{args.canary-hash}}';
const STABLE = '{{args.stable-hash}}';

/** Argo durations are strings like "30s"; ours may be a bare number of seconds or "250ms". */
function argoDuration(d: number | string): string {
  const ms = parseDuration(d);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${Math.max(1, Math.ceil(ms / 1000))}s`;
}

/** Prometheus answers a vector; Argo exposes it as a list, so a bare `result` means its first value. */
export function vectorCondition(expr: string): string {
  return expr.replace(/\bresult\b(?!\s*\[)/g, 'result[0]');
}

function sel(model: string, hash: string, extra = ''): string {
  return `{model="${model}",rollouts_pod_template_hash="${hash}"${extra}}`;
}

/** PromQL for one analysis metric, in the same units as the embedded controller (ms, ratios). */
export function promQuery(metric: string, model: string, window: string): string {
  const lat = (q: number, hash: string) =>
    `histogram_quantile(${q}, sum by (le) (rate(${METRIC_NAMES.requestDuration}_bucket${sel(model, hash)}[${window}]))) * 1000`;
  const cdf = (hash: string) =>
    `sum by (le) (rate(${METRIC_NAMES.predictionValue}_bucket${sel(model, hash)}[${window}])) / scalar(sum(rate(${METRIC_NAMES.predictionValue}_count${sel(model, hash)}[${window}])))`;
  switch (metric) {
    case 'error_rate':
      return `sum(rate(${METRIC_NAMES.requests}${sel(model, CANARY, ',code=~"5.."')}[${window}])) / sum(rate(${METRIC_NAMES.requests}${sel(model, CANARY)}[${window}]))`;
    case 'latency_p50':
      return lat(0.5, CANARY);
    case 'latency_p95':
      return lat(0.95, CANARY);
    case 'latency_p99':
      return lat(0.99, CANARY);
    case 'latency_p99_ratio':
      return `(${lat(0.99, CANARY)}) / (${lat(0.99, STABLE)})`;
    case 'prediction_drift':
      // Kolmogorov–Smirnov distance over the histogram's buckets: max |CDF canary − CDF stable|.
      return `max(abs((${cdf(CANARY)}) - (${cdf(STABLE)})))`;
    default:
      throw new Error(`unknown analysis metric ${metric}`);
  }
}

function validated<T extends { validate(): void }>(o: T): T {
  o.validate();
  return o;
}

export function buildManifests(options: ManifestOptions): Manifests {
  const { name, config } = options;
  const k = config.kubernetes;
  const namespace = options.namespace ?? k.namespace;
  const meta = (n: string) => ({
    name: n,
    ...(namespace ? { namespace } : {}),
    labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'slipway' },
  });
  const port = config.port;
  const selector = { 'app.kubernetes.io/name': name };
  const deployment = validated(
    new Deployment({
      metadata: meta(name),
      spec: {
        // The Rollout owns the pods (workloadRef); the Deployment only carries the template.
        replicas: 0,
        selector: { matchLabels: selector },
        template: {
          metadata: {
            labels: { ...selector },
            annotations: {
              'prometheus.io/scrape': 'true',
              'prometheus.io/port': String(port),
              'prometheus.io/path': '/metrics',
            },
          },
          spec: {
            terminationGracePeriodSeconds: 30,
            containers: [
              {
                name: 'serve',
                image: options.image ?? k.image,
                args: ['serve', options.modelSource, '--host', '0.0.0.0', '--port', String(port)],
                ports: [{ name: 'http', containerPort: port }],
                env: [
                  {
                    name: config.adminTokenEnv,
                    valueFrom: { secretKeyRef: { name: `${name}-admin`, key: 'token', optional: true } },
                  },
                  {
                    // Inference and /metrics tokens; required when serving.auth.required is set.
                    name: config.auth.tokenEnv,
                    valueFrom: {
                      secretKeyRef: {
                        name: `${name}-inference`,
                        key: 'tokens',
                        optional: !config.auth.required,
                      },
                    },
                  },
                ],
                readinessProbe: { httpGet: { path: '/v2/health/ready', port: 'http' }, periodSeconds: 5 },
                livenessProbe: { httpGet: { path: '/v2/health/live', port: 'http' }, periodSeconds: 10 },
                resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } },
              },
            ],
          },
        },
      },
    }),
  );
  const service = (n: string) =>
    validated(
      new Service({
        metadata: meta(n),
        spec: { selector: { ...selector }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
      }),
    );
  const templates: AnalysisTemplate[] = [];
  const args = [
    { name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } },
    { name: 'stable-hash', valueFrom: { podTemplateHashValue: 'Stable' } },
  ];
  const steps = rolloutSteps(config.rollout.steps).map((step: RolloutStep, i: number) => {
    if ('setWeight' in step) return { setWeight: step.setWeight };
    if ('pause' in step)
      return {
        pause: step.pause.duration === undefined ? {} : { duration: argoDuration(step.pause.duration) },
      };
    const a = step.analysis;
    const templateName = `${name}-analysis-${i}`;
    templates.push(
      validated(
        new AnalysisTemplate({
          metadata: meta(templateName),
          spec: {
            args: [{ name: 'canary-hash' }, { name: 'stable-hash' }],
            metrics: a.metrics.map((m) => ({
              name: m.name.replaceAll('_', '-'),
              interval: argoDuration(a.interval),
              count: a.count,
              failureLimit: a.failureLimit,
              inconclusiveLimit: a.inconclusiveLimit,
              consecutiveErrorLimit: a.consecutiveErrorLimit,
              ...(m.successCondition ? { successCondition: vectorCondition(m.successCondition) } : {}),
              ...(m.failureCondition ? { failureCondition: vectorCondition(m.failureCondition) } : {}),
              provider: {
                prometheus: { address: k.prometheusAddress, query: promQuery(m.name, name, k.window) },
              },
            })),
          },
        }),
      ),
    );
    return { analysis: { templates: [{ templateName }], args } };
  });
  const rollout = validated(
    new Rollout({
      metadata: meta(name),
      spec: {
        replicas: k.replicas,
        revisionHistoryLimit: 10,
        selector: { matchLabels: selector },
        workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name, scaleDown: 'progressively' },
        strategy: { canary: { canaryService: `${name}-canary`, stableService: name, steps } },
      },
    }),
  );
  const secret = validated(
    new Secret({
      metadata: {
        ...meta(`${name}-inference`),
        annotations: {
          'slipway.dev/usage': `bearer tokens for inference and /metrics (${config.auth.tokenEnv}): name:token pairs, comma separated`,
        },
      },
      type: 'Opaque',
      ...(options.inferenceTokens ? { stringData: { tokens: options.inferenceTokens } } : {}),
    }),
  );
  const objects = [deployment, service(name), service(`${name}-canary`), secret, rollout, ...templates];
  const yaml = objects.map((o) => stringify(o.toJSON(), { lineWidth: 0 })).join('---\n');
  return { objects, yaml };
}
