/**
 * tfjs backend selection. `auto` tries the native bindings (optional peers, loaded only when
 * installed), then wasm, then the pure-JS cpu backend; an explicit choice is honoured or fails clearly.
 */
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { didYouMean, SlipwayError } from '@slipway/core';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export const BACKEND_NAMES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type ConcreteBackend = Exclude<BackendName, 'auto'>;

export interface BackendChoice {
  name: ConcreteBackend;
  /** Something the user should know: a native binding that failed to load, a GPU build running on CPU. */
  note?: string;
}

/** What a model was trained on: a tfjs backend, or plain TypeScript on the CPU for gradient-boosted trees. */
export type TrainedOn = BackendChoice | { name: 'typescript'; note?: string };

export interface BackendAvailability {
  name: ConcreteBackend;
  package: string;
  available: boolean;
  /** Why it is not available, or a caveat when it is. */
  note?: string;
}

const PACKAGES: Record<ConcreteBackend, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs',
};

/** The tfjs registry name each backend registers under. */
const TF_NAME: Record<ConcreteBackend, string> = {
  'tensorflow-gpu': 'tensorflow',
  tensorflow: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

/** Resolves an optional peer from this package, then from the working directory (the user's project). */
function resolvePeer(specifier: string, cwd = process.cwd()): string | undefined {
  for (const base of [import.meta.url, pathToFileURL(join(cwd, 'noop.js')).href]) {
    try {
      const path = createRequire(base).resolve(specifier);
      // Only a real install counts (test runners may map unknown specifiers onto a neighbour).
      if (path.split(sep).join('/').includes(`/node_modules/${specifier}/`)) return path;
    } catch {}
  }
  return undefined;
}

const nativeLoads = new Map<string, Promise<{ ok: true } | { ok: false; reason: string }>>();

function loadNative(specifier: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  let p = nativeLoads.get(specifier);
  if (!p) {
    p = (async () => {
      const path = resolvePeer(specifier);
      if (!path) return { ok: false as const, reason: `${specifier} is not installed` };
      try {
        await import(pathToFileURL(path).href);
        return { ok: true as const };
      } catch (err) {
        const message = String((err as Error)?.message ?? err).split('\n')[0];
        return { ok: false as const, reason: `${specifier} is installed but failed to load: ${message}` };
      }
    })();
    nativeLoads.set(specifier, p);
  }
  return p;
}

function unknownBackend(name: string): SlipwayError {
  return new SlipwayError(
    'BACKEND_UNKNOWN',
    `unknown backend "${name}"${didYouMean(name, [...BACKEND_NAMES])}`,
    { hint: `use one of: ${BACKEND_NAMES.join(', ')}` },
  );
}

export function isBackendName(name: string): name is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(name);
}

/** Which backends could be used here, in the order `auto` tries them (for `slipway doctor`). */
export async function availableBackends(): Promise<BackendAvailability[]> {
  const out: BackendAvailability[] = [];
  for (const name of ['tensorflow-gpu', 'tensorflow'] as const) {
    const loaded = await loadNative(PACKAGES[name]);
    out.push(
      loaded.ok
        ? { name, package: PACKAGES[name], available: true }
        : { name, package: PACKAGES[name], available: false, note: loaded.reason },
    );
  }
  const simd = await wasmSimd();
  out.push({
    name: 'wasm',
    package: PACKAGES.wasm,
    available: true,
    note: `SIMD ${simd ? 'on' : 'off'}, single-threaded in Node`,
  });
  out.push({ name: 'cpu', package: PACKAGES.cpu, available: true, note: 'pure JavaScript; slowest' });
  return out;
}

async function wasmSimd(): Promise<boolean> {
  // The smallest module using a v128 instruction; what tfjs-backend-wasm checks before loading its SIMD build.
  const bytes = new Uint8Array([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11,
  ]);
  const wasm = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly;
  return wasm.validate(bytes);
}

async function activate(name: ConcreteBackend): Promise<void> {
  const ok = await tf.setBackend(TF_NAME[name]);
  await tf.ready();
  if (!ok || tf.getBackend() !== TF_NAME[name]) {
    throw new SlipwayError('BACKEND_FAILED', `the ${name} backend did not initialise`, {
      hint: 'run `slipway doctor` to see which backends work here, or pick another with --backend',
    });
  }
}

/** The name of the backend tfjs is using now, in Slipway's vocabulary (null before any selection). */
export function currentBackend(): ConcreteBackend | null {
  return current;
}

let current: ConcreteBackend | null = null;

/**
 * Makes `name` the active tfjs backend. `auto`: tensorflow-gpu, tensorflow, wasm, cpu, first that loads.
 * The result says which one runs, with a note when something the user might expect did not happen.
 */
export async function selectBackend(name: string = 'auto'): Promise<BackendChoice> {
  if (!isBackendName(name)) throw unknownBackend(name);
  // Production mode skips tfjs's debug checks, and its "install the node backend" banner on stdout-adjacent stderr.
  tf.enableProdMode();
  const notes: string[] = [];
  const candidates: ConcreteBackend[] =
    name === 'auto' ? ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] : [name];
  for (const candidate of candidates) {
    if (candidate === 'tensorflow-gpu' || candidate === 'tensorflow') {
      const loaded = await loadNative(PACKAGES[candidate]);
      if (!loaded.ok) {
        if (name !== 'auto') {
          throw new SlipwayError('BACKEND_UNAVAILABLE', `backend "${candidate}": ${loaded.reason}`, {
            hint: `install ${PACKAGES[candidate]} 4.22.0 (it needs Node ≤ 22 and a native build), or use --backend wasm`,
          });
        }
        if (!loaded.reason.endsWith('is not installed')) notes.push(loaded.reason);
        continue;
      }
      await activate(candidate);
      if (candidate === 'tensorflow-gpu') {
        const usingGpu = (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice;
        if (usingGpu === false) {
          notes.push(
            'tfjs-node-gpu loaded but runs on the CPU: its CUDA 11.2 / cuDNN 8.1 libraries (libcudart.so.11.0, libcudnn.so.8) were not found',
          );
        }
      }
      current = candidate;
      return notes.length ? { name: candidate, note: notes.join('; ') } : { name: candidate };
    }
    await activate(candidate);
    current = candidate;
    return notes.length ? { name: candidate, note: notes.join('; ') } : { name: candidate };
  }
  throw new SlipwayError('BACKEND_FAILED', 'no tfjs backend could be started', {
    hint: 'run `slipway doctor`',
  });
}

/**
 * Selects `auto` when no backend was chosen yet in this process; a backend the host application already
 * set (e.g. a server calling tf.setBackend itself) is left alone.
 */
export async function ensureBackend(): Promise<ConcreteBackend> {
  if (current !== null) return current;
  const active = (tf.engine() as unknown as { backendName?: string | null }).backendName;
  if (active === 'wasm' || active === 'cpu') return active;
  if (active === 'tensorflow') return 'tensorflow';
  return (await selectBackend('auto')).name;
}
