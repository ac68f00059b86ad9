/**
 * The dense matrix product of bml's networks: the fused multiply-add kernel
 * of `@bml/core/wasm` where the wasm backend and relaxed SIMD are at hand,
 * `tf.matMul` everywhere else.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidInputError } from './errors.js';
import { wasmHeap, type WasmHeap } from './heap.js';
import { relaxedSimdDisabled } from './wasm/gemm-kernel.js';

/**
 * Products whose right operand has fewer columns go to `tf.matMul`, which is
 * faster there (a class head of 4 columns, say). Code that calls the kernel
 * directly and must round as {@link product} does checks this too.
 */
export const MIN_KERNEL_COLUMNS = 16;

/** Allocates a zero-filled float32 tensor of `shape` on the wasm backend. */
function zeros(heap: WasmHeap, shape: [number, number]): tf.TensorInfo {
  const info = heap.allocate(shape);
  heap.view(info).fill(0);
  return info;
}

/** Allocates a float32 tensor of `shape` on the wasm backend for the kernel to overwrite; a product of depth 0 gets zeros. */
function output(heap: WasmHeap, shape: [number, number], depth: number): tf.TensorInfo {
  return depth === 0 ? zeros(heap, shape) : heap.allocate(shape);
}

function release(info: tf.TensorInfo): void {
  tf.engine().makeTensorFromTensorInfo(info).dispose();
}

/**
 * Returns `a @ b`, or `aᵀ @ b` with `transposedLeft`, computed by the heap
 * kernel of `heap`. Columns of `b` that do not fill a group of 8 are padded
 * in a scratch copy.
 */
function heapProduct(heap: WasmHeap, a: tf.Tensor2D, b: tf.Tensor2D, transposedLeft: boolean): tf.Tensor2D {
  const gemm = heap.gemm!;
  const multiply = transposedLeft ? gemm.multiplyTransposedLeft : gemm.multiply;
  const [k, m] = transposedLeft ? a.shape : [a.shape[1], a.shape[0]];
  const lda = a.shape[1];
  const n = b.shape[1];
  const padded = Math.ceil(n / 8) * 8;
  const out = output(heap, [m, n], k);
  if (padded === n) {
    const buffers = { a: heap.address(a), b: heap.address(b), c: heap.address(out), lda, ldb: n, ldc: n };
    multiply(buffers, m, k, n);
    return tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor2D;
  }
  const bPadded = zeros(heap, [k, padded]);
  const cPadded = output(heap, [m, padded], k);
  const bView = heap.view(b);
  const bPaddedView = heap.view(bPadded);
  for (let row = 0; row < k; row++) bPaddedView.set(bView.subarray(row * n, row * n + n), row * padded);
  const buffers = { a: heap.address(a), b: heap.address(bPadded), c: heap.address(cPadded), lda, ldb: padded, ldc: padded };
  multiply(buffers, m, k, n);
  const cView = heap.view(cPadded);
  const outView = heap.view(out);
  for (let row = 0; row < m; row++) outView.set(cView.subarray(row * padded, row * padded + n), row * n);
  release(bPadded);
  release(cPadded);
  return tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor2D;
}

/** Returns the heap when the kernel should run `? @ b`, else undefined. */
function kernelHeap(a: tf.Tensor2D, b: tf.Tensor2D): WasmHeap | undefined {
  const heap = wasmHeap();
  const narrow = b.shape[1] < MIN_KERNEL_COLUMNS;
  if (!heap?.gemm || narrow || a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  return heap;
}

function checkInner(left: number, right: number, a: tf.Tensor2D, b: tf.Tensor2D, operation: string): void {
  if (left === right) return;
  throw new InvalidInputError(
    `@bml/core: the inner sizes of ${operation} differ (${a.shape.join(' x ')} and ${b.shape.join(' x ')}); ` +
      'the rows of the right operand must equal the columns of the left one',
    'SHAPE_MISMATCH',
    { left: a.shape, right: b.shape },
  );
}

/**
 * Returns the matrix product `a @ b` of two float32 rank-2 tensors, without a
 * gradient. On the wasm backend with relaxed SIMD it runs the fused
 * multiply-add kernel, which `pnpm bench train` measured at 1.0 to 2.9 times
 * the rate of `tf.matMul` there (most at narrow products). Its values equal `tf.matMul`'s to float32
 * rounding. Elsewhere, or with `BML_RELAXED_SIMD=0`, it is
 * `tf.matMul`. Products of fewer than 16 columns are always `tf.matMul`.
 */
export function product(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  checkInner(a.shape[1], b.shape[0], a, b, 'a product');
  // The wasm backend's matMul returns garbage at inner size 0, where the product is all zeros.
  if (a.shape[1] === 0) return tf.zeros([a.shape[0], b.shape[1]]);
  const heap = kernelHeap(a, b);
  return heap ? heapProduct(heap, a, b, false) : tf.matMul(a, b);
}

/**
 * Returns `aᵀ @ b` without forming `aᵀ` where the kernel runs (see
 * {@link product}); elsewhere it transposes `a` first, because the wasm
 * backend's product with a transposed operand is several times slower.
 */
export function productTransposedLeft(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  checkInner(a.shape[0], b.shape[0], a, b, 'a transposed-left product');
  if (a.shape[0] === 0) return tf.zeros([a.shape[1], b.shape[1]]);
  const heap = kernelHeap(a, b);
  return heap ? heapProduct(heap, a, b, true) : tf.tidy(() => tf.matMul(tf.transpose(a), b));
}

/** The code that runs the products of {@link product} in this thread. */
export interface ProductEngine {
  /** True when the fused multiply-add kernel runs them. */
  kernel: boolean;
  /** A readable line: the engine and, without the kernel, the reason. */
  description: string;
}

/** Returns the engine of {@link product} on the active backend. */
export function productEngine(): ProductEngine {
  const backend = tf.getBackend();
  if (backend !== 'wasm') return { kernel: false, description: `the ${backend} backend's matMul` };
  if (wasmHeap()?.gemm) return { kernel: true, description: 'fused multiply-add kernel (WebAssembly relaxed SIMD)' };
  if (relaxedSimdDisabled()) return { kernel: false, description: "the wasm backend's matMul (BML_RELAXED_SIMD turns the kernel off)" };
  return { kernel: false, description: "the wasm backend's matMul (this runtime has no WebAssembly relaxed SIMD)" };
}
