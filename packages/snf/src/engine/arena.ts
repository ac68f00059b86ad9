/**
 * One block of memory holding every large buffer of a fusion (packed
 * similarity matrices, the diffusion scratch, the local kernels), so the
 * WebAssembly kernels can reach all of them. Buffers are carved out with a
 * bump allocator and addressed by byte offset; nothing is ever freed
 * individually, the whole arena goes when the last view on it is dropped.
 */

import { wasmApi, type WasmMemory } from '@bml/core/wasm';

const PAGE = 65536;
/** The largest WebAssembly memory (memory32): 65536 pages of 64 KiB. */
export const MAX_ARENA_BYTES = 65536 * PAGE;
const ALIGN = 64;

export class Arena {
  /** The WebAssembly memory, or null for a plain ArrayBuffer (JavaScript kernels). */
  readonly memory: WasmMemory | null;
  private buffer: ArrayBuffer;
  private top = ALIGN;
  /** Float64 view on the whole arena (renewed when the arena grows). */
  f64: Float64Array;
  /** Int32 view on the whole arena (renewed when the arena grows). */
  i32: Int32Array;

  /** Whether the memory is shared (a SharedArrayBuffer, usable by worker threads). */
  readonly shared: boolean;

  /**
   * @param bytes - expected total size; the arena grows past it when needed
   * @param shared - use a shared WebAssembly memory (for worker threads)
   */
  constructor(bytes: number, wasm: boolean, shared = false) {
    const size = Math.min(MAX_ARENA_BYTES, roundUp(Math.max(bytes + ALIGN, PAGE), PAGE));
    this.shared = wasm && shared;
    if (wasm && wasmApi) {
      this.memory = new wasmApi.Memory({ initial: size / PAGE, maximum: MAX_ARENA_BYTES / PAGE, shared: this.shared });
      this.buffer = this.memory.buffer;
    } else {
      this.memory = null;
      this.buffer = new ArrayBuffer(size);
    }
    this.f64 = new Float64Array(this.buffer);
    this.i32 = new Int32Array(this.buffer);
  }

  /** Bytes in use. */
  get used(): number {
    return this.top;
  }

  /** Reserves `bytes` (zero-filled on first use) and returns their 64-byte aligned offset. */
  alloc(bytes: number): number {
    const offset = this.top;
    const end = offset + roundUp(Math.max(bytes, 0), ALIGN);
    if (end > this.buffer.byteLength) this.grow(end);
    this.top = end;
    return offset;
  }

  /** A Float64Array on `length` doubles at byte `offset`, sharing the arena's memory. */
  f64At(offset: number, length: number): Float64Array {
    return new Float64Array(this.buffer, offset, length);
  }

  /** An Int32Array on `length` integers at byte `offset`, sharing the arena's memory. */
  i32At(offset: number, length: number): Int32Array {
    return new Int32Array(this.buffer, offset, length);
  }

  private grow(end: number): void {
    if (end > MAX_ARENA_BYTES) throw new RangeError(`arena of ${end} bytes exceeds ${MAX_ARENA_BYTES}`);
    const size = Math.min(MAX_ARENA_BYTES, roundUp(Math.max(end, this.buffer.byteLength * 1.25), PAGE));
    if (this.memory !== null) {
      this.memory.grow((size - this.buffer.byteLength) / PAGE);
      this.buffer = this.memory.buffer;
    } else {
      const next = new ArrayBuffer(size);
      new Uint8Array(next).set(new Uint8Array(this.buffer, 0, this.top));
      this.buffer = next;
    }
    this.f64 = new Float64Array(this.buffer);
    this.i32 = new Int32Array(this.buffer);
  }
}

function roundUp(value: number, step: number): number {
  return Math.ceil(value / step) * step;
}
