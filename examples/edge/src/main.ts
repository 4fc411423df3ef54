/**
 * Slipway at the edge: fetches a model package's files, opens it with @slipway/training's browser-safe
 * code (the same features.json application and prediction as the server) and predicts in the page.
 */
import { type LoadedModelPackage, openModelPackage, type Row } from '@slipway/training/browser';
import * as tf from '@tensorflow/tfjs';

const JSON_FILES = [
  'manifest.json',
  'signature.json',
  'lineage.json',
  'features.json',
  'profile.json',
  'model.json',
] as const;

async function fetchOk(url: string): Promise<Response> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res;
}

/** Loads the package whose files are served under `base` (a URL ending in /). */
export async function loadPackage(base: string, backend = 'cpu'): Promise<LoadedModelPackage> {
  await tf.setBackend(backend);
  await tf.ready();
  const root = base.endsWith('/') ? base : `${base}/`;
  const [manifest, signature, lineage, features, profile, modelJson] = await Promise.all(
    JSON_FILES.map(async (f) => (await fetchOk(new URL(f, new URL(root, location.href)).href)).json()),
  );
  const weights = await (
    await fetchOk(new URL('weights.bin', new URL(root, location.href)).href)
  ).arrayBuffer();
  return openModelPackage({ dir: root, manifest, signature, lineage, features, profile, modelJson, weights });
}

export interface EdgeApi {
  ready: Promise<void>;
  signature(): LoadedModelPackage['signature'];
  predict(rows: Row[]): Promise<number[]>;
}

function start(): EdgeApi {
  const params = new URLSearchParams(location.search);
  const base = params.get('package') ?? './package/';
  let pkg: LoadedModelPackage | null = null;
  const ready = loadPackage(base, params.get('backend') ?? 'cpu').then((p) => {
    pkg = p;
  });
  const api: EdgeApi = {
    ready,
    signature: () => {
      if (!pkg) throw new Error('the package is not loaded yet');
      return pkg.signature;
    },
    async predict(rows) {
      await ready;
      return Array.from((await (pkg as LoadedModelPackage).predictRows(rows)).values);
    },
  };
  return api;
}

const api = start();
(globalThis as unknown as { slipwayEdge: EdgeApi }).slipwayEdge = api;

// The page's small UI: JSON rows in, predictions out.
const status = document.getElementById('status');
const input = document.getElementById('rows') as HTMLTextAreaElement | null;
const output = document.getElementById('predictions');
api.ready.then(
  () => {
    if (status)
      status.textContent = `loaded ${api.signature().name}: inputs ${api
        .signature()
        .inputs.map((i) => i.name)
        .join(', ')}`;
  },
  (err: Error) => {
    if (status) status.textContent = `failed to load the package: ${err.message}`;
  },
);
document.getElementById('predict')?.addEventListener('click', async () => {
  if (!input || !output) return;
  try {
    output.textContent = JSON.stringify(await api.predict(JSON.parse(input.value) as Row[]), null, 2);
  } catch (err) {
    output.textContent = `error: ${(err as Error).message}`;
  }
});
