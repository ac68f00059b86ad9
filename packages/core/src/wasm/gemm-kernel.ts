/**
 * Dense matrix product C = A B in float32 as a WebAssembly kernel with fused
 * multiply-add, run on the memory of TensorFlow.js's wasm backend.
 *
 * Plain 128-bit wasm SIMD has no fused multiply-add, so a product costs a
 * multiply and an add per lane. The backend's own products reach about
 * 20 GFLOP/s on one core of the machine measured in `docs/benchmarks.md`.
 * The relaxed SIMD proposal adds `f32x4.relaxed_madd`, which a runtime may
 * compile to one fused multiply-add instruction where the CPU has one.
 *
 * The kernel computes 4 rows by 8 columns of C at a time in eight
 * accumulators. Each step broadcasts one entry of A against two vectors of a
 * row of B, so it issues 8 fused multiply-adds for 6 loads. The depth is cut
 * into blocks ({@link GEMM_DEPTH_BLOCK}) and the columns into groups
 * ({@link GEMM_PANEL_BLOCK}), so that the part of B in use stays in cache.
 * C carries the sums between depth blocks.
 *
 * Each entry of C is the sum over k in ascending order, one fused
 * multiply-add per term, so a product gives the same bits on every run and
 * thread of one machine. On hardware without FMA the same instruction
 * rounds twice; results then differ from an FMA machine in the last bits.
 *
 * Node 20 compiles relaxed SIMD only with the V8 flag
 * `--experimental-wasm-relaxed-simd`. {@link relaxedSimdSupported} tries the
 * module first and turns the flag on only when it does not compile, unless
 * the environment variable `BML_RELAXED_SIMD` is `0`, `false`, `off` or `no`.
 */
import { setFlagsFromString } from 'node:v8';
import { ModuleCache, wasmApi, type WasmMemory } from './api.js';
import { countedLoop, encodeModule, I32, increment, op, V128, type Bytes } from './encoder.js';

/** Depth (k) of one block of the product: 256 rows of B at most are in use at once. */
export const GEMM_DEPTH_BLOCK = 256;

/** Groups of 8 columns in one block of the product: with the depth block, at most 128 KiB of B. */
export const GEMM_PANEL_BLOCK = 16;

/** Byte addresses and strides of one product C (m × n) = A (m × k) B (k × n) in the backend's memory. */
export interface GemmBuffers {
  /** A, row-major with row stride `lda` floats; for {@link GemmKernels.multiplyTransposedLeft}, Aᵀ (k × m) is stored. */
  a: number;
  /** B, row-major with row stride `ldb` floats; `n` must be a multiple of 8 or padded to one. */
  b: number;
  /** C, row-major with row stride `ldc` floats; its columns up to a multiple of 8 are written. */
  c: number;
  lda: number;
  ldb: number;
  ldc: number;
}

/** The product kernels bound to one memory. */
export interface GemmKernels {
  /**
   * Writes A B to C, or adds it to C's values when `add` is true. `n` is rounded up to a multiple
   * of 8: B and C must have that many columns, and C's extra columns get the products of B's.
   */
  multiply(buffers: GemmBuffers, m: number, k: number, n: number, add?: boolean): void;
  /**
   * Writes Aᵀ B to C (adds with `add`), where `buffers.a` contains the k × m matrix whose
   * transpose is A. Saves the transpose of a large operand in a backward pass. Same rules as {@link multiply}.
   */
  multiplyTransposedLeft(buffers: GemmBuffers, m: number, k: number, n: number, add?: boolean): void;
}

// Parameters: a, b, c, count (row blocks or rows), depth, panels, lda, ldb, ldc (strides in bytes),
// and accumulate (1: add to C, 0: overwrite C).
const [A, B, C, COUNT, DEPTH, PANELS, LDA, LDB, LDC, ACCUMULATE] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
// i32 locals.
const [ROW, PANEL, K, A_PTR, B_PTR, C_PTR, A_ROW, LDA2, LDA3] = [10, 11, 12, 13, 14, 15, 16, 17, 18];
// v128 locals: two accumulators per row, the two vectors of B, the broadcast entry of A, and four
// entries of a row of Aᵀ (the transposed-left kernel only).
const ACC = 19;
const B0 = 27;
const B1 = 28;
const A_SPLAT = 29;
const A_VECTOR = 30;

/** i8x16.shuffle lanes that copy float lane `lane` into all four lanes. */
function broadcastLane(lane: number): number[] {
  return Array.from({ length: 16 }, (_, i) => 4 * lane + (i % 4));
}

/** Address of row `r` (0 to 3) of the current block of A, relative to A_PTR. */
function rowOfA(r: number): Bytes {
  if (r === 0) return op.get(A_PTR);
  const offset = r === 1 ? op.get(LDA) : op.get(r === 2 ? LDA2 : LDA3);
  return [...op.get(A_PTR), ...offset, ...op.i32Add()];
}

/** Address of row `r` of the current tile of C: C_PTR + r·ldc. */
function rowOfC(r: number): Bytes {
  return [...op.get(C_PTR), ...op.get(LDC), ...op.i32Const(r), ...op.i32Mul(), ...op.i32Add()];
}

/**
 * Body of the kernel for tiles of `rows` rows (4 or 1) by 8 columns. With `transposed`, A is read
 * from its transpose: the `rows` entries of one step are consecutive, and the next step is `lda` on.
 */
function kernelBody(rows: number, transposed: boolean): Bytes {
  const madd = (acc: number, b: number): Bytes => [
    ...op.get(A_SPLAT),
    ...op.get(b),
    ...op.get(acc),
    ...op.f32x4RelaxedMadd(),
    ...op.set(acc),
  ];
  const step: Bytes = [...op.get(B_PTR), ...op.v128Load(0), ...op.set(B0), ...op.get(B_PTR), ...op.v128Load(16), ...op.set(B1)];
  if (transposed && rows === 4) step.push(...op.get(A_PTR), ...op.v128Load(0), ...op.set(A_VECTOR));
  for (let r = 0; r < rows; r++) {
    if (!transposed) step.push(...rowOfA(r), ...op.v128Load32Splat(0), ...op.set(A_SPLAT));
    else if (rows === 1) step.push(...op.get(A_PTR), ...op.v128Load32Splat(0), ...op.set(A_SPLAT));
    else step.push(...op.get(A_VECTOR), ...op.get(A_VECTOR), ...op.i8x16Shuffle(broadcastLane(r)), ...op.set(A_SPLAT));
    step.push(...madd(ACC + 2 * r, B0), ...madd(ACC + 2 * r + 1, B1));
  }
  step.push(...increment(A_PTR, transposed ? op.get(LDA) : op.i32Const(4)), ...increment(B_PTR, op.get(LDB)));

  const tile: Bytes = [
    // C_PTR = c + row·rows·ldc + panel·32
    ...op.get(C),
    ...op.get(ROW),
    ...op.i32Const(rows),
    ...op.i32Mul(),
    ...op.get(LDC),
    ...op.i32Mul(),
    ...op.i32Add(),
    ...op.get(PANEL),
    ...op.i32Const(32),
    ...op.i32Mul(),
    ...op.i32Add(),
    ...op.set(C_PTR),
  ];
  tile.push(...op.get(ACCUMULATE), ...op.if());
  for (let r = 0; r < rows; r++) {
    tile.push(...rowOfC(r), ...op.v128Load(0), ...op.set(ACC + 2 * r));
    tile.push(...rowOfC(r), ...op.v128Load(16), ...op.set(ACC + 2 * r + 1));
  }
  tile.push(...op.else());
  for (let r = 0; r < 2 * rows; r++) tile.push(...op.v128Zero(), ...op.set(ACC + r));
  tile.push(...op.end());
  tile.push(...op.get(A_ROW), ...op.set(A_PTR));
  tile.push(...op.get(B), ...op.get(PANEL), ...op.i32Const(32), ...op.i32Mul(), ...op.i32Add(), ...op.set(B_PTR));
  tile.push(...countedLoop(K, DEPTH, step));
  for (let r = 0; r < rows; r++) {
    tile.push(...rowOfC(r), ...op.get(ACC + 2 * r), ...op.v128Store(0));
    tile.push(...rowOfC(r), ...op.get(ACC + 2 * r + 1), ...op.v128Store(16));
  }

  // A_ROW = a + row·rows·lda, or a + row·rows·4 for the transpose
  const rowStride = transposed ? op.i32Const(4) : op.get(LDA);
  const block: Bytes = [
    ...op.get(A),
    ...op.get(ROW),
    ...op.i32Const(rows),
    ...op.i32Mul(),
    ...rowStride,
    ...op.i32Mul(),
    ...op.i32Add(),
    ...op.set(A_ROW),
    ...countedLoop(PANEL, PANELS, tile),
  ];
  return [
    ...op.get(LDA),
    ...op.i32Const(2),
    ...op.i32Mul(),
    ...op.set(LDA2),
    ...op.get(LDA),
    ...op.i32Const(3),
    ...op.i32Mul(),
    ...op.set(LDA3),
    ...countedLoop(ROW, COUNT, block),
  ];
}

function encodeGemmModule(shared = false): Uint8Array {
  const params = new Array<number>(10).fill(I32);
  const locals = [...new Array<number>(9).fill(I32), ...new Array<number>(12).fill(V128)];
  return encodeModule([
    { name: 'rows4', params, locals, body: kernelBody(4, false) },
    { name: 'rows1', params, locals, body: kernelBody(1, false) },
    { name: 'rows4t', params, locals, body: kernelBody(4, true) },
    { name: 'rows1t', params, locals, body: kernelBody(1, true) },
  ], shared);
}

let supported: boolean | undefined;

/** Tells whether the environment variable `BML_RELAXED_SIMD` turns the kernel off: `0`, `false`, `off` or `no`. */
export function relaxedSimdDisabled(): boolean {
  const value = (process.env.BML_RELAXED_SIMD ?? '').trim().toLowerCase();
  return ['0', 'false', 'off', 'no'].includes(value);
}

/**
 * Tells whether this runtime compiles relaxed SIMD, turning on V8's flag for it where that is
 * needed and allowed (see {@link relaxedSimdDisabled}). The result is cached.
 */
export function relaxedSimdSupported(): boolean {
  if (supported !== undefined) return supported;
  supported = false;
  if (!wasmApi || relaxedSimdDisabled()) return supported;
  const bytes = encodeGemmModule();
  if (!wasmApi.validate(bytes)) {
    try {
      setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      return supported;
    }
  }
  supported = wasmApi.validate(bytes);
  return supported;
}

type Run = (...args: number[]) => void;

/** The product kernel module, compiled once for plain and once for shared memories. */
export const gemmModules = new ModuleCache(encodeGemmModule);
const kernels = new WeakMap<WasmMemory, GemmKernels>();

/**
 * Runs C = A B (or Aᵀ B with `transposed`) with the kernel exports `rows4` and `rows1` of one
 * instance: depth blocks of `depthBlock`, panels of 8 columns in groups of `panelBlock`.
 * It refers to nothing outside its parameters, so that worker threads can run its source.
 */
export function driveProduct(
  rows4: Run,
  rows1: Run,
  transposed: boolean,
  buffers: GemmBuffers,
  m: number,
  k: number,
  n: number,
  add: boolean,
  depthBlock: number,
  panelBlock: number,
): void {
  const { a, b, c, lda, ldb, ldc } = buffers;
  const panels = Math.ceil(n / 8);
  const blocks = Math.floor(m / 4);
  const rest = m - 4 * blocks;
  // Byte offsets of a row of A (a column of the stored transpose) and of a step in depth.
  const rowBytes = transposed ? 4 : lda * 4;
  const depthBytes = transposed ? lda * 4 : 4;
  const restA = a + 4 * blocks * rowBytes;
  const restC = c + 4 * blocks * ldc * 4;
  for (let k0 = 0; k0 < k; k0 += depthBlock) {
    const depth = Math.min(depthBlock, k - k0);
    for (let p0 = 0; p0 < panels; p0 += panelBlock) {
      const count = Math.min(panelBlock, panels - p0);
      const bBlock = b + (k0 * ldb + 8 * p0) * 4;
      const column = 8 * p0 * 4;
      const aBlock = k0 * depthBytes;
      const accumulate = k0 > 0 || add ? 1 : 0;
      if (blocks > 0) rows4(a + aBlock, bBlock, c + column, blocks, depth, count, lda * 4, ldb * 4, ldc * 4, accumulate);
      if (rest > 0) rows1(restA + aBlock, bBlock, restC + column, rest, depth, count, lda * 4, ldb * 4, ldc * 4, accumulate);
    }
  }
}

/**
 * Returns the product kernels bound to `memory` (plain or shared), or undefined where relaxed
 * SIMD is missing (see {@link relaxedSimdSupported}).
 */
export function gemmKernels(memory: WasmMemory): GemmKernels | undefined {
  if (!wasmApi || !relaxedSimdSupported()) return undefined;
  const cached = kernels.get(memory);
  if (cached) return cached;
  const exports = gemmModules.instantiate(memory) as Record<string, Run>;
  const drive = (rows4: Run, rows1: Run, transposed: boolean) =>
    (buffers: GemmBuffers, m: number, k: number, n: number, add = false): void =>
      driveProduct(rows4, rows1, transposed, buffers, m, k, n, add, GEMM_DEPTH_BLOCK, GEMM_PANEL_BLOCK);
  const bound: GemmKernels = {
    multiply: drive(exports.rows4, exports.rows1, false),
    multiplyTransposedLeft: drive(exports.rows4t, exports.rows1t, true),
  };
  kernels.set(memory, bound);
  return bound;
}
