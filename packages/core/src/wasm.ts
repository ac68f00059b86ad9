/**
 * Entry point `@bml/core/wasm`: a minimal WebAssembly binary encoder and the
 * typed WebAssembly API, for the numeric kernels that packages emit at run
 * time without a toolchain.
 */
export * from './wasm/api.js';
export * from './wasm/encoder.js';
export * from './wasm/adam-kernel.js';
export * from './wasm/gemm-kernel.js';
export * from './wasm/gemm-team.js';
