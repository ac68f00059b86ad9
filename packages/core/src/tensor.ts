/**
 * The TensorFlow.js backend used by bml's neural parts. Order of preference:
 * `tensorflow` (the native `@tensorflow/tfjs-node`, when it is installed and
 * its library loads), then `wasm` (`@tensorflow/tfjs-backend-wasm`, the
 * portable default), then `cpu` (pure JavaScript, slowest).
 *
 * Entry point `@bml/core/tensor`, kept apart from `@bml/core` so that
 * packages without neural parts never load TensorFlow.js.
 */
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { InvalidInputError } from './errors.js';
import { product, productTransposedLeft } from './product.js';

/** Names of the backends bml can run on. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** Options of {@link initBackend}. */
export interface BackendOptions {
  /**
   * Backend to use; `auto` tries `tensorflow`, `wasm`, `cpu` in that order.
   * The environment variable `BML_BACKEND` overrides the default. Default `auto`.
   */
  backend?: BackendName | 'auto';
}

/** What {@link initBackend} chose and why the others were not used. */
export interface BackendInfo {
  /** Backend in use. */
  name: BackendName;
  /** TensorFlow.js version. */
  version: string;
  /**
   * Threads the backend's kernels run on. The wasm backend reports its thread pool, which is 1 in
   * Node because TensorFlow.js 4.22 loads its threaded binary only in browsers. With that binary
   * forced on in Node (a pool of 2, on 2 cores), matrix products still ran on one thread. The cpu
   * backend runs on 1 thread. For the native backend this is the core count, TensorFlow's default.
   */
  threads: number;
  /** For each backend tried and not used, why it failed to load. */
  unavailable: Partial<Record<BackendName, string>>;
}

let current: BackendInfo | undefined;

async function tryNative(): Promise<number> {
  // The specifier is built at run time so that bundlers and type checks do
  // not require the optional native package to exist.
  const specifier = ['@tensorflow', 'tfjs-node'].join('/');
  await import(specifier);
  if (!(await tf.setBackend('tensorflow'))) throw new Error('tfjs-node loaded but its backend did not initialise');
  return availableParallelism();
}

async function tryWasm(): Promise<number> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
  return wasm.getThreadsCount();
}

async function tryCpu(): Promise<number> {
  await import('@tensorflow/tfjs-backend-cpu');
  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialise');
  return 1;
}

/** Loaders of the backends. Each returns the number of threads its kernels run on. */
const loaders: Record<BackendName, () => Promise<number>> = { tensorflow: tryNative, wasm: tryWasm, cpu: tryCpu };

/**
 * Selects and initialises the TensorFlow.js backend once per process and
 * returns what was chosen. Later calls return the same choice.
 */
export async function initBackend(options: BackendOptions = {}): Promise<BackendInfo> {
  if (current) return current;
  const envChoice = process.env.BML_BACKEND as BackendName | 'auto' | undefined;
  const requested = options.backend ?? envChoice ?? 'auto';
  const source = options.backend !== undefined ? 'the backend option' : 'BML_BACKEND';
  if (requested !== 'auto' && !Object.hasOwn(loaders, requested)) {
    throw new InvalidInputError(
      `@bml/core: unknown backend "${requested}" in ${source}; use tensorflow, wasm, cpu or auto (lower case)`,
      'UNKNOWN_BACKEND',
      { backend: requested },
    );
  }
  const order: BackendName[] = requested === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [requested];
  const unavailable: Partial<Record<BackendName, string>> = {};
  for (const name of order) {
    try {
      const threads = await loaders[name]();
      await tf.ready();
      current = { name, version: tf.version_core, threads, unavailable };
      return current;
    } catch (error) {
      unavailable[name] = error instanceof Error ? error.message.split('\n')[0] : String(error);
    }
  }
  if (requested === 'tensorflow') {
    throw new InvalidInputError(
      `@bml/core: the tensorflow backend requested in ${source} did not load (${unavailable.tensorflow}); ` +
        'install it with `pnpm add -w @tensorflow/tfjs-node@4.22.0` (its install downloads a library, so it ' +
        'needs internet access) or choose wasm, cpu or auto',
      'BACKEND_UNAVAILABLE',
      { backend: requested, reason: unavailable.tensorflow },
    );
  }
  throw new Error(
    `no TensorFlow.js backend could be loaded (${JSON.stringify(unavailable)}); ` +
      'reinstall with pnpm install so that @tensorflow/tfjs-backend-wasm is present',
  );
}

/** Returns the backend chosen by {@link initBackend}, or `undefined` before it ran. */
export function backendInfo(): BackendInfo | undefined {
  return current;
}

/**
 * Matrix product `a @ b` of two rank-2 tensors whose backward pass
 * transposes operands explicitly before multiplying. The wasm backend runs a
 * product with a transposed operand several times slower than a plain one,
 * and autodiff of `tf.matMul` uses transposed operands, so this keeps both
 * passes on the fast path. Each product is {@link product}: the fused
 * multiply-add kernel where it runs, so values and gradients equal those of
 * `tf.matMul` to float32 rounding, and exactly elsewhere.
 */
export const matMul = tf.customGrad(
  // customGrad's declared type takes variadic tensors; this function takes exactly two.
  ((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    save([a, b]);
    const value = product(a as tf.Tensor2D, b as tf.Tensor2D);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as tf.Tensor2D[];
      const dy2 = dy as tf.Tensor2D;
      return [product(dy2, tf.transpose(sb)), productTransposedLeft(sa, dy2)];
    };
    return { value, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0],
) as unknown as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

export { tf };
export { wasmHeap, type WasmHeap } from './heap.js';
export { MIN_KERNEL_COLUMNS, product, productEngine, productTransposedLeft, type ProductEngine } from './product.js';
