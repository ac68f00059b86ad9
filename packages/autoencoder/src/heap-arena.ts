/**
 * Float32 buffers on the wasm backend's memory that live for one training
 * run. The memory may grow, and then move, whenever the backend allocates,
 * so a view is taken again at each use and never kept across allocations.
 */
import { tf, type WasmHeap } from '@bml/core/tensor';

/** One buffer of an {@link HeapArena}. */
export interface HeapBuffer {
  /** Number of floats. */
  readonly length: number;
  /** Byte address in the backend's memory. */
  readonly address: number;
  /** Returns a view of the buffer. Take it again after any allocation on the backend. */
  view(): Float32Array;
}

/** One float64 buffer of an {@link HeapArena}. */
export interface HeapFloat64Buffer {
  /** Number of float64 values. */
  readonly length: number;
  /** Byte address in the backend's memory. */
  readonly address: number;
  /** Returns a view of the buffer. Take it again after any allocation on the backend. */
  view(): Float64Array;
}

/** Allocates zero-filled buffers on the backend's memory and frees them together. */
export class HeapArena {
  private readonly infos: tf.TensorInfo[] = [];

  constructor(private readonly heap: WasmHeap) {}

  /** Returns a new zero-filled buffer of `length` floats. */
  allocate(length: number): HeapBuffer {
    const heap = this.heap;
    // The backend cannot allocate an empty buffer; a length of 0 gets one unused float.
    const info = heap.allocate([Math.max(1, length)]);
    this.infos.push(info);
    heap.view(info).fill(0);
    return { length, address: heap.address(info), view: () => heap.view(info).subarray(0, length) };
  }

  /** Returns a new zero-filled buffer of `length` float64 values, 8-byte aligned. */
  allocateFloat64(length: number): HeapFloat64Buffer {
    const heap = this.heap;
    const info = heap.allocate([Math.max(2, 2 * length)]);
    this.infos.push(info);
    const address = heap.address(info);
    // The backend's allocator aligns to at least 8 bytes; a float64 view needs that.
    if (address % 8 !== 0) throw new Error(`@bml/autoencoder: a backend buffer at ${address} is not 8-byte aligned`);
    const view = () => new Float64Array(heap.view(info).buffer, address, length);
    view().fill(0);
    return { length, address, view };
  }

  /** Frees every buffer. */
  dispose(): void {
    for (const info of this.infos.splice(0)) tf.engine().makeTensorFromTensorInfo(info).dispose();
  }
}
