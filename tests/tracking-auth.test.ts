// The MLflow client against a real server started with `--app-name basic-auth` (default permission
// NO_PERMISSIONS): credentials from MLFLOW_TRACKING_USERNAME/PASSWORD, wrong password (401), a user
// without permission (403), and a user with READ only.
import { createServer } from 'node:http';
import { MlflowStore } from '@slipway/tracking';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, adminCall, freePort, type MlflowServer, startMlflow } from './support/mlflow.js';

const PASSWORD = 'correct-horse-battery';
const as = (server: MlflowServer, username: string, password: string) =>
  new MlflowStore(server.url, {
    env: { MLFLOW_TRACKING_USERNAME: username, MLFLOW_TRACKING_PASSWORD: password },
    backoffMs: 50,
  });

describe('MLflow basic auth', () => {
  let server: MlflowServer;
  let admin: MlflowStore;
  let experimentId: string;
  let runId: string;

  beforeAll(async () => {
    server = await startMlflow({ auth: true });
    admin = as(server, ADMIN.username, ADMIN.password);
    for (const username of ['writer', 'reader'])
      await adminCall(server, 'POST', '/users/create', { username, password: PASSWORD });
    const e = await admin.getOrCreateExperiment('secured');
    experimentId = e.id;
    const run = await admin.createRun(e.id, { name: 'admin-run' });
    runId = run.id;
    await admin.logParams(runId, { lr: 0.1 });
    // MLflow 3.17's grant route (the 2.x /experiments/permissions/create is gone).
    await adminCall(server, 'POST', '/api/3.0/mlflow/users/permissions/grant', {
      username: 'reader',
      resource_type: 'experiment',
      resource_id: experimentId,
      permission: 'READ',
    });
  });
  afterAll(async () => {
    await admin?.close();
    await server?.stop();
  });

  it('rejects a wrong password with a 401 error that says what to set, without retrying', async () => {
    const store = as(server, ADMIN.username, 'wrong-password-123');
    const started = Date.now();
    const err = await store.getRun(runId).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err).toMatchObject({ errorCode: 'UNAUTHENTICATED', status: 401 });
    expect((err as Error).message).toMatch(/not authenticated/);
    expect((err as { hint: string }).hint).toMatch(/MLFLOW_TRACKING_USERNAME/);
    await store.close();
  });

  it('gives 403 to a user without permission on the experiment', async () => {
    const store = as(server, 'writer', PASSWORD);
    const write = await store
      .logMetrics(runId, [{ key: 'm', value: 1, timestamp: Date.now(), step: 0 }])
      .catch((e: unknown) => e);
    expect(write).toMatchObject({ errorCode: 'PERMISSION_DENIED', status: 403 });
    expect((write as { hint: string }).hint).toMatch(/EDIT/);
    await expect(store.getRun(runId)).rejects.toMatchObject({ status: 403 });
    // The same user works in an experiment it created (creators get MANAGE).
    const own = await store.getOrCreateExperiment('writer-own');
    const run = await store.createRun(own.id);
    await store.logMetrics(run.id, [{ key: 'm', value: 2, timestamp: Date.now(), step: 0 }]);
    expect((await store.getRun(run.id)).metrics).toEqual({ m: 2 });
    await store.close();
  });

  it('lets a READ user read but not write', async () => {
    const store = as(server, 'reader', PASSWORD);
    const run = await store.getRun(runId);
    expect(run.params).toEqual({ lr: '0.1' });
    expect((await store.searchRuns([experimentId])).map((r) => r.id)).toEqual([runId]);
    await expect(store.logParams(runId, { other: 1 })).rejects.toMatchObject({
      errorCode: 'PERMISSION_DENIED',
      status: 403,
    });
    await expect(store.setTags(runId, { t: 'x' })).rejects.toMatchObject({ status: 403 });
    await store.close();
  });
});

describe('MLflow credentials from the environment', () => {
  it('sends basic auth when a username and password are set, else the bearer token', async () => {
    const seen: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"experiments": []}');
    });
    const port = await freePort();
    await new Promise<void>((ok) => server.listen(port, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${port}`;
    for (const env of [
      { MLFLOW_TRACKING_TOKEN: 'tok-123' },
      { MLFLOW_TRACKING_USERNAME: 'ana', MLFLOW_TRACKING_PASSWORD: 'pw', MLFLOW_TRACKING_TOKEN: 'tok-123' },
      {},
    ]) {
      const store = new MlflowStore(url, { env });
      await store.listExperiments();
      await store.close();
    }
    server.close();
    expect(seen).toEqual(['Bearer tok-123', `Basic ${Buffer.from('ana:pw').toString('base64')}`, undefined]);
  });
});
