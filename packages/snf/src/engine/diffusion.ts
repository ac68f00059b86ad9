/**
 * The SNF cross-diffusion on packed symmetric matrices in an arena.
 *
 * One update of view v is R = S_v P̄ S_vᵀ (P̄ the mean of the other views'
 * matrices), computed in two sparse-times-dense passes of K N² multiply-adds
 * each (the second only for the lower triangle, since R is symmetric):
 *
 * 1. T = S_v P̄, 8 columns at a time: the 8 rows r0..r0+7 of P̄ are laid out
 *    "lanes of 8" (X[c][b] = P̄[r0 + b, c], one cache line per column), and
 *    each row i of T gathers its K columns from X. T is stored in blocks of 8
 *    rows, again as lanes of 8 (T_blk[l][b] = T[i0 + b, l]).
 * 2. R[i, j] = Σ_l T[i, l] S_v[j, l] for j <= i, 8 rows i at a time, written
 *    straight into the packed storage of P_v.
 *
 * The old P_v is only needed to form P̄ = (ΣP - P_v) / (m - 1) in pass 1, so
 * the new matrix overwrites it in pass 2; ΣP keeps the previous iteration's
 * sum, which gives the Jacobi update of SNFtool and snfpy.
 */

import type { Arena } from './arena.js';
import type { Kernels } from './kernels.js';
import { packedLength, packedRowStart } from '../symmetric.js';

/** A local kernel S in CSR form inside the arena (byte offsets). */
export interface ArenaCsr {
  rowPtr: number;
  col: number;
  val: number;
  nnz: number;
}

/** One view during diffusion. */
export interface DiffusionView {
  /** Byte offset of the packed P_v. */
  P: number;
  /** Which samples the view has, or null when all. */
  present: Uint8Array | null;
  S: ArenaCsr;
}

/** Buffers shared by all views. */
export interface DiffusionBuffers {
  /** Packed ΣP (byte offset). */
  sum: number;
  /** The T blocks: nPad x nPad doubles (byte offset). */
  T: number;
  /** One block of 8 rows of P̄ as lanes of 8: n x 8 doubles (byte offset). */
  X: number;
}

/**
 * Doubles allocated for a packed matrix of n samples: room for the rows up
 * to the next multiple of 8, which the row kernel writes (and nothing reads).
 */
export function packedCapacity(n: number): number {
  return packedLength(Math.ceil(n / 8) * 8);
}

/** Bytes needed by {@link DiffusionBuffers} for n samples. */
export function diffusionBufferBytes(n: number): number {
  const nPad = Math.ceil(n / 8) * 8;
  return 8 * packedCapacity(n) + 8 * nPad * nPad + 64 * n + 3 * 64;
}

/** Bytes of the T blocks, which are free outside the diffusion (features, the fused output). */
export function tBlockBytes(n: number): number {
  const nPad = Math.ceil(n / 8) * 8;
  return 8 * nPad * nPad;
}

export function allocDiffusionBuffers(arena: Arena, n: number): DiffusionBuffers {
  const nPad = Math.ceil(n / 8) * 8;
  return {
    sum: arena.alloc(8 * packedCapacity(n)),
    T: arena.alloc(8 * nPad * nPad),
    X: arena.alloc(64 * n),
  };
}

/** ΣP = Σ_v P_v (packed). */
export function sumViews(f: Float64Array, n: number, views: readonly DiffusionView[], sum: number): void {
  const len = packedLength(n);
  const s = sum / 8;
  f.fill(0, s, s + len);
  for (const v of views) {
    const b = v.P / 8;
    for (let e = 0; e < len; e++) f[s + e] += f[b + e];
  }
}

/**
 * Replaces ΣP by Σ_v P_v and returns its relative change over the packed
 * entries (each pair once): ||ΣP_new - ΣP_old|| / ||ΣP_old||. Uses the T
 * blocks as scratch.
 */
export function updateSum(arena: Arena, kernels: Kernels, n: number, views: readonly DiffusionView[], buf: DiffusionBuffers): number {
  const len = packedLength(n);
  const f = arena.f64;
  const t = buf.T / 8;
  f.set(f.subarray(views[0].P / 8, views[0].P / 8 + len), t);
  for (let v = 1; v < views.length; v++) kernels.addInto(buf.T, views[v].P, len);
  kernels.changeAndCopy(buf.sum, buf.T, len, buf.X);
  const diff = arena.f64[buf.X / 8];
  const norm = arena.f64[buf.X / 8 + 1];
  return norm > 0 ? Math.sqrt(diff / norm) : 0;
}

/**
 * Writes rows r0..r0+7 of P̄_v as lanes of 8 at `X`. With complete data
 * P̄ = (ΣP - P_v) / (m - 1); with missing data each pair averages the other
 * views that have both samples, and falls back to P_v where none has.
 */
function buildLanes(arena: Arena, kernels: Kernels, n: number, r0: number, views: readonly DiffusionView[], v: number, sum: number, X: number): void {
  const f = arena.f64;
  const x = X / 8;
  if (views.some((u) => u.present !== null)) {
    buildLanesMissing(f, n, r0, views, v, sum, x);
    return;
  }
  const rows = Math.min(8, n - r0);
  const inv = 1 / (views.length - 1);
  kernels.lanesFromSum(n, r0, rows, sum, views[v].P, X, inv);
  const s = sum / 8;
  const pv = views[v].P / 8;
  // the diagonal tile, and zero lanes for rows past the end
  for (let b = 0; b < 8; b++) {
    const r = r0 + b;
    for (let c = r0; c < r0 + rows; c++) {
      if (r >= n) {
        f[x + c * 8 + b] = 0;
        continue;
      }
      const e = r >= c ? packedRowStart(r) + c : packedRowStart(c) + r;
      f[x + c * 8 + b] = (f[s + e] - f[pv + e]) * inv;
    }
    if (r >= n) for (let c = 0; c < r0; c++) f[x + c * 8 + b] = 0;
  }
}

/**
 * Missing data: Σ_{u≠v having r and c} P_u(r, c) = ΣP(r, c) - P_v(r, c),
 * since a view lacking r or c holds 0 there; ΣP still holds the previous
 * iteration, so this stays a Jacobi update.
 */
function buildLanesMissing(f: Float64Array, n: number, r0: number, views: readonly DiffusionView[], v: number, sum: number, x: number): void {
  const s = sum / 8;
  const pv = views[v].P / 8;
  const own = views[v].present;
  for (let b = 0; b < 8; b++) {
    const r = r0 + b;
    for (let c = 0; c < n; c++) {
      if (r >= n) {
        f[x + c * 8 + b] = 0;
        continue;
      }
      const e = r >= c ? packedRowStart(r) + c : packedRowStart(c) + r;
      let count = 0;
      for (let u = 0; u < views.length; u++) {
        const pu = views[u].present;
        if (u !== v && (pu === null || (pu[r] === 1 && pu[c] === 1))) count++;
      }
      const ownValue = own === null || (own[r] === 1 && own[c] === 1) ? f[pv + e] : 0;
      f[x + c * 8 + b] = count > 0 ? (f[s + e] - ownValue) / count : ownValue;
    }
  }
}

/** New P_v = S_v P̄_v S_vᵀ (not yet normalised), written over the packed P_v. */
export function diffuseView(
  arena: Arena,
  kernels: Kernels,
  n: number,
  views: readonly DiffusionView[],
  v: number,
  buf: DiffusionBuffers,
): void {
  const nPad = Math.ceil(n / 8) * 8;
  const blockBytes = nPad * 64;
  const S = views[v].S;
  // pass 1: T = S P̄
  for (let r0 = 0; r0 < n; r0 += 8) {
    buildLanes(arena, kernels, n, r0, views, v, buf.sum, buf.X);
    kernels.spmmTiles(n, S.rowPtr, S.col, S.val, buf.X, buf.T + r0 * 64, blockBytes);
  }
  // pass 2: lower triangle of T Sᵀ into P_v (rows past n-1 land in the
  // packed matrix's padding). Columns are visited from the diagonal tile
  // down to 0. In the diagonal tile a lane whose column lies right of the
  // diagonal writes past its row's end into a later row's left part (a
  // smaller column); that entry is written again, correctly, later in this
  // sweep or by a later block.
  const P = views[v].P;
  for (let i0 = 0; i0 < n; i0 += 8) {
    const Y = buf.T + (i0 / 8) * blockBytes;
    kernels.spmmRows(0, Math.min(i0 + 8, n), S.rowPtr, S.col, S.val, Y, P + 8 * packedRowStart(i0), 8 * i0);
  }
}
