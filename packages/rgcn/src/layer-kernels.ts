/**
 * WebAssembly SIMD kernels for the parts of an r-GCN layer between its
 * products, run on the wasm backend's memory:
 *
 * - `activate`: t = z + b, a = LeakyReLU(t) written as the tensor ops of
 *   {@link leakyRelu} write it, `f32(f32(t·s) + f32(relu(t)·(1 − s)))`, then
 *   dropout as `tf.dropout` computes it, `f32(a · m)` with the multiplier
 *   `m = f32(floor(f32(u + keep)) / keep)`. With u < 1 and keep ≤ 1 the
 *   floor is 0 or 1, so m is 0 or `f32(1 / keep)`.
 * - `activateBackward`: ∂t = f32(f32(∂out · m) · (t > 0 ? f32(f32(1 − s) + s) : s)),
 *   with t = z + b computed again, and ∂b the column sums of ∂t, summed over
 *   the rows in order.
 * - `propagate`: the sparse product Â H of a CSR matrix with a dense one,
 *   each entry `Σ_p f32(v_p · h)` summed over the stored entries of its row
 *   in order, starting from 0.
 *
 * Every operation is a float32 operation on one lane, as the wasm backend's
 * kernels compute it, and every sum runs in the backend's order, so the
 * results equal those of the tensor ops bit for bit (tested). The kernels
 * work on rows whose width is a multiple of 4.
 */
import { countedLoop, encodeModule, F32, I32, increment, op, V128, wasmApi, type Bytes, type WasmMemory } from '@bml/core/wasm';

/** Byte addresses and sizes of one `activate` call. */
export interface ActivateBuffers {
  /** Pre-activation `[rows, width]`. */
  z: number;
  /** Bias `[width]`. */
  bias: number;
  /** Uniform draws, replaced by the dropout multipliers (0 for no dropout). */
  mask: number;
  out: number;
  rows: number;
  width: number;
}

/** Byte addresses and sizes of one `propagate` call. */
export interface PropagateBuffers {
  /** Int32 row pointers, `rows + 1` of them. */
  rowPtr: number;
  /** Int32 column of each stored entry. */
  colIdx: number;
  /** Float32 value of each stored entry. */
  values: number;
  /** Dense input `[columns, width]`. */
  h: number;
  /** Dense output `[rows, width]`. */
  out: number;
  rows: number;
  width: number;
}

/** The kernels, bound to one memory. */
export interface LayerKernels {
  /** Runs the forward step with LeakyReLU `slope` and dropout keep probability `keep` (ignored without a mask). */
  activate(buffers: ActivateBuffers, slope: number, keep: number): void;
  /** Writes ∂t to `dt` and ∂b to `dBias` from ∂out at `dy`, with the inputs and `mask` of the forward step. */
  activateBackward(buffers: ActivateBuffers, dy: number, dt: number, dBias: number, slope: number): void;
  /** Writes Â H to `out`. */
  propagate(buffers: PropagateBuffers): void;
}

const f32 = Math.fround;

// activate(z, bias, mask, out, rows, width, slope, oneMinusSlope, keep, inverseKeep)
const Z = 0;
const BIAS = 1;
const MASK = 2;
const OUT = 3;
const ROWS = 4;
const WIDTH = 5;
const SLOPE = 6;
const ONE_MINUS_SLOPE = 7;
const KEEP = 8;
const INVERSE_KEEP = 9;
const ROW = 10;
const COLUMN = 11;
const OFFSET = 12;
const V_T = 13;
const V_A = 14;
const V_M = 15;

/** Pushes `base + offset` for the i32 locals `base` and `offset`. */
const at = (base: number, offset: number): Bytes => [...op.get(base), ...op.get(offset), ...op.i32Add()];
const splat = (local: number): Bytes => [...op.get(local), ...op.f32x4Splat()];

/** Pushes t = z + b for the group at `offset` of row-major z, with `column` the group's index. */
function biased(z: number, bias: number, offset: number, column: number): Bytes {
  return [
    ...at(z, offset), ...op.v128Load(),
    ...op.get(bias), ...op.get(column), ...op.i32Const(4), ...op.i32Shl(), ...op.i32Add(), ...op.v128Load(),
    ...op.f32x4Add(),
  ];
}

/** Visits every group of four columns of every row, with OFFSET the group's byte offset into a `[rows, width]` buffer. */
function rowsAndGroups(rowLocal: number, columnLocal: number, rows: number, groups: number, offsetLocal: number, body: Bytes): Bytes {
  return [
    ...op.i32Const(0), ...op.set(offsetLocal),
    ...countedLoop(rowLocal, rows, countedLoop(columnLocal, groups, [...body, ...increment(offsetLocal, op.i32Const(16))])),
  ];
}

function activateBody(): Bytes {
  const body = [
    ...biased(Z, BIAS, OFFSET, COLUMN), ...op.set(V_T),
    // a = f32(t·s) + f32(relu(t)·(1 − s)), relu(t) = t < 0 ? 0 : t
    ...op.get(V_T), ...splat(SLOPE), ...op.f32x4Mul(),
    ...op.v128Zero(), ...op.get(V_T), ...op.get(V_T), ...op.v128Zero(), ...op.f32x4Lt(), ...op.v128Bitselect(),
    ...splat(ONE_MINUS_SLOPE), ...op.f32x4Mul(), ...op.f32x4Add(), ...op.set(V_A),
    ...op.get(MASK), ...op.if(),
    // m = f32(u + keep) >= 1 ? f32(1 / keep) : 0, stored back into the mask. Then out = a·m.
    ...splat(INVERSE_KEEP), ...op.v128Zero(),
    ...at(MASK, OFFSET), ...op.v128Load(), ...splat(KEEP), ...op.f32x4Add(), ...op.f32Const(1), ...op.f32x4Splat(), ...op.f32x4Ge(),
    ...op.v128Bitselect(), ...op.set(V_M),
    ...at(MASK, OFFSET), ...op.get(V_M), ...op.v128Store(),
    ...at(OUT, OFFSET), ...op.get(V_A), ...op.get(V_M), ...op.f32x4Mul(), ...op.v128Store(),
    ...op.else(),
    ...at(OUT, OFFSET), ...op.get(V_A), ...op.v128Store(),
    ...op.end(),
  ];
  return [
    // WIDTH becomes the number of groups of four.
    ...op.get(WIDTH), ...op.i32Const(2), ...op.i32ShrU(), ...op.set(WIDTH),
    ...rowsAndGroups(ROW, COLUMN, ROWS, WIDTH, OFFSET, body),
  ];
}

// activateBackward(dy, z, bias, mask, dt, dBias, rows, width, slope, oneMinusSlopePlusSlope)
const B_DY = 0;
const B_Z = 1;
const B_BIAS = 2;
const B_MASK = 3;
const B_DT = 4;
const B_DBIAS = 5;
const B_ROWS = 6;
const B_WIDTH = 7;
const B_SLOPE = 8;
const B_POSITIVE = 9;
const B_ROW = 10;
const B_COLUMN = 11;
const B_OFFSET = 12;
const B_BIAS_AT = 13;
const B_G = 14;

function activateBackwardBody(): Bytes {
  const zeroBias = countedLoop(B_COLUMN, B_WIDTH, [
    ...op.get(B_DBIAS), ...op.get(B_COLUMN), ...op.i32Const(4), ...op.i32Shl(), ...op.i32Add(), ...op.v128Zero(), ...op.v128Store(),
  ]);
  const body = [
    ...at(B_DY, B_OFFSET), ...op.v128Load(), ...op.set(B_G),
    ...op.get(B_MASK), ...op.if(), ...op.get(B_G), ...at(B_MASK, B_OFFSET), ...op.v128Load(), ...op.f32x4Mul(), ...op.set(B_G), ...op.end(),
    // ∂t = g · (t > 0 ? f32((1 − s) + s) : s)
    ...op.get(B_G),
    ...splat(B_POSITIVE), ...splat(B_SLOPE), ...biased(B_Z, B_BIAS, B_OFFSET, B_COLUMN), ...op.v128Zero(), ...op.f32x4Gt(), ...op.v128Bitselect(),
    ...op.f32x4Mul(), ...op.set(B_G),
    ...at(B_DT, B_OFFSET), ...op.get(B_G), ...op.v128Store(),
    // ∂b += ∂t, row by row
    ...op.get(B_DBIAS), ...op.get(B_COLUMN), ...op.i32Const(4), ...op.i32Shl(), ...op.i32Add(), ...op.set(B_BIAS_AT),
    ...op.get(B_BIAS_AT), ...op.get(B_BIAS_AT), ...op.v128Load(), ...op.get(B_G), ...op.f32x4Add(), ...op.v128Store(),
  ];
  return [
    ...op.get(B_WIDTH), ...op.i32Const(2), ...op.i32ShrU(), ...op.set(B_WIDTH),
    ...zeroBias,
    ...rowsAndGroups(B_ROW, B_COLUMN, B_ROWS, B_WIDTH, B_OFFSET, body),
  ];
}

// propagate(rowPtr, colIdx, values, h, out, rows, width)
const P_ROW_PTR = 0;
const P_COL_IDX = 1;
const P_VALUES = 2;
const P_H = 3;
const P_OUT = 4;
const P_ROWS = 5;
const P_WIDTH = 6;
const P_ROW = 7;
const P_ENTRY = 8;
const P_END = 9;
const P_COLUMN = 10;
const P_OUT_ROW = 11;
const P_H_ROW = 12;
const P_AT = 13;
const P_ROW_BYTES = 14;
const P_VALUE = 15;

function propagateBody(): Bytes {
  const zeroRow = countedLoop(P_COLUMN, P_WIDTH, [
    ...op.get(P_OUT_ROW), ...op.get(P_COLUMN), ...op.i32Const(4), ...op.i32Shl(), ...op.i32Add(), ...op.v128Zero(), ...op.v128Store(),
  ]);
  // out row += v · h row, group by group
  const addEntry = countedLoop(P_COLUMN, P_WIDTH, [
    ...op.get(P_COLUMN), ...op.i32Const(4), ...op.i32Shl(), ...op.set(P_AT),
    ...at(P_OUT_ROW, P_AT),
    ...at(P_OUT_ROW, P_AT), ...op.v128Load(),
    ...op.get(P_VALUE), ...at(P_H_ROW, P_AT), ...op.v128Load(), ...op.f32x4Mul(),
    ...op.f32x4Add(), ...op.v128Store(),
  ]);
  const entries = countedLoop(
    P_ENTRY,
    P_END,
    [
      // The h row of the entry's column, and the entry's value in all four lanes.
      ...op.get(P_H), ...op.get(P_COL_IDX), ...op.get(P_ENTRY), ...op.i32Const(2), ...op.i32Shl(), ...op.i32Add(), ...op.i32Load(),
      ...op.get(P_ROW_BYTES), ...op.i32Mul(), ...op.i32Add(), ...op.set(P_H_ROW),
      ...op.get(P_VALUES), ...op.get(P_ENTRY), ...op.i32Const(2), ...op.i32Shl(), ...op.i32Add(), ...op.v128Load32Splat(), ...op.set(P_VALUE),
      ...addEntry,
    ],
    // The loop starts at rowPtr[row], and P_END contains rowPtr[row + 1].
    [...op.get(P_ROW_PTR), ...op.get(P_ROW), ...op.i32Const(2), ...op.i32Shl(), ...op.i32Add(), ...op.i32Load()],
  );
  const row = [
    ...op.get(P_OUT), ...op.get(P_ROW), ...op.get(P_ROW_BYTES), ...op.i32Mul(), ...op.i32Add(), ...op.set(P_OUT_ROW),
    ...zeroRow,
    ...op.get(P_ROW_PTR), ...op.get(P_ROW), ...op.i32Const(2), ...op.i32Shl(), ...op.i32Add(), ...op.i32Load(4), ...op.set(P_END),
    ...entries,
  ];
  return [
    ...op.get(P_WIDTH), ...op.i32Const(4), ...op.i32Mul(), ...op.set(P_ROW_BYTES),
    ...op.get(P_WIDTH), ...op.i32Const(2), ...op.i32ShrU(), ...op.set(P_WIDTH),
    ...countedLoop(P_ROW, P_ROWS, row),
  ];
}

/** Returns the module's bytes: `activate`, `activateBackward` and `propagate` on an imported memory. */
export function encodeLayerModule(): Uint8Array {
  return encodeModule([
    {
      name: 'activate',
      params: [I32, I32, I32, I32, I32, I32, F32, F32, F32, F32],
      locals: [I32, I32, I32, V128, V128, V128],
      body: activateBody(),
    },
    {
      name: 'activateBackward',
      params: [I32, I32, I32, I32, I32, I32, I32, I32, F32, F32],
      locals: [I32, I32, I32, I32, V128],
      body: activateBackwardBody(),
    },
    {
      name: 'propagate',
      params: [I32, I32, I32, I32, I32, I32, I32],
      locals: [I32, I32, I32, I32, I32, I32, I32, I32, V128],
      body: propagateBody(),
    },
  ]);
}

const bound = new WeakMap<WasmMemory, LayerKernels>();
let compiled: object | undefined;

/** Returns the kernels bound to `memory`, or undefined where WebAssembly SIMD is not available. */
export function layerKernels(memory: WasmMemory): LayerKernels | undefined {
  if (!wasmApi) return undefined;
  const known = bound.get(memory);
  if (known) return known;
  if (!compiled) {
    const bytes = encodeLayerModule();
    if (!wasmApi.validate(bytes)) return undefined;
    compiled = new wasmApi.Module(bytes);
  }
  type Run = (...args: number[]) => void;
  const exports = new wasmApi.Instance(compiled, { env: { memory } }).exports as Record<string, Run>;
  const kernels: LayerKernels = {
    activate: (b, slope, keep) =>
      exports.activate(b.z, b.bias, b.mask, b.out, b.rows, b.width, f32(slope), f32(1 - slope), f32(keep), f32(1 / f32(keep))),
    activateBackward: (b, dy, dt, dBias, slope) =>
      exports.activateBackward(dy, b.z, b.bias, b.mask, dt, dBias, b.rows, b.width, f32(slope), f32(f32(1 - slope) + f32(slope))),
    propagate: (b) => exports.propagate(b.rowPtr, b.colIdx, b.values, b.h, b.out, b.rows, b.width),
  };
  bound.set(memory, kernels);
  return kernels;
}
