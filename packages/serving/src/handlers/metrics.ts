/** GET /metrics: Prometheus text; behind the inference tokens when those are on (serving.auth.metrics). */
import type { App, Ctx } from '../app.js';
import { authenticate } from '../http/auth.js';

export async function metricsText(app: App, ctx: Ctx): Promise<void> {
  if (app.inferenceTokens && app.cfg.auth.metrics) {
    authenticate(
      ctx.req,
      app.inferenceTokens,
      '/metrics',
      'use a token from serving.auth (tokenEnv or tokenFile)',
    );
  }
  const text = await app.metrics.registry.metrics();
  ctx.res.writeHead(200, { 'content-type': app.metrics.registry.contentType });
  ctx.res.end(text);
}
