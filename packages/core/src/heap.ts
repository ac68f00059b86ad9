/**
 * Direct access to the memory of TensorFlow.js's wasm backend, for kernels
 * that run on tensor buffers in place (see `@bml/core/wasm`'s Adam kernels).
 * Uses methods of the backend class of tfjs-backend-wasm 4.22 that its own
 * kernels use; on another backend or build {@link wasmHeap} returns
 * undefined and callers keep their tensor-op path.
 */
import * as tf from '@tensorflow/tfjs';
import { adamKernels, type AdamKernels } from './wasm/adam-kernel.js';
import { gemmKernels, type GemmKernels } from './wasm/gemm-kernel.js';
import type { WasmMemory } from './wasm/api.js';

interface WasmBackendMethods {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  getMemoryOffset(dataId: object): number;
  wasm: { asm?: { memory?: WasmMemory } };
}

/** The wasm backend's memory, seen from JavaScript. */
export interface WasmHeap {
  /** Returns the byte address of a tensor's buffer. */
  address(tensor: tf.TensorInfo): number;
  /** Returns a float32 view of a tensor's buffer. Take it after any allocation, which may move the memory. */
  view(tensor: tf.TensorInfo): Float32Array;
  /** Allocates an uninitialised float32 tensor of `shape` on the backend. */
  allocate(shape: number[]): tf.TensorInfo;
  /** The memory itself, for binding further kernels to it. */
  memory: WasmMemory;
  /** The Adam kernels bound to this memory. */
  adam: AdamKernels;
  /** The matrix product kernel bound to this memory, where relaxed SIMD is available. */
  gemm?: GemmKernels;
}

const heaps = new WeakMap<WasmMemory, WasmHeap>();

/** Returns the active wasm backend's memory, or undefined on another backend or build. */
export function wasmHeap(): WasmHeap | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const backend = tf.backend() as unknown as Partial<WasmBackendMethods>;
  const memory = backend.wasm?.asm?.memory;
  if (
    memory === undefined ||
    typeof backend.makeOutput !== 'function' ||
    typeof backend.typedArrayFromHeap !== 'function' ||
    typeof backend.getMemoryOffset !== 'function'
  ) {
    return undefined;
  }
  const known = heaps.get(memory);
  if (known) return known;
  const adam = adamKernels(memory);
  if (!adam) return undefined;
  const methods = backend as WasmBackendMethods;
  const heap: WasmHeap = {
    address: (tensor) => methods.getMemoryOffset(tensor.dataId),
    view: (tensor) => methods.typedArrayFromHeap(tensor),
    allocate: (shape) => methods.makeOutput(shape, 'float32'),
    memory,
    adam,
    gemm: gemmKernels(memory),
  };
  heaps.set(memory, heap);
  return heap;
}
