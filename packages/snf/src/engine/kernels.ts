/**
 * The hot loops of SNF, in two interchangeable implementations over one
 * linear memory (an {@link Arena}): WebAssembly with 128-bit SIMD (the
 * default) and plain JavaScript (the fallback, and the cross-check in the
 * tests). Both accumulate in the same order, so they give bit-identical
 * results. Every pointer is a byte offset into the arena.
 *
 * Layouts:
 * - "lanes of 8": the values of 8 rows for one column are 8 consecutive
 *   doubles (64 bytes); a block of 8 rows over `n` columns takes `64 n` bytes.
 * - CSR: `rowPtr` (int32, rows + 1), `col` (int32), `val` (float64).
 */

import { encodeModule, F64, I32, op, V128, type Bytes, type FunctionSpec } from './wasm-encoder.js';
import type { Arena } from './arena.js';
import { wasmApi, type WasmModule } from './wasm-api.js';

export interface Kernels {
  /** `'wasm'` or `'js'`. */
  readonly kind: 'wasm' | 'js';
  /**
   * For each row i < n of a CSR matrix S: the 8 lanes Σ_p val[p] x[col[p]][0..7],
   * stored as lane b at `out + (i >> 3) * blockBytes + (i & 7) * 8 + b * 64`.
   */
  spmmTiles(n: number, rowPtr: number, col: number, val: number, x: number, out: number, blockBytes: number): void;
  /**
   * For each row j of S from j1 - 1 down to j0: the 8 lanes
   * Σ_p val[p] y[col[p]][0..7], lane b stored at column j of packed row
   * i0 + b, where `base` is the byte offset of packed row i0 and
   * `rowBytes` = 8 i0.
   */
  spmmRows(j0: number, j1: number, rowPtr: number, col: number, val: number, y: number, base: number, rowBytes: number): void;
  /**
   * The lanes of 8 rows r0..r0+rows-1 of (ΣP - P_v) * inv from the packed
   * matrices at `sum` and `pv`, for columns c < r0 and c >= r0 + 8 (the
   * diagonal tile is left to the caller): x[c][b] at `x + 64 c + 8 b`.
   */
  lanesFromSum(n: number, r0: number, rows: number, sum: number, pv: number, x: number, inv: number): void;
  /** dst[k] += src[k] for k < count (doubles). */
  addInto(dst: number, src: number, count: number): void;
  /** Writes Σ (next - sum)² and Σ sum² at out[0], out[1], then copies next over sum (count doubles). */
  changeAndCopy(sum: number, next: number, count: number, out: number): void;
  /** out[j] = Σ_k (x[k] - y[j dim + k])² for j < count; `dim` is a multiple of 4. */
  squaredDistances(x: number, y: number, count: number, dim: number, out: number): void;
  /** out[j] = Σ_k x[k] y[j dim + k] for j < count; `dim` is a multiple of 4. */
  dotProducts(x: number, y: number, count: number, dim: number, out: number): void;
}

// ---------------------------------------------------------------------------
// WebAssembly bodies

/** Accumulates the 4 SIMD registers acc..acc+3 with splat(val[p]) * x[col[p]] (64 bytes). */
function laneProductLoop(colP: number, valP: number, xP: number, p: number, end: number, s: number, a: number, acc: number): Bytes {
  return [
    ...op.block(), ...op.loop(),
    ...op.get(p), ...op.get(end), ...op.i32GeS(), ...op.brIf(1),
    // s = splat(val[p])
    ...op.get(valP), ...op.get(p), ...op.i32Const(3), ...op.i32Shl(), ...op.i32Add(), ...op.v128Load64Splat(), ...op.set(s),
    // a = x + col[p] * 64
    ...op.get(xP), ...op.get(colP), ...op.get(p), ...op.i32Const(2), ...op.i32Shl(), ...op.i32Add(), ...op.i32Load(),
    ...op.i32Const(6), ...op.i32Shl(), ...op.i32Add(), ...op.set(a),
    ...[0, 1, 2, 3].flatMap((k) => [
      ...op.get(acc + k), ...op.get(s), ...op.get(a), ...op.v128Load(16 * k), ...op.f64x2Mul(), ...op.f64x2Add(), ...op.set(acc + k),
    ]),
    ...op.get(p), ...op.i32Const(1), ...op.i32Add(), ...op.set(p),
    ...op.br(0),
    ...op.end(), ...op.end(),
  ];
}

/** p = rowPtr[row], end = rowPtr[row + 1]. */
function rowRange(rowPtrP: number, row: number, p: number, end: number, tmp: number): Bytes {
  return [
    ...op.get(rowPtrP), ...op.get(row), ...op.i32Const(2), ...op.i32Shl(), ...op.i32Add(), ...op.tee(tmp),
    ...op.i32Load(0), ...op.set(p),
    ...op.get(tmp), ...op.i32Load(4), ...op.set(end),
  ];
}

function zeroAccumulators(acc: number): Bytes {
  return [0, 1, 2, 3].flatMap((k) => [...op.v128Zero(), ...op.set(acc + k)]);
}

function spmmTilesSpec(): FunctionSpec {
  // params: 0 n, 1 rowPtr, 2 col, 3 val, 4 x, 5 out, 6 blockBytes
  // locals: 7 i, 8 p, 9 end, 10 a, 11 dst (i32); 12 s, 13-16 acc (v128)
  const [n, rowPtr, col, val, x, out, blockBytes] = [0, 1, 2, 3, 4, 5, 6];
  const [i, p, end, a, dst, s, acc] = [7, 8, 9, 10, 11, 12, 13];
  const storeLanes: Bytes = [];
  for (let b = 0; b < 8; b++) {
    storeLanes.push(...op.get(dst), ...op.get(acc + (b >> 1)), ...op.f64x2ExtractLane(b & 1), ...op.f64Store(64 * b));
  }
  const body: Bytes = [
    ...op.i32Const(0), ...op.set(i),
    ...op.block(), ...op.loop(),
    ...op.get(i), ...op.get(n), ...op.i32GeS(), ...op.brIf(1),
    ...zeroAccumulators(acc),
    ...rowRange(rowPtr, i, p, end, a),
    ...laneProductLoop(col, val, x, p, end, s, a, acc),
    // dst = out + (i >> 3) * blockBytes + (i & 7) * 8
    ...op.get(out), ...op.get(i), ...op.i32Const(3), ...op.i32ShrU(), ...op.get(blockBytes), ...op.i32Mul(), ...op.i32Add(),
    ...op.get(i), ...op.i32Const(7), ...op.i32And(), ...op.i32Const(3), ...op.i32Shl(), ...op.i32Add(), ...op.set(dst),
    ...storeLanes,
    ...op.get(i), ...op.i32Const(1), ...op.i32Add(), ...op.set(i),
    ...op.br(0),
    ...op.end(), ...op.end(),
  ];
  return { name: 'spmmTiles', params: [I32, I32, I32, I32, I32, I32, I32], locals: [I32, I32, I32, I32, I32, V128, V128, V128, V128, V128], body };
}

function spmmRowsSpec(): FunctionSpec {
  // params: 0 j0, 1 j1, 2 rowPtr, 3 col, 4 val, 5 y, 6 base, 7 rowBytes
  // locals: 8 j, 9 p, 10 end, 11 a, 12 addr (i32); 13 s, 14-17 acc (v128)
  // Rows are visited from j1 - 1 down to j0 (see diffuseView). Lane b goes to
  // packed row i0 + b, which starts 8 (b i0 + b (b + 1) / 2) bytes after
  // `base` (row i0), with rowBytes = 8 i0.
  const [j0, j1, rowPtr, col, val, y, base, rowBytes] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [j, p, end, a, addr, s, acc] = [8, 9, 10, 11, 12, 13, 14];
  const storeLanes: Bytes = [...op.get(base), ...op.get(j), ...op.i32Const(3), ...op.i32Shl(), ...op.i32Add(), ...op.set(addr)];
  for (let b = 0; b < 8; b++) {
    if (b > 0) {
      storeLanes.push(...op.get(addr), ...op.get(rowBytes), ...op.i32Add(), ...op.i32Const(8 * b), ...op.i32Add(), ...op.set(addr));
    }
    storeLanes.push(...op.get(addr), ...op.get(acc + (b >> 1)), ...op.f64x2ExtractLane(b & 1), ...op.f64Store());
  }
  const body: Bytes = [
    ...op.get(j1), ...op.i32Const(1), ...op.i32Sub(), ...op.set(j),
    ...op.block(), ...op.loop(),
    ...op.get(j), ...op.get(j0), ...op.i32LtS(), ...op.brIf(1),
    ...zeroAccumulators(acc),
    ...rowRange(rowPtr, j, p, end, a),
    ...laneProductLoop(col, val, y, p, end, s, a, acc),
    ...storeLanes,
    ...op.get(j), ...op.i32Const(1), ...op.i32Sub(), ...op.set(j),
    ...op.br(0),
    ...op.end(), ...op.end(),
  ];
  return { name: 'spmmRows', params: [I32, I32, I32, I32, I32, I32, I32, I32], locals: [I32, I32, I32, I32, I32, V128, V128, V128, V128, V128], body };
}

function lanesFromSumSpec(): FunctionSpec {
  // params: 0 n, 1 r0, 2 rows, 3 sum, 4 pv, 5 x, 6 inv (f64)
  // locals: 7 b, 8 c, 9 src, 10 dst, 11 limit, 12 rowStart (i32); 13 invv (v128)
  const [n, r0, rows, sum, pv, x, inv] = [0, 1, 2, 3, 4, 5, 6];
  const [b, c, src, dst, limit, rowStart, invv] = [7, 8, 9, 10, 11, 12, 13];
  const scalar: Bytes = [
    // x[dst] = (sum[src] - pv[src]) * inv
    ...op.get(dst),
    ...op.get(sum), ...op.get(src), ...op.i32Add(), ...op.f64Load(),
    ...op.get(pv), ...op.get(src), ...op.i32Add(), ...op.f64Load(),
    ...op.f64Sub(), ...op.get(inv), ...op.f64Mul(), ...op.f64Store(),
  ];
  const vectorPart = (k: number): Bytes => [
    ...op.get(dst),
    ...op.get(sum), ...op.get(src), ...op.i32Add(), ...op.v128Load(16 * k),
    ...op.get(pv), ...op.get(src), ...op.i32Add(), ...op.v128Load(16 * k),
    ...op.f64x2Sub(), ...op.get(invv), ...op.f64x2Mul(), ...op.v128Store(16 * k),
  ];
  const body: Bytes = [
    ...op.get(inv), ...op.f64x2Splat(), ...op.set(invv),
    // part A: columns c < r0 of rows r0 + b
    ...op.i32Const(0), ...op.set(b),
    ...op.block(), ...op.loop(),
    ...op.get(b), ...op.get(rows), ...op.i32GeS(), ...op.brIf(1),
    // src = 8 * rowStart(r0 + b) ; rowStart(r) = r (r + 1) / 2
    ...op.get(r0), ...op.get(b), ...op.i32Add(), ...op.tee(rowStart),
    ...op.get(rowStart), ...op.i32Const(1), ...op.i32Add(), ...op.i32Mul(), ...op.i32Const(1), ...op.i32ShrU(),
    ...op.i32Const(3), ...op.i32Shl(), ...op.set(src),
    ...op.get(x), ...op.get(b), ...op.i32Const(3), ...op.i32Shl(), ...op.i32Add(), ...op.set(dst),
    ...op.get(src), ...op.get(r0), ...op.i32Const(3), ...op.i32Shl(), ...op.i32Add(), ...op.set(limit),
    ...op.block(), ...op.loop(),
    ...op.get(src), ...op.get(limit), ...op.i32GeS(), ...op.brIf(1),
    ...scalar,
    ...op.get(src), ...op.i32Const(8), ...op.i32Add(), ...op.set(src),
    ...op.get(dst), ...op.i32Const(64), ...op.i32Add(), ...op.set(dst),
    ...op.br(0),
    ...op.end(), ...op.end(),
    ...op.get(b), ...op.i32Const(1), ...op.i32Add(), ...op.set(b),
    ...op.br(0),
    ...op.end(), ...op.end(),
    // part C: columns c >= r0 + 8, 8 contiguous values of packed row c
    ...op.get(r0), ...op.i32Const(8), ...op.i32Add(), ...op.set(c),
    ...op.block(), ...op.loop(),
    ...op.get(c), ...op.get(n), ...op.i32GeS(), ...op.brIf(1),
    ...op.get(c), ...op.get(c), ...op.i32Const(1), ...op.i32Add(), ...op.i32Mul(), ...op.i32Const(1), ...op.i32ShrU(),
    ...op.get(r0), ...op.i32Add(), ...op.i32Const(3), ...op.i32Shl(), ...op.set(src),
    ...op.get(x), ...op.get(c), ...op.i32Const(6), ...op.i32Shl(), ...op.i32Add(), ...op.set(dst),
    ...vectorPart(0), ...vectorPart(1), ...vectorPart(2), ...vectorPart(3),
    ...op.get(c), ...op.i32Const(1), ...op.i32Add(), ...op.set(c),
    ...op.br(0),
    ...op.end(), ...op.end(),
  ];
  return { name: 'lanesFromSum', params: [I32, I32, I32, I32, I32, I32, F64], locals: [I32, I32, I32, I32, I32, I32, V128], body };
}

function addIntoSpec(): FunctionSpec {
  // params: 0 dst, 1 src, 2 count; locals: 3 k (bytes), 4 limit (bytes)
  const [dst, src, count, k, limit] = [0, 1, 2, 3, 4];
  const at = (base: number): Bytes => [...op.get(base), ...op.get(k), ...op.i32Add()];
  const body: Bytes = [
    ...op.get(count), ...op.i32Const(1), ...op.i32ShrU(), ...op.i32Const(4), ...op.i32Shl(), ...op.set(limit),
    ...op.i32Const(0), ...op.set(k),
    ...op.block(), ...op.loop(),
    ...op.get(k), ...op.get(limit), ...op.i32GeS(), ...op.brIf(1),
    ...at(dst), ...at(dst), ...op.v128Load(), ...at(src), ...op.v128Load(), ...op.f64x2Add(), ...op.v128Store(),
    ...op.get(k), ...op.i32Const(16), ...op.i32Add(), ...op.set(k),
    ...op.br(0),
    ...op.end(), ...op.end(),
    // odd tail
    ...op.get(count), ...op.i32Const(1), ...op.i32And(), ...op.if(),
    ...at(dst), ...at(dst), ...op.f64Load(), ...at(src), ...op.f64Load(), ...op.f64Add(), ...op.f64Store(),
    ...op.end(),
  ];
  return { name: 'addInto', params: [I32, I32, I32], locals: [I32, I32], body };
}

function changeAndCopySpec(): FunctionSpec {
  // params: 0 sum, 1 next, 2 count, 3 out
  // locals: 4 k, 5 limit (i32); 6 diff, 7 norm, 8 a, 9 d (v128); 10 sd, 11 sa, 12 old, 13 t (f64)
  const [sum, next, count, out, k, limit, diff, norm, a, d, sd, sa, old, t] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const at = (base: number): Bytes => [...op.get(base), ...op.get(k), ...op.i32Add()];
  const body: Bytes = [
    ...op.v128Zero(), ...op.set(diff), ...op.v128Zero(), ...op.set(norm),
    ...op.get(count), ...op.i32Const(1), ...op.i32ShrU(), ...op.i32Const(4), ...op.i32Shl(), ...op.set(limit),
    ...op.i32Const(0), ...op.set(k),
    ...op.block(), ...op.loop(),
    ...op.get(k), ...op.get(limit), ...op.i32GeS(), ...op.brIf(1),
    ...at(sum), ...op.v128Load(), ...op.set(a),
    ...at(next), ...op.v128Load(), ...op.get(a), ...op.f64x2Sub(), ...op.tee(d), ...op.get(d), ...op.f64x2Mul(),
    ...op.get(diff), ...op.f64x2Add(), ...op.set(diff),
    ...op.get(a), ...op.get(a), ...op.f64x2Mul(), ...op.get(norm), ...op.f64x2Add(), ...op.set(norm),
    ...at(sum), ...at(next), ...op.v128Load(), ...op.v128Store(),
    ...op.get(k), ...op.i32Const(16), ...op.i32Add(), ...op.set(k),
    ...op.br(0),
    ...op.end(), ...op.end(),
    // the two lanes summed, then the odd tail
    ...op.get(diff), ...op.f64x2ExtractLane(0), ...op.get(diff), ...op.f64x2ExtractLane(1), ...op.f64Add(), ...op.set(sd),
    ...op.get(norm), ...op.f64x2ExtractLane(0), ...op.get(norm), ...op.f64x2ExtractLane(1), ...op.f64Add(), ...op.set(sa),
    ...op.get(count), ...op.i32Const(1), ...op.i32And(), ...op.if(),
    ...at(sum), ...op.f64Load(), ...op.set(old),
    ...at(next), ...op.f64Load(), ...op.get(old), ...op.f64Sub(), ...op.set(t),
    ...op.get(sd), ...op.get(t), ...op.get(t), ...op.f64Mul(), ...op.f64Add(), ...op.set(sd),
    ...op.get(sa), ...op.get(old), ...op.get(old), ...op.f64Mul(), ...op.f64Add(), ...op.set(sa),
    ...at(sum), ...at(next), ...op.f64Load(), ...op.f64Store(),
    ...op.end(),
    ...op.get(out), ...op.get(sd), ...op.f64Store(0),
    ...op.get(out), ...op.get(sa), ...op.f64Store(8),
  ];
  return { name: 'changeAndCopy', params: [I32, I32, I32, I32], locals: [I32, I32, V128, V128, V128, V128, F64, F64, F64, F64], body };
}

/** out[j] = reduce over k of f(x[k], y[j][k]) with two f64x2 accumulators (k mod 4 in {0,1} and {2,3}). */
function rowReductionSpec(fname: string, squaredDifference: boolean): FunctionSpec {
  // params: 0 x, 1 y, 2 count, 3 dim, 4 out
  // locals: 5 j, 6 k, 7 row, 8 rowBytes (i32); 9 acc0, 10 acc1, 11 t (v128)
  const [x, y, count, dim, out] = [0, 1, 2, 3, 4];
  const [j, k, row, rowBytes, acc0, acc1, t] = [5, 6, 7, 8, 9, 10, 11];
  const term = (offset: number, acc: number): Bytes => [
    ...op.get(x), ...op.get(k), ...op.i32Add(), ...op.v128Load(offset),
    ...op.get(row), ...op.get(k), ...op.i32Add(), ...op.v128Load(offset),
    ...(squaredDifference
      ? [...op.f64x2Sub(), ...op.tee(t), ...op.get(t), ...op.f64x2Mul()]
      : [...op.f64x2Mul()]),
    ...op.get(acc), ...op.f64x2Add(), ...op.set(acc),
  ];
  const body: Bytes = [
    ...op.get(dim), ...op.i32Const(3), ...op.i32Shl(), ...op.set(rowBytes),
    ...op.get(y), ...op.set(row),
    ...op.i32Const(0), ...op.set(j),
    ...op.block(), ...op.loop(),
    ...op.get(j), ...op.get(count), ...op.i32GeS(), ...op.brIf(1),
    ...op.v128Zero(), ...op.set(acc0), ...op.v128Zero(), ...op.set(acc1),
    ...op.i32Const(0), ...op.set(k),
    ...op.block(), ...op.loop(),
    ...op.get(k), ...op.get(rowBytes), ...op.i32GeS(), ...op.brIf(1),
    ...term(0, acc0),
    ...term(16, acc1),
    ...op.get(k), ...op.i32Const(32), ...op.i32Add(), ...op.set(k),
    ...op.br(0),
    ...op.end(), ...op.end(),
    // out[j] = (acc0 + acc1).lane0 + (acc0 + acc1).lane1
    ...op.get(out), ...op.get(j), ...op.i32Const(3), ...op.i32Shl(), ...op.i32Add(),
    ...op.get(acc0), ...op.get(acc1), ...op.f64x2Add(), ...op.tee(t), ...op.f64x2ExtractLane(0),
    ...op.get(t), ...op.f64x2ExtractLane(1), ...op.f64Add(),
    ...op.f64Store(),
    ...op.get(row), ...op.get(rowBytes), ...op.i32Add(), ...op.set(row),
    ...op.get(j), ...op.i32Const(1), ...op.i32Add(), ...op.set(j),
    ...op.br(0),
    ...op.end(), ...op.end(),
  ];
  return { name: fname, params: [I32, I32, I32, I32, I32], locals: [I32, I32, I32, I32, V128, V128, V128], body };
}

let compiled: WasmModule | null | undefined;

/** The compiled kernel module, or null where WebAssembly SIMD is unavailable. */
export function kernelModule(): WasmModule | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = encodeModule([
      spmmTilesSpec(),
      spmmRowsSpec(),
      lanesFromSumSpec(),
      addIntoSpec(),
      changeAndCopySpec(),
      rowReductionSpec('squaredDistances', true),
      rowReductionSpec('dotProducts', false),
    ]);
    compiled = wasmApi !== undefined && wasmApi.validate(bytes) ? new wasmApi.Module(bytes) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

/** Kernels running in WebAssembly on the arena's memory. */
export function wasmKernels(arena: Arena): Kernels {
  const module = kernelModule();
  if (module === null || arena.memory === null || wasmApi === undefined) throw new Error('WebAssembly SIMD kernels are unavailable');
  const e = new wasmApi.Instance(module, { env: { memory: arena.memory } }).exports as Record<string, (...args: number[]) => void>;
  return {
    kind: 'wasm',
    spmmTiles: e.spmmTiles,
    spmmRows: e.spmmRows,
    lanesFromSum: e.lanesFromSum,
    addInto: e.addInto,
    changeAndCopy: e.changeAndCopy,
    squaredDistances: e.squaredDistances,
    dotProducts: e.dotProducts,
  };
}

// ---------------------------------------------------------------------------
// JavaScript equivalents (same accumulation order)

/** Kernels in plain JavaScript on the arena's buffer. */
export function jsKernels(arena: Arena): Kernels {
  return {
    kind: 'js',
    spmmTiles(n, rowPtr, col, val, x, out, blockBytes) {
      const f = arena.f64;
      const iv = arena.i32;
      const rp = rowPtr >>> 2;
      const c0 = col >>> 2;
      const v0 = val >>> 3;
      const x0 = x >>> 3;
      for (let i = 0; i < n; i++) {
        let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        for (let p = iv[rp + i], e = iv[rp + i + 1]; p < e; p++) {
          const s = f[v0 + p];
          const o = x0 + iv[c0 + p] * 8;
          a0 += s * f[o]; a1 += s * f[o + 1]; a2 += s * f[o + 2]; a3 += s * f[o + 3];
          a4 += s * f[o + 4]; a5 += s * f[o + 5]; a6 += s * f[o + 6]; a7 += s * f[o + 7];
        }
        const d = (out + (i >> 3) * blockBytes + (i & 7) * 8) / 8;
        f[d] = a0; f[d + 8] = a1; f[d + 16] = a2; f[d + 24] = a3;
        f[d + 32] = a4; f[d + 40] = a5; f[d + 48] = a6; f[d + 56] = a7;
      }
    },
    spmmRows(j0, j1, rowPtr, col, val, y, base, rowBytes) {
      const f = arena.f64;
      const iv = arena.i32;
      const rp = rowPtr >>> 2;
      const c0 = col >>> 2;
      const v0 = val >>> 3;
      const y0 = y >>> 3;
      const i0 = rowBytes >>> 3;
      const b = new Array<number>(8);
      b[0] = base >>> 3;
      for (let q = 1; q < 8; q++) b[q] = b[q - 1] + i0 + q;
      for (let j = j1 - 1; j >= j0; j--) {
        let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        for (let p = iv[rp + j], e = iv[rp + j + 1]; p < e; p++) {
          const s = f[v0 + p];
          const o = y0 + iv[c0 + p] * 8;
          a0 += s * f[o]; a1 += s * f[o + 1]; a2 += s * f[o + 2]; a3 += s * f[o + 3];
          a4 += s * f[o + 4]; a5 += s * f[o + 5]; a6 += s * f[o + 6]; a7 += s * f[o + 7];
        }
        f[b[0] + j] = a0; f[b[1] + j] = a1; f[b[2] + j] = a2; f[b[3] + j] = a3;
        f[b[4] + j] = a4; f[b[5] + j] = a5; f[b[6] + j] = a6; f[b[7] + j] = a7;
      }
    },
    lanesFromSum(n, r0, rows, sum, pv, x, inv) {
      const f = arena.f64;
      const s = sum >>> 3;
      const v = pv >>> 3;
      const x0 = x >>> 3;
      for (let b = 0; b < rows; b++) {
        const start = ((r0 + b) * (r0 + b + 1)) >>> 1;
        for (let c = 0; c < r0; c++) f[x0 + c * 8 + b] = (f[s + start + c] - f[v + start + c]) * inv;
      }
      for (let c = r0 + 8; c < n; c++) {
        const e = ((c * (c + 1)) >>> 1) + r0;
        const o = x0 + c * 8;
        for (let b = 0; b < 8; b++) f[o + b] = (f[s + e + b] - f[v + e + b]) * inv;
      }
    },
    addInto(dst, src, count) {
      const f = arena.f64;
      const d = dst >>> 3;
      const s = src >>> 3;
      for (let k = 0; k < count; k++) f[d + k] += f[s + k];
    },
    changeAndCopy(sum, next, count, out) {
      const f = arena.f64;
      const s = sum >>> 3;
      const x = next >>> 3;
      let d0 = 0, d1 = 0, n0 = 0, n1 = 0;
      const even = count - (count & 1);
      for (let k = 0; k < even; k += 2) {
        const a0 = f[s + k];
        const a1 = f[s + k + 1];
        const t0 = f[x + k] - a0;
        const t1 = f[x + k + 1] - a1;
        d0 += t0 * t0; d1 += t1 * t1; n0 += a0 * a0; n1 += a1 * a1;
        f[s + k] = f[x + k];
        f[s + k + 1] = f[x + k + 1];
      }
      let diff = d0 + d1;
      let norm = n0 + n1;
      if (count & 1) {
        const old = f[s + even];
        const t = f[x + even] - old;
        diff += t * t;
        norm += old * old;
        f[s + even] = f[x + even];
      }
      f[(out >>> 3)] = diff;
      f[(out >>> 3) + 1] = norm;
    },
    squaredDistances(x, y, count, dim, out) {
      const f = arena.f64;
      const x0 = x >>> 3;
      const o0 = out >>> 3;
      for (let j = 0; j < count; j++) {
        const r = (y >>> 3) + j * dim;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let k = 0; k < dim; k += 4) {
          const d0 = f[x0 + k] - f[r + k];
          const d1 = f[x0 + k + 1] - f[r + k + 1];
          const d2 = f[x0 + k + 2] - f[r + k + 2];
          const d3 = f[x0 + k + 3] - f[r + k + 3];
          s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3;
        }
        f[o0 + j] = s0 + s2 + (s1 + s3);
      }
    },
    dotProducts(x, y, count, dim, out) {
      const f = arena.f64;
      const x0 = x >>> 3;
      const o0 = out >>> 3;
      for (let j = 0; j < count; j++) {
        const r = (y >>> 3) + j * dim;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let k = 0; k < dim; k += 4) {
          s0 += f[x0 + k] * f[r + k]; s1 += f[x0 + k + 1] * f[r + k + 1];
          s2 += f[x0 + k + 2] * f[r + k + 2]; s3 += f[x0 + k + 3] * f[r + k + 3];
        }
        f[o0 + j] = s0 + s2 + (s1 + s3);
      }
    },
  };
}
