/**
 * The memories the hand-written training step (`heap-trainer.ts`) can run
 * on: the wasm backend's own, or a shared memory of its own whose products
 * run on several threads.
 */
import type { WasmHeap } from '@bml/core/tensor';
import { adamKernels, GemmTeam, type AdamKernels, type GemmKernels, type WasmMemory } from '@bml/core/wasm';
import { HeapArena, SharedArena, type BufferArena } from './heap-arena.js';

/** A memory the trainer runs on, with its allocator and kernels. */
export interface TrainerMemory {
  memory: WasmMemory;
  arena: BufferArena;
  gemm: GemmKernels;
  adam: AdamKernels;
  /** Frees the arena and stops any threads. */
  dispose(): void;
}

/** Returns the wasm backend's memory `heap` as a trainer memory, or undefined without its product kernel. */
export function backendMemory(heap: WasmHeap): TrainerMemory | undefined {
  if (!heap.gemm) return undefined;
  const arena = new HeapArena(heap);
  return { memory: heap.memory, arena, gemm: heap.gemm, adam: heap.adam, dispose: () => arena.dispose() };
}

/**
 * Returns a shared memory of its own whose products run on `threads` threads (the caller
 * included), or undefined where that is not possible (no relaxed SIMD or no shared memory).
 */
export function threadedMemory(threads: number): TrainerMemory | undefined {
  if (typeof SharedArrayBuffer === 'undefined') return undefined;
  const arena = new SharedArena(1 << 20);
  const gemm = GemmTeam.create(arena.memory, threads);
  const adam = adamKernels(arena.memory);
  if (!gemm || !adam) {
    gemm?.dispose();
    return undefined;
  }
  return {
    memory: arena.memory,
    arena,
    gemm,
    adam,
    dispose: () => {
      gemm.dispose();
      arena.dispose();
    },
  };
}
