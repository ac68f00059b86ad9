import { Arena } from './arena.js';
import { jsKernels, kernelModule, wasmKernels, type Kernels } from './kernels.js';

/** Which implementation runs the hot loops: WebAssembly SIMD when available (`auto`), or one of them by name. */
export type EngineChoice = 'auto' | 'wasm' | 'js';

/** Whether the WebAssembly SIMD kernels can run here. */
export function wasmAvailable(): boolean {
  return kernelModule() !== null;
}

/**
 * An arena of about `bytes` bytes and the kernels that work on it; with
 * `shared`, its WebAssembly memory is shared so worker threads can join.
 */
export function openArena(
  bytes: number,
  engine: EngineChoice = 'auto',
  shared = false,
): { arena: Arena; kernels: Kernels } {
  const useWasm = engine === 'wasm' || (engine === 'auto' && wasmAvailable());
  if (engine === 'wasm' && !wasmAvailable())
    throw new Error('@bml/snf: WebAssembly SIMD is not available in this runtime; use engine "js"');
  const share = useWasm && shared && kernelModule(true) !== null;
  const arena = new Arena(bytes, useWasm, share);
  return { arena, kernels: useWasm ? wasmKernels(arena) : jsKernels(arena) };
}
