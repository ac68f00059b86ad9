/**
 * The SNF cross-diffusion on tiled symmetric matrices in an arena.
 *
 * One update of view v is R = S_v P̄ S_vᵀ (P̄ the mean of the other views'
 * matrices), computed in two sparse-times-dense passes of K N² multiply-adds
 * each (the second only for the lower triangle, since R is symmetric):
 *
 * 1. T = S_v P̄, 8 columns at a time: rows 8I..8I+7 of P̄ are laid out as
 *    lanes of 8 (X[c][b] = P̄[8I + b, c], one cache line per column, copied
 *    from tiles (I, 0..I) and transposed from tiles (J, I), J > I), and each
 *    row i of T gathers its K columns from X. T is stored in blocks of 8
 *    rows, again as lanes of 8 (T_blk[l][b] = T[i0 + b, l]).
 * 2. R[i, j] = Σ_l T[i, l] S_v[j, l] for j < i0 + 8, 8 rows i0..i0+7 at a
 *    time: the 8 lanes of column j are exactly the 64 bytes of entry
 *    column j in tile (I, j / 8), so they go straight into P_v's tiles.
 *
 * The old P_v is only needed to form P̄ = (ΣP - P_v) / (m - 1) in pass 1, so
 * the new matrix overwrites it in pass 2; ΣP keeps the previous iteration's
 * sum, which gives the Jacobi update of SNFtool and snfpy.
 */

import type { Arena } from './arena.js';
import type { Kernels } from './kernels.js';
import type { Team } from './parallel.js';
import { mirrorDiagonalTiles, tiledIndex, tiledLength, tileRows, tileStart } from '../symmetric.js';

/** A local kernel S in CSR form inside the arena (byte offsets). */
export interface ArenaCsr {
  rowPtr: number;
  col: number;
  val: number;
  nnz: number;
}

/** One view during diffusion. */
export interface DiffusionView {
  /** Byte offset of the tiled P_v. */
  P: number;
  /** Which samples the view has, or null when all. */
  present: Uint8Array | null;
  S: ArenaCsr;
}

/** Buffers shared by all views. */
export interface DiffusionBuffers {
  /** Tiled ΣP (byte offset). */
  sum: number;
  /** The T blocks: nPad x nPad doubles (byte offset). */
  T: number;
  /** One block of 8 rows of P̄ as lanes of 8: nPad x 8 doubles (byte offset); also scratch. */
  X: number;
  /** Further lane buffers, one per extra thread. */
  extraX: number[];
}

/** Bytes of the T blocks, which are free outside the diffusion (features, the fused output). */
export function tBlockBytes(n: number): number {
  const nPad = tileRows(n) * 8;
  return 8 * nPad * nPad;
}

/** Bytes needed by {@link DiffusionBuffers} for n samples. */
export function diffusionBufferBytes(n: number, threads = 1): number {
  return 8 * tiledLength(n) + tBlockBytes(n) + threads * (64 * tileRows(n) * 8 + 64) + 3 * 64;
}

export function allocDiffusionBuffers(arena: Arena, n: number, threads = 1): DiffusionBuffers {
  const lanes = (): number => arena.alloc(64 * tileRows(n) * 8);
  return {
    sum: arena.alloc(8 * tiledLength(n)),
    T: arena.alloc(tBlockBytes(n)),
    X: lanes(),
    extraX: Array.from({ length: threads - 1 }, lanes),
  };
}

/** ΣP = Σ_v P_v. */
export function sumViews(
  arena: Arena,
  kernels: Kernels,
  n: number,
  views: readonly DiffusionView[],
  sum: number,
): void {
  const len = tiledLength(n);
  arena.f64.fill(0, sum / 8, sum / 8 + len);
  for (const v of views) kernels.addInto(sum, v.P, len);
}

/**
 * Replaces ΣP by Σ_v P_v and returns its relative change in Frobenius norm,
 * ||ΣP_new - ΣP_old||_F / ||ΣP_old||_F (off-diagonal tiles stand for two
 * blocks of the matrix, diagonal tiles for one).
 */
export function updateSum(
  arena: Arena,
  kernels: Kernels,
  n: number,
  views: readonly DiffusionView[],
  buf: DiffusionBuffers,
): number {
  const f = arena.f64;
  const s = buf.sum / 8;
  let diagonalDiff = 0;
  let diagonalNorm = 0;
  for (let I = 0; I < tileRows(n); I++) {
    const o = tileStart(I, I);
    for (let e = o; e < o + 64; e++) {
      let t = f[views[0].P / 8 + e];
      for (let v = 1; v < views.length; v++) t += f[views[v].P / 8 + e];
      diagonalDiff += (t - f[s + e]) * (t - f[s + e]);
      diagonalNorm += f[s + e] * f[s + e];
    }
  }
  const ptrs = buf.X / 4 + 16;
  views.forEach((v, i) => (arena.i32[ptrs + i] = v.P));
  kernels.sumAndChange(buf.sum, buf.X + 64, views.length, tiledLength(n), buf.X);
  const diff = 2 * f[buf.X / 8] - diagonalDiff;
  const norm = 2 * f[buf.X / 8 + 1] - diagonalNorm;
  return norm > 0 ? Math.sqrt(Math.max(0, diff) / norm) : 0;
}

/**
 * Writes rows 8I..8I+7 of P̄_v as lanes of 8 at `X`. With complete data
 * P̄ = (ΣP - P_v) / (m - 1). With missing data each pair averages the other
 * views that have both samples, Σ_{u≠v} P_u = ΣP - P_v (a view lacking a
 * sample holds 0 there), and falls back to P_v where no other view has both.
 */
function buildLanes(
  arena: Arena,
  kernels: Kernels,
  n: number,
  I: number,
  views: readonly DiffusionView[],
  v: number,
  sum: number,
  X: number,
): void {
  const nb = tileRows(n);
  if (views.every((u) => u.present === null)) {
    kernels.tileLanes(I, nb, sum, views[v].P, X, 1 / (views.length - 1));
    return;
  }
  const f = arena.f64;
  const s = sum / 8;
  const pv = views[v].P / 8;
  const x = X / 8;
  const own = views[v].present;
  for (let b = 0; b < 8; b++) {
    const r = 8 * I + b;
    for (let c = 0; c < nb * 8; c++) {
      if (r >= n || c >= n) {
        f[x + c * 8 + b] = 0;
        continue;
      }
      const e = tiledIndex(r, c);
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

/**
 * New P_v = S_v P̄_v S_vᵀ (not yet normalised), written over the tiled P_v.
 * With a team (complete data only), the blocks of each pass are shared
 * among its threads.
 */
export function diffuseView(
  arena: Arena,
  kernels: Kernels,
  n: number,
  views: readonly DiffusionView[],
  v: number,
  buf: DiffusionBuffers,
  team: Team | null = null,
): void {
  const nb = tileRows(n);
  const blockBytes = nb * 8 * 64;
  const S = views[v].S;
  const P = views[v].P;
  const pass1 = (I: number): void => {
    buildLanes(arena, kernels, n, I, views, v, buf.sum, buf.X);
    kernels.spmmTiles(n, S.rowPtr, S.col, S.val, buf.X, buf.T + I * 512, blockBytes);
  };
  const pass2 = (I: number): void => {
    kernels.warm(buf.T + I * blockBytes, blockBytes, buf.X);
    kernels.spmmLanes(
      0,
      Math.min(8 * I + 8, n),
      S.rowPtr,
      S.col,
      S.val,
      buf.T + I * blockBytes,
      P + 8 * tileStart(I, 0),
    );
  };
  const complete = views.every((u) => u.present === null);
  if (team !== null && complete && buf.extraX.length >= team.size - 1) {
    const X = [buf.X, ...buf.extraX];
    const common = { n, nb, rowPtr: S.rowPtr, col: S.col, val: S.val, T: buf.T, blockBytes };
    team.pass1({ ...common, sum: buf.sum, pv: P, inv: 1 / (views.length - 1) }, X, pass1);
    team.pass2({ ...common, P }, X, pass2);
  } else {
    for (let I = 0; I < nb; I++) pass1(I);
    for (let I = 0; I < nb; I++) pass2(I);
  }
  clearPadding(arena.f64, P / 8, n);
  mirrorDiagonalTiles(arena.f64, P / 8, n);
}

/** Zeroes the rows past n of the last row of tiles (the kernels leave scratch values there). */
export function clearPadding(f: Float64Array, base: number, n: number): void {
  const I = tileRows(n) - 1;
  const first = n - 8 * I;
  if (first >= 8) return;
  for (let J = 0; J <= I; J++) {
    const t = base + tileStart(I, J);
    for (let c = 0; c < 8; c++) f.fill(0, t + 8 * c + first, t + 8 * c + 8);
  }
}
