/**
 * Float32 and float64 buffers that live for one training run: on the wasm
 * backend's memory ({@link HeapArena}) or on a memory of their own that
 * worker threads can share ({@link SharedArena}). A memory may grow, and its
 * buffer then moves, so a view is taken again at each use and never kept
 * across allocations.
 */
import { tf, type WasmHeap } from '@bml/core/tensor';
import { wasmApi, type WasmMemory } from '@bml/core/wasm';

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

/** Allocates zero-filled buffers and frees them together. */
export interface BufferArena {
  /** Returns a new zero-filled buffer of `length` floats. */
  allocate(length: number): HeapBuffer;
  /** Returns a new zero-filled buffer of `length` float64 values, 8-byte aligned. */
  allocateFloat64(length: number): HeapFloat64Buffer;
  /** Frees every buffer. */
  dispose(): void;
}

/** Allocates zero-filled buffers on the backend's memory and frees them together. */
export class HeapArena implements BufferArena {
  private readonly infos: tf.TensorInfo[] = [];

  constructor(private readonly heap: WasmHeap) {}

  /** Returns a new zero-filled buffer of `length` floats. */
  allocate(length: number): HeapBuffer {
    const heap = this.heap;
    // The backend cannot allocate an empty buffer, so a length of 0 gets one unused float.
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
    // A float64 view needs 8-byte alignment, which the backend's allocator gives.
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

const PAGE = 65536;
/** The maximum number of pages of a WebAssembly memory (4 GiB). */
const MAX_PAGES = 65536;
/** Buffers start on 64-byte boundaries, a cache line. */
const ALIGN = 64;

/**
 * A bump allocator over a shared WebAssembly memory of its own, so that worker threads can run
 * kernels on its buffers. The memory grows as buffers are added and is dropped with the arena.
 */
export class SharedArena implements BufferArena {
  /** The memory, whose buffer is a `SharedArrayBuffer`. */
  readonly memory: WasmMemory;
  private top = ALIGN;

  /** Creates the memory with room for `bytes` to start with. */
  constructor(bytes: number) {
    if (!wasmApi) throw new Error('@bml/autoencoder: a shared arena needs WebAssembly');
    const initial = Math.min(MAX_PAGES, Math.max(1, Math.ceil((bytes + ALIGN) / PAGE)));
    this.memory = new wasmApi.Memory({ initial, maximum: MAX_PAGES, shared: true });
  }

  private reserve(bytes: number): number {
    const address = this.top;
    this.top += Math.ceil(Math.max(bytes, 1) / ALIGN) * ALIGN;
    const size = this.memory.buffer.byteLength;
    if (this.top > size) this.memory.grow(Math.ceil((this.top - size) / PAGE));
    return address;
  }

  allocate(length: number): HeapBuffer {
    const address = this.reserve(4 * length);
    const memory = this.memory;
    return { length, address, view: () => new Float32Array(memory.buffer, address, length) };
  }

  allocateFloat64(length: number): HeapFloat64Buffer {
    const address = this.reserve(8 * length);
    const memory = this.memory;
    return { length, address, view: () => new Float64Array(memory.buffer, address, length) };
  }

  /** Leaves the memory to the garbage collector, because a WebAssembly memory cannot be freed directly. */
  dispose(): void {
    this.top = ALIGN;
  }
}
