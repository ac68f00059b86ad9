/**
 * The hot loops of SNF, in two interchangeable implementations over one
 * linear memory (an {@link Arena}): WebAssembly with 128-bit SIMD (the
 * default) and plain JavaScript (the fallback, and the cross-check in the
 * tests). Both accumulate in the same order, so they give bit-identical
 * results. Every pointer is a byte offset into the arena.
 *
 * "Lanes of 8": the values of 8 rows for one column are 8 consecutive
 * doubles (one 64-byte cache line). The SIMD kernels keep the 8 lanes in
 * four f64x2 registers, so one index loaded from a sparse row serves 8
 * multiply-adds. CSR arrays: `rowPtr` (int32, rows + 1), `col` (int32),
 * `val` (float64).
 */

import { encodeModule, F64, I32, op, V128, wasmApi, type Bytes, type FunctionSpec, type WasmModule } from '@bml/core/wasm';
import type { Arena } from './arena.js';

export interface Kernels {
  /** `'wasm'` or `'js'`. */
  readonly kind: 'wasm' | 'js';
  /**
   * For each row i < n of a CSR matrix S: the 8 lanes Σ_p val[p] x[col[p]][0..7],
   * lane b stored at `out + (i >> 3) * blockBytes + (i & 7) * 8 + b * 64`.
   */
  spmmTiles(n: number, rowPtr: number, col: number, val: number, x: number, out: number, blockBytes: number): void;
  /** For each row j in [j0, j1) of S: the 8 lanes Σ_p val[p] y[col[p]][0..7], stored at `out + 64 j`. */
  spmmLanes(j0: number, j1: number, rowPtr: number, col: number, val: number, y: number, out: number): void;
  /**
   * Rows 8I..8I+7 of (ΣP - P_v) inv as lanes of 8 at `x`, from the tiled
   * matrices at `sum` and `pv`: tiles (I, 0..I) are copied, tiles (J, I) for
   * I < J < nb transposed.
   */
  tileLanes(I: number, nb: number, sum: number, pv: number, x: number, inv: number): void;
  /**
   * Full sums of the rows of blocks I0..I1-1 of the tiled matrix at `p` (nb
   * rows of tiles) into out[8 I0 .. 8 I1): the lanes of tiles (I, 0..I)
   * first, then the column sums of the tiles (J, I), J > I, in order.
   */
  tileRowSums(p: number, nb: number, I0: number, I1: number, out: number): void;
  /** Each entry (i, j) of the rows of tiles I0..I1-1 of the tiled matrix at `p` becomes (v inv_i + v inv_j) / 2. */
  tileScale(p: number, I0: number, I1: number, inv: number): void;
  /**
   * Reads one double of every cache line of [p, p + bytes) in order (the
   * hardware then streams the block into cache, instead of the gathers that
   * follow missing line by line) and stores their sum at `out`.
   */
  warm(p: number, bytes: number, out: number): void;
  /** dst[k] += src[k] for k < count (doubles). */
  addInto(dst: number, src: number, count: number): void;
  /**
   * sum[k] <- Σ_v P_v[k] over the m matrices whose byte offsets are the int32
   * values at `ptrs` (added in order), writing Σ (new - old)² and Σ old² at
   * out[0], out[1] (count doubles).
   */
  sumAndChange(sum: number, ptrs: number, m: number, count: number, out: number): void;
  /** out[j] = Σ_k (x[k] - y[j dim + k])² for j < count, k in order. */
  squaredDistances(x: number, y: number, count: number, dim: number, out: number): void;
  /** out[j] = Σ_k x[k] y[j dim + k] for j < count, k in order. */
  dotProducts(x: number, y: number, count: number, dim: number, out: number): void;
  /**
   * The same for 8 rows at once: x holds them as lanes of 8 (x[k][b]); the 8
   * results for row j of y are stored at `out + 64 j`.
   */
  blockSquaredDistances(x: number, y: number, count: number, dim: number, out: number): void;
  blockDotProducts(x: number, y: number, count: number, dim: number, out: number): void;
}

// ---------------------------------------------------------------------------
// WebAssembly bodies

/** acc..acc+3 += splat(val[p]) * x[col[p]] (64 bytes), for p in [p, end). */
function laneProductLoop(colP: number, valP: number, xP: number, p: number, end: number, s: number, a: number, acc: number): Bytes {
  return [
    ...op.block(), ...op.loop(),
    ...op.get(p), ...op.get(end), ...op.i32GeS(), ...op.brIf(1),
    ...op.get(valP), ...op.get(p), ...op.i32Const(3), ...op.i32Shl(), ...op.i32Add(), ...op.v128Load64Splat(), ...op.set(s),
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

function storeAccumulators(address: number, acc: number): Bytes {
  return [0, 1, 2, 3].flatMap((k) => [...op.get(address), ...op.get(acc + k), ...op.v128Store(16 * k)]);
}

/** for (v = from; v < limit; v += step) { body } */
function forLoop(v: number, from: Bytes, limit: Bytes, step: number, body: Bytes): Bytes {
  return [
    ...from, ...op.set(v),
    ...op.block(), ...op.loop(),
    ...op.get(v), ...limit, ...op.i32GeS(), ...op.brIf(1),
    ...body,
    ...op.get(v), ...op.i32Const(step), ...op.i32Add(), ...op.set(v),
    ...op.br(0),
    ...op.end(), ...op.end(),
  ];
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
  const body = forLoop(i, op.i32Const(0), op.get(n), 1, [
    ...zeroAccumulators(acc),
    ...rowRange(rowPtr, i, p, end, a),
    ...laneProductLoop(col, val, x, p, end, s, a, acc),
    // dst = out + (i >> 3) * blockBytes + (i & 7) * 8
    ...op.get(out), ...op.get(i), ...op.i32Const(3), ...op.i32ShrU(), ...op.get(blockBytes), ...op.i32Mul(), ...op.i32Add(),
    ...op.get(i), ...op.i32Const(7), ...op.i32And(), ...op.i32Const(3), ...op.i32Shl(), ...op.i32Add(), ...op.set(dst),
    ...storeLanes,
  ]);
  return { name: 'spmmTiles', params: [I32, I32, I32, I32, I32, I32, I32], locals: [I32, I32, I32, I32, I32, V128, V128, V128, V128, V128], body };
}

function spmmLanesSpec(): FunctionSpec {
  // params: 0 j0, 1 j1, 2 rowPtr, 3 col, 4 val, 5 y, 6 out
  // locals: 7 j, 8 p, 9 end, 10 a, 11 dst (i32); 12 s, 13-16 acc (v128)
  const [j0, j1, rowPtr, col, val, y, out] = [0, 1, 2, 3, 4, 5, 6];
  const [j, p, end, a, dst, s, acc] = [7, 8, 9, 10, 11, 12, 13];
  const body = forLoop(j, op.get(j0), op.get(j1), 1, [
    ...zeroAccumulators(acc),
    ...rowRange(rowPtr, j, p, end, a),
    ...laneProductLoop(col, val, y, p, end, s, a, acc),
    ...op.get(out), ...op.get(j), ...op.i32Const(6), ...op.i32Shl(), ...op.i32Add(), ...op.set(dst),
    ...storeAccumulators(dst, acc),
  ]);
  return { name: 'spmmLanes', params: [I32, I32, I32, I32, I32, I32, I32], locals: [I32, I32, I32, I32, I32, V128, V128, V128, V128, V128], body };
}

/** Byte offset of tile (row, col) of a tiled matrix: 512 (row (row + 1) / 2 + col). */
function tileOffset(row: Bytes, col: Bytes): Bytes {
  return [
    ...row, ...row, ...op.i32Const(1), ...op.i32Add(), ...op.i32Mul(), ...op.i32Const(1), ...op.i32ShrU(),
    ...col, ...op.i32Add(), ...op.i32Const(9), ...op.i32Shl(),
  ];
}

function tileLanesSpec(): FunctionSpec {
  // params: 0 I, 1 nb, 2 sum, 3 pv, 4 x, 5 inv (f64)
  // locals: 6 k, 7 limit, 8 src, 9 dst, 10 J (i32); 11 invv, 12 lo, 13 hi (v128)
  const [I, nb, sum, pv, x, inv] = [0, 1, 2, 3, 4, 5];
  const [k, limit, src, dst, J, invv, lo, hi] = [6, 7, 8, 9, 10, 11, 12, 13];
  /** (sum - pv) * inv of the 16 bytes at src + offset. */
  const scaled = (offset: number): Bytes => [
    ...op.get(sum), ...op.get(src), ...op.i32Add(), ...op.v128Load(offset),
    ...op.get(pv), ...op.get(src), ...op.i32Add(), ...op.v128Load(offset),
    ...op.f64x2Sub(), ...op.get(invv), ...op.f64x2Mul(),
  ];
  const copy = forLoop(k, op.i32Const(0), op.get(limit), 16, [
    ...op.get(x), ...op.get(k), ...op.i32Add(),
    ...op.get(sum), ...op.get(src), ...op.i32Add(), ...op.get(k), ...op.i32Add(), ...op.v128Load(),
    ...op.get(pv), ...op.get(src), ...op.i32Add(), ...op.get(k), ...op.i32Add(), ...op.v128Load(),
    ...op.f64x2Sub(), ...op.get(invv), ...op.f64x2Mul(), ...op.v128Store(),
  ]);
  // transpose tile (J, I) into x[J]: destination entry 8c + b = source entry 8b + c,
  // by 2 x 2 blocks: rows (2p, 2p+1), columns (2q, 2q+1) of the source
  const transpose: Bytes = [];
  for (let pBlock = 0; pBlock < 4; pBlock++) {
    for (let q = 0; q < 4; q++) {
      transpose.push(
        ...scaled(8 * (16 * pBlock + 2 * q)), ...op.set(lo),
        ...scaled(8 * (16 * pBlock + 8 + 2 * q)), ...op.set(hi),
        ...op.get(dst), ...op.get(lo), ...op.get(hi), ...op.i8x16Shuffle([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]),
        ...op.v128Store(8 * (16 * q + 2 * pBlock)),
        ...op.get(dst), ...op.get(lo), ...op.get(hi), ...op.i8x16Shuffle([8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31]),
        ...op.v128Store(8 * (16 * q + 8 + 2 * pBlock)),
      );
    }
  }
  const body: Bytes = [
    ...op.get(inv), ...op.f64x2Splat(), ...op.set(invv),
    // tiles (I, 0..I) are contiguous: 512 (I + 1) bytes from tile (I, 0)
    ...tileOffset(op.get(I), op.i32Const(0)), ...op.set(src),
    ...op.get(I), ...op.i32Const(1), ...op.i32Add(), ...op.i32Const(9), ...op.i32Shl(), ...op.set(limit),
    ...copy,
    ...forLoop(J, [...op.get(I), ...op.i32Const(1), ...op.i32Add()], op.get(nb), 1, [
      ...tileOffset(op.get(J), op.get(I)), ...op.set(src),
      ...op.get(x), ...op.get(J), ...op.i32Const(9), ...op.i32Shl(), ...op.i32Add(), ...op.set(dst),
      ...transpose,
    ]),
  ];
  return { name: 'tileLanes', params: [I32, I32, I32, I32, I32, F64], locals: [I32, I32, I32, I32, I32, V128, V128, V128], body };
}

function tileRowSumsSpec(): FunctionSpec {
  // params: 0 p, 1 nb, 2 I0, 3 I1, 4 out
  // locals: 5 I, 6 J, 7 t, 8 dst (i32); 9-12 a (v128), 13-16 v (v128), 17 w (v128)
  const [p, nb, I0, I1, out] = [0, 1, 2, 3, 4];
  const [I, J, t, dst, a, v, w] = [5, 6, 7, 8, 9, 13, 17];
  const load = (c: number): Bytes => [0, 1, 2, 3].flatMap((k) => [...op.get(t), ...op.v128Load(64 * c + 16 * k), ...op.set(v + k)]);
  const rowPart = (c: number): Bytes => [
    ...load(c),
    ...[0, 1, 2, 3].flatMap((k) => [...op.get(a + k), ...op.get(v + k), ...op.f64x2Add(), ...op.set(a + k)]),
  ];
  // out[8 I + c] += sum of column c of tile (J, I): ((v0 + v1) + (v2 + v3)), then its two lanes
  const columnPart = (c: number): Bytes => [
    ...load(c),
    ...op.get(v), ...op.get(v + 1), ...op.f64x2Add(), ...op.get(v + 2), ...op.get(v + 3), ...op.f64x2Add(), ...op.f64x2Add(), ...op.set(w),
    ...op.get(dst), ...op.get(dst), ...op.f64Load(8 * c),
    ...op.get(w), ...op.f64x2ExtractLane(0), ...op.get(w), ...op.f64x2ExtractLane(1), ...op.f64Add(), ...op.f64Add(),
    ...op.f64Store(8 * c),
  ];
  const body: Bytes = forLoop(I, op.get(I0), op.get(I1), 1, [
    ...zeroAccumulators(a),
    ...forLoop(J, op.i32Const(0), [...op.get(I), ...op.i32Const(1), ...op.i32Add()], 1, [
      ...op.get(p), ...tileOffset(op.get(I), op.get(J)), ...op.i32Add(), ...op.set(t),
      ...[0, 1, 2, 3, 4, 5, 6, 7].flatMap(rowPart),
    ]),
    ...op.get(out), ...op.get(I), ...op.i32Const(6), ...op.i32Shl(), ...op.i32Add(), ...op.set(dst),
    ...storeAccumulators(dst, a),
    ...forLoop(J, [...op.get(I), ...op.i32Const(1), ...op.i32Add()], op.get(nb), 1, [
      ...op.get(p), ...tileOffset(op.get(J), op.get(I)), ...op.i32Add(), ...op.set(t),
      ...[0, 1, 2, 3, 4, 5, 6, 7].flatMap(columnPart),
    ]),
  ]);
  return { name: 'tileRowSums', params: [I32, I32, I32, I32, I32], locals: [I32, I32, I32, I32, V128, V128, V128, V128, V128, V128, V128, V128, V128], body };
}

function tileScaleSpec(): FunctionSpec {
  // params: 0 p, 1 I0, 2 I1, 3 inv
  // locals: 4 I, 5 J, 6 t (i32); 7-10 rowInv (v128), 11 colInv, 12 x, 13 half (v128)
  const [p, I0, I1, inv] = [0, 1, 2, 3];
  const [I, J, t, rowInv, colInv, x, half] = [4, 5, 6, 7, 11, 12, 13];
  const column = (c: number): Bytes => [
    ...op.get(inv), ...op.get(J), ...op.i32Const(6), ...op.i32Shl(), ...op.i32Add(), ...op.v128Load64Splat(8 * c), ...op.set(colInv),
    ...[0, 1, 2, 3].flatMap((k) => [
      ...op.get(t), ...op.v128Load(64 * c + 16 * k), ...op.set(x),
      ...op.get(t),
      ...op.get(x), ...op.get(rowInv + k), ...op.f64x2Mul(), ...op.get(x), ...op.get(colInv), ...op.f64x2Mul(), ...op.f64x2Add(),
      ...op.get(half), ...op.f64x2Mul(),
      ...op.v128Store(64 * c + 16 * k),
    ]),
  ];
  const body: Bytes = [
    ...op.f64Const(0.5), ...op.f64x2Splat(), ...op.set(half),
    ...forLoop(I, op.get(I0), op.get(I1), 1, [
      ...[0, 1, 2, 3].flatMap((k) => [
        ...op.get(inv), ...op.get(I), ...op.i32Const(6), ...op.i32Shl(), ...op.i32Add(), ...op.v128Load(16 * k), ...op.set(rowInv + k),
      ]),
      ...forLoop(J, op.i32Const(0), [...op.get(I), ...op.i32Const(1), ...op.i32Add()], 1, [
        ...op.get(p), ...tileOffset(op.get(I), op.get(J)), ...op.i32Add(), ...op.set(t),
        ...[0, 1, 2, 3, 4, 5, 6, 7].flatMap(column),
      ]),
    ]),
  ];
  return { name: 'tileScale', params: [I32, I32, I32, I32], locals: [I32, I32, I32, V128, V128, V128, V128, V128, V128, V128], body };
}

function warmSpec(): FunctionSpec {
  // params: 0 p, 1 bytes, 2 out; locals: 3 k (i32), 4 acc (f64)
  const [p, bytes, out, k, acc] = [0, 1, 2, 3, 4];
  const body: Bytes = [
    ...op.f64Const(0), ...op.set(acc),
    ...forLoop(k, op.i32Const(0), op.get(bytes), 64, [
      ...op.get(acc), ...op.get(p), ...op.get(k), ...op.i32Add(), ...op.f64Load(), ...op.f64Add(), ...op.set(acc),
    ]),
    ...op.get(out), ...op.get(acc), ...op.f64Store(),
  ];
  return { name: 'warm', params: [I32, I32, I32], locals: [I32, F64], body };
}

function addIntoSpec(): FunctionSpec {
  // params: 0 dst, 1 src, 2 count; locals: 3 k (bytes), 4 limit (bytes)
  const [dst, src, count, k, limit] = [0, 1, 2, 3, 4];
  const at = (base: number): Bytes => [...op.get(base), ...op.get(k), ...op.i32Add()];
  const body: Bytes = [
    ...op.get(count), ...op.i32Const(1), ...op.i32ShrU(), ...op.i32Const(4), ...op.i32Shl(), ...op.set(limit),
    ...forLoop(k, op.i32Const(0), op.get(limit), 16, [
      ...at(dst), ...at(dst), ...op.v128Load(), ...at(src), ...op.v128Load(), ...op.f64x2Add(), ...op.v128Store(),
    ]),
    // odd tail (k = limit after the loop)
    ...op.get(count), ...op.i32Const(1), ...op.i32And(), ...op.if(),
    ...at(dst), ...at(dst), ...op.f64Load(), ...at(src), ...op.f64Load(), ...op.f64Add(), ...op.f64Store(),
    ...op.end(),
  ];
  return { name: 'addInto', params: [I32, I32, I32], locals: [I32, I32], body };
}

function sumAndChangeSpec(): FunctionSpec {
  // params: 0 sum, 1 ptrs, 2 m, 3 count, 4 out
  // locals: 5 k, 6 limit, 7 q (i32); 8 diff, 9 norm, 10 t, 11 old, 12 d (v128); 13 sd, 14 sa, 15 ts, 16 os (f64)
  const [sum, ptrs, m, count, out] = [0, 1, 2, 3, 4];
  const [k, limit, q, diff, norm, t, old, d, sd, sa, ts, os] = [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
  /** Address of element k of matrix `index` (a local), or of matrix 0. */
  const at = (index: number | null): Bytes => [
    ...op.get(ptrs),
    ...(index === null ? [] : [...op.get(index), ...op.i32Const(2), ...op.i32Shl(), ...op.i32Add()]),
    ...op.i32Load(), ...op.get(k), ...op.i32Add(),
  ];
  const body: Bytes = [
    ...op.v128Zero(), ...op.set(diff), ...op.v128Zero(), ...op.set(norm),
    ...op.get(count), ...op.i32Const(1), ...op.i32ShrU(), ...op.i32Const(4), ...op.i32Shl(), ...op.set(limit),
    ...forLoop(k, op.i32Const(0), op.get(limit), 16, [
      ...at(null), ...op.v128Load(), ...op.set(t),
      ...forLoop(q, op.i32Const(1), op.get(m), 1, [...op.get(t), ...at(q), ...op.v128Load(), ...op.f64x2Add(), ...op.set(t)]),
      ...op.get(sum), ...op.get(k), ...op.i32Add(), ...op.v128Load(), ...op.set(old),
      ...op.get(t), ...op.get(old), ...op.f64x2Sub(), ...op.tee(d), ...op.get(d), ...op.f64x2Mul(), ...op.get(diff), ...op.f64x2Add(), ...op.set(diff),
      ...op.get(old), ...op.get(old), ...op.f64x2Mul(), ...op.get(norm), ...op.f64x2Add(), ...op.set(norm),
      ...op.get(sum), ...op.get(k), ...op.i32Add(), ...op.get(t), ...op.v128Store(),
    ]),
    ...op.get(diff), ...op.f64x2ExtractLane(0), ...op.get(diff), ...op.f64x2ExtractLane(1), ...op.f64Add(), ...op.set(sd),
    ...op.get(norm), ...op.f64x2ExtractLane(0), ...op.get(norm), ...op.f64x2ExtractLane(1), ...op.f64Add(), ...op.set(sa),
    // odd tail, at k = limit
    ...op.get(count), ...op.i32Const(1), ...op.i32And(), ...op.if(),
    ...at(null), ...op.f64Load(), ...op.set(ts),
    ...forLoop(q, op.i32Const(1), op.get(m), 1, [...op.get(ts), ...at(q), ...op.f64Load(), ...op.f64Add(), ...op.set(ts)]),
    ...op.get(sum), ...op.get(k), ...op.i32Add(), ...op.f64Load(), ...op.set(os),
    ...op.get(sd), ...op.get(ts), ...op.get(os), ...op.f64Sub(), ...op.get(ts), ...op.get(os), ...op.f64Sub(), ...op.f64Mul(), ...op.f64Add(), ...op.set(sd),
    ...op.get(sa), ...op.get(os), ...op.get(os), ...op.f64Mul(), ...op.f64Add(), ...op.set(sa),
    ...op.get(sum), ...op.get(k), ...op.i32Add(), ...op.get(ts), ...op.f64Store(),
    ...op.end(),
    ...op.get(out), ...op.get(sd), ...op.f64Store(0),
    ...op.get(out), ...op.get(sa), ...op.f64Store(8),
  ];
  return { name: 'sumAndChange', params: [I32, I32, I32, I32, I32], locals: [I32, I32, I32, V128, V128, V128, V128, V128, F64, F64, F64, F64], body };
}

/** Scalar row reduction: out[j] = Σ_k f(x[k], y[j][k]) in order of k. */
function rowReductionSpec(fname: string, squaredDifference: boolean): FunctionSpec {
  // params: 0 x, 1 y, 2 count, 3 dim, 4 out; locals: 5 j, 6 k, 7 row, 8 rowBytes (i32); 9 acc, 10 t (f64)
  const [x, y, count, dim, out] = [0, 1, 2, 3, 4];
  const [j, k, row, rowBytes, acc, t] = [5, 6, 7, 8, 9, 10];
  const term: Bytes = [
    ...op.get(x), ...op.get(k), ...op.i32Add(), ...op.f64Load(),
    ...op.get(row), ...op.get(k), ...op.i32Add(), ...op.f64Load(),
    ...(squaredDifference ? [...op.f64Sub(), ...op.tee(t), ...op.get(t), ...op.f64Mul()] : op.f64Mul()),
  ];
  const body: Bytes = [
    ...op.get(dim), ...op.i32Const(3), ...op.i32Shl(), ...op.set(rowBytes),
    ...op.get(y), ...op.set(row),
    ...forLoop(j, op.i32Const(0), op.get(count), 1, [
      ...op.f64Const(0), ...op.set(acc),
      ...forLoop(k, op.i32Const(0), op.get(rowBytes), 8, [...op.get(acc), ...term, ...op.f64Add(), ...op.set(acc)]),
      ...op.get(out), ...op.get(j), ...op.i32Const(3), ...op.i32Shl(), ...op.i32Add(), ...op.get(acc), ...op.f64Store(),
      ...op.get(row), ...op.get(rowBytes), ...op.i32Add(), ...op.set(row),
    ]),
  ];
  return { name: fname, params: [I32, I32, I32, I32, I32], locals: [I32, I32, I32, I32, F64, F64], body };
}

/** Block row reduction: 8 rows of x (lanes of 8 per feature) against each row of y. */
function blockReductionSpec(fname: string, squaredDifference: boolean): FunctionSpec {
  // params: 0 x, 1 y, 2 count, 3 dim, 4 out
  // locals: 5 j, 6 k, 7 row, 8 lanes, 9 rowBytes (i32); 10 yk, 11 d, 12-15 acc (v128)
  const [x, y, count, dim, out] = [0, 1, 2, 3, 4];
  const [j, k, row, lanes, rowBytes, yk, d, acc] = [5, 6, 7, 8, 9, 10, 11, 12];
  const update = (q: number): Bytes => [
    ...op.get(acc + q),
    ...op.get(lanes), ...op.v128Load(16 * q), ...op.get(yk),
    ...(squaredDifference ? [...op.f64x2Sub(), ...op.tee(d), ...op.get(d), ...op.f64x2Mul()] : op.f64x2Mul()),
    ...op.f64x2Add(), ...op.set(acc + q),
  ];
  const body: Bytes = [
    ...op.get(dim), ...op.i32Const(3), ...op.i32Shl(), ...op.set(rowBytes),
    ...op.get(y), ...op.set(row),
    ...forLoop(j, op.i32Const(0), op.get(count), 1, [
      ...zeroAccumulators(acc),
      ...op.get(x), ...op.set(lanes),
      ...forLoop(k, op.i32Const(0), op.get(rowBytes), 8, [
        ...op.get(row), ...op.get(k), ...op.i32Add(), ...op.v128Load64Splat(), ...op.set(yk),
        ...update(0), ...update(1), ...update(2), ...update(3),
        ...op.get(lanes), ...op.i32Const(64), ...op.i32Add(), ...op.set(lanes),
      ]),
      ...op.get(out), ...op.get(j), ...op.i32Const(6), ...op.i32Shl(), ...op.i32Add(), ...op.set(lanes),
      ...storeAccumulators(lanes, acc),
      ...op.get(row), ...op.get(rowBytes), ...op.i32Add(), ...op.set(row),
    ]),
  ];
  return { name: fname, params: [I32, I32, I32, I32, I32], locals: [I32, I32, I32, I32, I32, V128, V128, V128, V128, V128, V128], body };
}

const compiled = new Map<boolean, WasmModule | null>();

/**
 * The compiled kernel module (importing a shared memory when `shared`), or
 * null where WebAssembly SIMD (or shared memory) is unavailable.
 */
export function kernelModule(shared = false): WasmModule | null {
  const known = compiled.get(shared);
  if (known !== undefined) return known;
  let module: WasmModule | null = null;
  try {
    const bytes = encodeModule([
      spmmTilesSpec(),
      spmmLanesSpec(),
      tileLanesSpec(),
      tileRowSumsSpec(),
      tileScaleSpec(),
      warmSpec(),
      addIntoSpec(),
      sumAndChangeSpec(),
      rowReductionSpec('squaredDistances', true),
      rowReductionSpec('dotProducts', false),
      blockReductionSpec('blockSquaredDistances', true),
      blockReductionSpec('blockDotProducts', false),
    ], shared);
    module = wasmApi !== undefined && wasmApi.validate(bytes) ? new wasmApi.Module(bytes) : null;
  } catch {
    module = null;
  }
  compiled.set(shared, module);
  return module;
}

const KERNEL_NAMES = [
  'spmmTiles',
  'spmmLanes',
  'tileLanes',
  'tileRowSums',
  'tileScale',
  'warm',
  'addInto',
  'sumAndChange',
  'squaredDistances',
  'dotProducts',
  'blockSquaredDistances',
  'blockDotProducts',
] as const;

/** Kernels running in WebAssembly on the arena's memory. */
export function wasmKernels(arena: Arena): Kernels {
  const module = kernelModule(arena.shared);
  if (module === null || arena.memory === null || wasmApi === undefined) throw new Error('WebAssembly SIMD kernels are unavailable');
  const e = new wasmApi.Instance(module, { env: { memory: arena.memory } }).exports;
  const kernels: Record<string, unknown> = { kind: 'wasm' };
  for (const name of KERNEL_NAMES) kernels[name] = e[name];
  return kernels as unknown as Kernels;
}

// ---------------------------------------------------------------------------
// JavaScript equivalents (same accumulation order)

/** Kernels in plain JavaScript on the arena's buffer. */
export function jsKernels(arena: Arena): Kernels {
  /** The 8 lanes Σ_p val[p] x[col[p]][0..7] for CSR row `row`, into `acc`. */
  const laneProducts = (rowPtr: number, col: number, val: number, x: number, row: number, acc: Float64Array): void => {
    const f = arena.f64;
    const iv = arena.i32;
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
    const c0 = col >>> 2;
    const v0 = val >>> 3;
    const x0 = x >>> 3;
    for (let p = iv[(rowPtr >>> 2) + row], e = iv[(rowPtr >>> 2) + row + 1]; p < e; p++) {
      const s = f[v0 + p];
      const o = x0 + iv[c0 + p] * 8;
      a0 += s * f[o]; a1 += s * f[o + 1]; a2 += s * f[o + 2]; a3 += s * f[o + 3];
      a4 += s * f[o + 4]; a5 += s * f[o + 5]; a6 += s * f[o + 6]; a7 += s * f[o + 7];
    }
    acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3; acc[4] = a4; acc[5] = a5; acc[6] = a6; acc[7] = a7;
  };
  const acc = new Float64Array(8);
  const scaledDifference = (f: Float64Array, s: number, v: number, inv: number): number => (f[s] - f[v]) * inv;
  const rowReduction = (squared: boolean) => (x: number, y: number, count: number, dim: number, out: number): void => {
    const f = arena.f64;
    const x0 = x >>> 3;
    for (let j = 0; j < count; j++) {
      const r = (y >>> 3) + j * dim;
      let s = 0;
      for (let k = 0; k < dim; k++) {
        if (squared) {
          const d = f[x0 + k] - f[r + k];
          s += d * d;
        } else {
          s += f[x0 + k] * f[r + k];
        }
      }
      f[(out >>> 3) + j] = s;
    }
  };
  const blockReduction = (squared: boolean) => (x: number, y: number, count: number, dim: number, out: number): void => {
    const f = arena.f64;
    const x0 = x >>> 3;
    for (let j = 0; j < count; j++) {
      const r = (y >>> 3) + j * dim;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
      for (let k = 0; k < dim; k++) {
        const yk = f[r + k];
        const o = x0 + 8 * k;
        if (squared) {
          const d0 = f[o] - yk, d1 = f[o + 1] - yk, d2 = f[o + 2] - yk, d3 = f[o + 3] - yk;
          const d4 = f[o + 4] - yk, d5 = f[o + 5] - yk, d6 = f[o + 6] - yk, d7 = f[o + 7] - yk;
          a0 += d0 * d0; a1 += d1 * d1; a2 += d2 * d2; a3 += d3 * d3;
          a4 += d4 * d4; a5 += d5 * d5; a6 += d6 * d6; a7 += d7 * d7;
        } else {
          a0 += f[o] * yk; a1 += f[o + 1] * yk; a2 += f[o + 2] * yk; a3 += f[o + 3] * yk;
          a4 += f[o + 4] * yk; a5 += f[o + 5] * yk; a6 += f[o + 6] * yk; a7 += f[o + 7] * yk;
        }
      }
      const d = (out >>> 3) + 8 * j;
      f[d] = a0; f[d + 1] = a1; f[d + 2] = a2; f[d + 3] = a3; f[d + 4] = a4; f[d + 5] = a5; f[d + 6] = a6; f[d + 7] = a7;
    }
  };
  return {
    kind: 'js',
    spmmTiles(n, rowPtr, col, val, x, out, blockBytes) {
      const f = arena.f64;
      for (let i = 0; i < n; i++) {
        laneProducts(rowPtr, col, val, x, i, acc);
        const d = (out + (i >> 3) * blockBytes + (i & 7) * 8) / 8;
        for (let b = 0; b < 8; b++) f[d + 8 * b] = acc[b];
      }
    },
    spmmLanes(j0, j1, rowPtr, col, val, y, out) {
      const f = arena.f64;
      for (let j = j0; j < j1; j++) {
        laneProducts(rowPtr, col, val, y, j, acc);
        f.set(acc, (out >>> 3) + 8 * j);
      }
    },
    tileLanes(I, nb, sum, pv, x, inv) {
      const f = arena.f64;
      const s = sum >>> 3;
      const v = pv >>> 3;
      const x0 = x >>> 3;
      const first = 64 * ((I * (I + 1)) / 2);
      for (let k = 0; k < 64 * (I + 1); k++) f[x0 + k] = scaledDifference(f, s + first + k, v + first + k, inv);
      for (let J = I + 1; J < nb; J++) {
        const t = 64 * ((J * (J + 1)) / 2 + I);
        const d = x0 + 64 * J;
        for (let b = 0; b < 8; b++) for (let c = 0; c < 8; c++) f[d + 8 * c + b] = scaledDifference(f, s + t + 8 * b + c, v + t + 8 * b + c, inv);
      }
    },
    tileRowSums(p, nb, I0, I1, out) {
      const f = arena.f64;
      const o = out >>> 3;
      const a = new Float64Array(8);
      for (let I = I0; I < I1; I++) {
        a.fill(0);
        for (let J = 0; J <= I; J++) {
          const t = (p >>> 3) + 64 * ((I * (I + 1)) / 2 + J);
          for (let c = 0; c < 8; c++) for (let b = 0; b < 8; b++) a[b] += f[t + 8 * c + b];
        }
        f.set(a, o + 8 * I);
        for (let J = I + 1; J < nb; J++) {
          const t = (p >>> 3) + 64 * ((J * (J + 1)) / 2 + I);
          for (let c = 0; c < 8; c++) {
            const v = t + 8 * c;
            const lane0 = f[v] + f[v + 2] + (f[v + 4] + f[v + 6]);
            const lane1 = f[v + 1] + f[v + 3] + (f[v + 5] + f[v + 7]);
            f[o + 8 * I + c] += lane0 + lane1;
          }
        }
      }
    },
    tileScale(p, I0, I1, inv) {
      const f = arena.f64;
      const q = inv >>> 3;
      for (let I = I0; I < I1; I++) {
        for (let J = 0; J <= I; J++) {
          const t = (p >>> 3) + 64 * ((I * (I + 1)) / 2 + J);
          for (let c = 0; c < 8; c++) {
            const ic = f[q + 8 * J + c];
            for (let b = 0; b < 8; b++) {
              const x = f[t + 8 * c + b];
              f[t + 8 * c + b] = (x * f[q + 8 * I + b] + x * ic) * 0.5;
            }
          }
        }
      }
    },
    warm(p, bytes, out) {
      const f = arena.f64;
      let acc = 0;
      for (let k = 0; k < bytes; k += 64) acc += f[(p + k) >>> 3];
      f[out >>> 3] = acc;
    },
    addInto(dst, src, count) {
      const f = arena.f64;
      const d = dst >>> 3;
      const s = src >>> 3;
      for (let k = 0; k < count; k++) f[d + k] += f[s + k];
    },
    sumAndChange(sum, ptrs, m, count, out) {
      const f = arena.f64;
      const p = Array.from(arena.i32.subarray(ptrs >>> 2, (ptrs >>> 2) + m), (x) => (x >>> 0) / 8);
      const s = sum >>> 3;
      let d0 = 0, d1 = 0, n0 = 0, n1 = 0;
      const even = count - (count & 1);
      for (let k = 0; k < even; k += 2) {
        let t0 = f[p[0] + k];
        let t1 = f[p[0] + k + 1];
        for (let v = 1; v < m; v++) {
          t0 += f[p[v] + k];
          t1 += f[p[v] + k + 1];
        }
        const a0 = f[s + k];
        const a1 = f[s + k + 1];
        d0 += (t0 - a0) * (t0 - a0); d1 += (t1 - a1) * (t1 - a1);
        n0 += a0 * a0; n1 += a1 * a1;
        f[s + k] = t0;
        f[s + k + 1] = t1;
      }
      let diff = d0 + d1;
      let norm = n0 + n1;
      if (count & 1) {
        let t = f[p[0] + even];
        for (let v = 1; v < m; v++) t += f[p[v] + even];
        const old = f[s + even];
        diff += (t - old) * (t - old);
        norm += old * old;
        f[s + even] = t;
      }
      f[out >>> 3] = diff;
      f[(out >>> 3) + 1] = norm;
    },
    squaredDistances: rowReduction(true),
    dotProducts: rowReduction(false),
    blockSquaredDistances: blockReduction(true),
    blockDotProducts: blockReduction(false),
  };
}
