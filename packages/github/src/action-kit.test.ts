import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareActionStore, STORE_SYNCED_ENV } from './action-kit.js';

describe('prepareActionStore', () => {
  const logged: string[] = [];
  const log = {
    info: (m: string) => logged.push(m),
    exportVariable: (n: string, v: string) => logged.push(`${n}=${v}`),
  };
  const base = { configUri: '.slipway', root: '/repo', branch: '', log };

  it('takes the input, then SLIPWAY_TRACKING_URI, then MLFLOW_TRACKING_URI, then the config', async () => {
    const env = { SLIPWAY_TRACKING_URI: 'http://slipway:5000', MLFLOW_TRACKING_URI: 'http://mlflow:5000' };
    expect((await prepareActionStore({ ...base, input: 'store', env })).uri).toBe('store');
    expect((await prepareActionStore({ ...base, input: '', env })).uri).toBe('http://slipway:5000');
    expect(
      (
        await prepareActionStore({
          ...base,
          input: '',
          env: { MLFLOW_TRACKING_URI: env.MLFLOW_TRACKING_URI },
        })
      ).uri,
    ).toBe('http://mlflow:5000');
    const local = await prepareActionStore({ ...base, input: '', env: {} });
    expect(local).toEqual({
      uri: '.slipway',
      kind: 'local',
      storeDir: join('/repo', '.slipway'),
      onBranch: false,
    });
  });

  it('keeps only an embedded store on the branch, and syncs it once per job', async () => {
    const mlflow = await prepareActionStore({
      ...base,
      input: 'http://mlflow:5000',
      branch: 'slipway-store',
      env: {},
    });
    expect(mlflow).toMatchObject({ kind: 'mlflow', storeDir: null, onBranch: false });
    // An earlier step of the job synced already: no second sync (it would overwrite that step's writes).
    const again = await prepareActionStore({
      ...base,
      input: '',
      branch: 'slipway-store',
      env: { [STORE_SYNCED_ENV]: 'slipway-store' },
    });
    expect(again).toMatchObject({ kind: 'local', onBranch: true });
    expect(logged).toEqual([]);
  });
});
