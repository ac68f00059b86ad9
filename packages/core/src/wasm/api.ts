/**
 * The part of the WebAssembly JavaScript API this package uses, typed
 * locally (the project compiles without the DOM library) and read from
 * `globalThis`, so a runtime without WebAssembly simply gets `undefined`.
 */

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}

export type WasmModule = object;

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

export interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  validate(bytes: Uint8Array): boolean;
}

/** The runtime's WebAssembly object, or undefined. */
export const wasmApi: WasmApi | undefined = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** Tells whether `memory` is shared between threads (its buffer is a `SharedArrayBuffer`). */
export function isSharedMemory(memory: WasmMemory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/**
 * Compiles a module on first use, once for each kind of memory import: a module that imports a
 * plain memory cannot be instantiated on a shared one, nor the reverse.
 */
export class ModuleCache {
  private readonly modules = new Map<boolean, WasmModule>();

  /** `encode(shared)` returns the module's bytes with a plain or a shared memory import. */
  constructor(private readonly encode: (shared: boolean) => Uint8Array) {}

  /** Returns the module for a memory that is `shared` or not. Call only where {@link wasmApi} exists. */
  get(shared: boolean): WasmModule {
    let module = this.modules.get(shared);
    if (!module) {
      module = new wasmApi!.Module(this.encode(shared));
      this.modules.set(shared, module);
    }
    return module;
  }

  /** Returns an instance of the module on `memory`, with the memory's kind of import. */
  instantiate(memory: WasmMemory): Record<string, unknown> {
    return new wasmApi!.Instance(this.get(isSharedMemory(memory)), { env: { memory } }).exports;
  }
}
