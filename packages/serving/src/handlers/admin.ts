/**
 * The admin API (/admin/models…): rollout status, start, promote, abort, stable reload, shadow.
 * The actor is the admin token's name (never a request header); actions that move traffic pass the
 * rollout guard (policy, approvals, registered source) when the server has one.
 */
import { configSchema } from '@slipway/core';
import type { App, Ctx, ServingConfig } from '../app.js';
import { checkAdminToken } from '../http/auth.js';
import { parseJson, readBody } from '../http/body.js';
import { HttpError } from '../http/errors.js';
import { send } from '../http/respond.js';
import type { RolloutController } from '../rollout/controller.js';
import type { AdminAction } from '../rollout/guard.js';
import { modelMetadata } from './health.js';
import { getDeployment } from './inference.js';

const stepsSchema = configSchema.shape.serving.unwrap().shape.rollout.unwrap().shape.steps;

async function jsonBody(app: App, ctx: Ctx): Promise<Record<string, unknown>> {
  const raw = await readBody(ctx.req, app.cfg.maxBodyBytes);
  if (raw.length === 0) return {};
  const j = parseJson(raw);
  if (j === null || typeof j !== 'object' || Array.isArray(j))
    throw new HttpError(400, 'BAD_REQUEST_BODY', 'the body must be a JSON object');
  return j as Record<string, unknown>;
}

function str(b: Record<string, unknown>, key: string): string {
  const v = b[key];
  if (typeof v !== 'string' || v === '')
    throw new HttpError(400, 'BAD_REQUEST_BODY', `"${key}" must be a non-empty string`);
  return v;
}

function parseSteps(raw: unknown): ServingConfig['rollout']['steps'] | undefined {
  if (raw === undefined) return undefined;
  const parsed = stepsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HttpError(
      400,
      'BAD_STEPS',
      `steps${issue?.path.length ? `.${issue.path.join('.')}` : ''}: ${issue?.message}`,
      'use setWeight, pause and analysis steps as in serving.rollout.steps',
    );
  }
  return parsed.data;
}

export async function admin(app: App, ctx: Ctx): Promise<void> {
  const tokenName = checkAdminToken(ctx.req, app.adminTokens);
  const { parts, method } = ctx;
  if (parts.length === 2 && parts[1] === 'models' && method === 'GET')
    return send(ctx.res, 200, [...app.deployments.keys()]);
  if (parts[1] !== 'models' || !parts[2])
    throw new HttpError(404, 'NOT_FOUND', `no admin endpoint ${ctx.url.pathname}`);
  const name = parts[2];
  const d = getDeployment(app, name);
  const c = app.controllers.get(name) as RolloutController;
  const action = parts.slice(3).join('/');
  /** Who acts, and what to load: decided by the guard when there is one. */
  const guard = async (a: AdminAction, extra: { source?: string; canarySource?: string } = {}) =>
    app.rolloutGuard
      ? app.rolloutGuard.check({ action: a, model: name, tokenName, ...extra })
      : { actor: tokenName ?? 'admin-api', ...(extra.source ? { source: extra.source } : {}) };

  if (action === 'rollout' && method === 'GET') return send(ctx.res, 200, c.status());
  if (action === 'rollout' && method === 'POST') {
    const b = await jsonBody(app, ctx);
    const steps = parseSteps(b.steps);
    const ok = await guard('rollout.start', { source: str(b, 'source') });
    return send(
      ctx.res,
      200,
      await c.start(ok.source as string, { ...(steps ? { steps } : {}), actor: ok.actor }),
    );
  }
  if (action === 'rollout/promote' && method === 'POST') {
    const b = await jsonBody(app, ctx);
    const canary = c.status().canary;
    const ok = await guard('rollout.promote', canary ? { canarySource: canary.source } : {});
    return send(ctx.res, 200, await c.promote({ full: b.full === true, actor: ok.actor }));
  }
  if (action === 'rollout/abort' && method === 'POST') {
    const b = await jsonBody(app, ctx);
    const ok = await guard('rollout.abort');
    return send(
      ctx.res,
      200,
      await c.abort({ ...(typeof b.reason === 'string' ? { reason: b.reason } : {}), actor: ok.actor }),
    );
  }
  if (action === 'reload' && method === 'POST') {
    const b = await jsonBody(app, ctx);
    const ok = await guard('reload', { source: str(b, 'source') });
    return send(ctx.res, 200, await c.reloadStable(ok.source as string, ok.actor));
  }
  if (action === 'shadow' && method === 'PUT') {
    const b = await jsonBody(app, ctx);
    const percent = b.percent ?? 100;
    if (typeof percent !== 'number' || !(percent > 0 && percent <= 100)) {
      throw new HttpError(400, 'BAD_REQUEST_BODY', '"percent" must be a number in (0, 100]');
    }
    const ok = await guard('shadow.set', { source: str(b, 'source') });
    const loaded = await app.load(ok.source as string);
    await d.setShadow(loaded, percent);
    await app.onEvent?.({
      type: 'model.reloaded',
      model: name,
      at: new Date().toISOString(),
      actor: ok.actor,
      details: { shadow: loaded.source, version: loaded.version, percent },
    });
    return send(ctx.res, 200, modelMetadata(d));
  }
  if (action === 'shadow' && method === 'DELETE') {
    await guard('shadow.clear');
    await d.setShadow(null);
    return send(ctx.res, 200, modelMetadata(d));
  }
  throw new HttpError(404, 'NOT_FOUND', `no admin endpoint ${method} ${ctx.url.pathname}`);
}
