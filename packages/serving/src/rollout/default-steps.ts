/**
 * The rollout used when serving.rollout.steps is empty: a real canary, never an instant switch.
 * 10 % of traffic, three measurements 30 s apart, 50 %, three more, then 100 % (the canary becomes
 * stable). A canary fails when more than 1 % of its requests fail or its per-row p99 latency is more
 * than twice stable's.
 */
import type { RolloutStep } from '@slipway/core';

const analysis: RolloutStep = {
  analysis: {
    interval: '30s',
    count: 3,
    failureLimit: 0,
    inconclusiveLimit: 0,
    consecutiveErrorLimit: 4,
    metrics: [
      { name: 'error_rate', failureCondition: 'result > 0.01' },
      { name: 'latency_p99_ratio', failureCondition: 'result > 2' },
    ],
  },
};

export const DEFAULT_ROLLOUT_STEPS: readonly RolloutStep[] = [
  { setWeight: 10 },
  analysis,
  { setWeight: 50 },
  analysis,
  { setWeight: 100 },
];

/** The configured steps, or the safe default when none are configured. */
export function rolloutSteps(configured: RolloutStep[]): RolloutStep[] {
  return configured.length > 0 ? configured : (structuredClone(DEFAULT_ROLLOUT_STEPS) as RolloutStep[]);
}
