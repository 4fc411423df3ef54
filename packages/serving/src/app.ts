/** What the request handlers share: the served deployments, their controllers, limits and sinks. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SlipwayConfig } from '@slipway/core';
import type { Admission } from './admission.js';
import type { TokenSet } from './http/auth.js';
import type { ServingMetrics } from './metrics.js';
import type { PredictionLog } from './prediction-log.js';
import type { RolloutController, RolloutEvent } from './rollout/controller.js';
import type { RolloutGuard } from './rollout/guard.js';
import type { Deployment } from './router/deployment.js';
import type { LoadedSource } from './slot.js';

export type ServingConfig = SlipwayConfig['serving'];

export interface App {
  cfg: ServingConfig;
  deployments: Map<string, Deployment>;
  controllers: Map<string, RolloutController>;
  metrics: ServingMetrics;
  predictionLog: PredictionLog | null;
  admission: Admission;
  /** Inference (and /metrics) bearer tokens; null: inference is open. */
  inferenceTokens: TokenSet | null;
  adminTokens: TokenSet | null;
  /** Policy check for admin actions that move traffic; null: the embedding program trusts its callers. */
  rolloutGuard: RolloutGuard | null;
  load(source: string): Promise<LoadedSource>;
  onEvent?: (event: RolloutEvent) => void | Promise<void>;
  warn(message: string): void;
  isClosing(): boolean;
}

/** One request: its parsed target (path segments already decoded) and start time. */
export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  t0: number;
  method: string;
  url: URL;
  parts: string[];
  /** Metrics label of the endpoint family: infer, predict, admin, health, metrics, other. */
  endpoint: string;
  /** Served model named by the path, when there is one. */
  model: string | null;
}
