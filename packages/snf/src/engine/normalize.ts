/**
 * Row normalisations of tiled symmetric similarity matrices, in place.
 *
 * - `snftool` rule [SNF14, SNFtool `normalize`]: P_ij = W_ij / (2 Σ_{k≠i} W_ik)
 *   for j ≠ i, P_ii = 1/2 (a zero sum is replaced by 1), then (P + Pᵀ) / 2.
 * - `snfpy` rule: W_ij / Σ_k W_ik (diagonal included), then (P + Pᵀ) / 2.
 *
 * From logarithms (log W), rows are scaled by their largest entry first
 * (log-sum-exp), so a row whose entries would all underflow still
 * normalises to finite values. Rows of absent samples (and the padding past
 * n) end up 0.
 */

import type { Arena } from './arena.js';
import type { Kernels } from './kernels.js';
import type { Team } from './parallel.js';
import { tileRows, tileStart } from '../symmetric.js';

/** Which normalisation a fusion uses (see the package README). */
export type NormalizationRule = 'snftool' | 'snfpy';

/** Below this row maximum of log W, the linear form could lose whole rows to underflow. */
const LOG_SAFE = -300;

/** Full row sums of the tiled matrix at `p` into `out` (8 nb doubles), shared among a team's threads when given. */
export function rowSums(kernels: Kernels, p: number, nb: number, out: number, team: Team | null): void {
  if (team === null) kernels.tileRowSums(p, nb, 0, nb, out);
  else team.rowSums(nb, p, out, (I) => kernels.tileRowSums(p, nb, I, I + 1, out));
}

/** Entry (i, j) <- (v inv_i + v inv_j) / 2 over the tiled matrix at `p`, shared among a team's threads when given. */
export function scaleTiles(kernels: Kernels, p: number, nb: number, inv: number, team: Team | null): void {
  if (team === null) kernels.tileScale(p, 0, nb, inv);
  else team.scale(nb, p, inv, (I) => kernels.tileScale(p, I, I + 1, inv));
}

/** Presence of each of the nb * 8 rows: the present samples, without the padding. */
export function paddedPresence(n: number, present: Uint8Array | null): Uint8Array {
  const out = new Uint8Array(tileRows(n) * 8);
  for (let i = 0; i < n; i++) out[i] = present === null ? 1 : present[i];
  return out;
}

/**
 * Calls `visit(index, i, j)` for every stored entry of the lower triangle
 * with i > j (each off-diagonal pair once), then `diagonal(index, i)`.
 */
function forEachLower(n: number, base: number, visit: (e: number, i: number, j: number) => void): void {
  const nb = tileRows(n);
  for (let I = 0; I < nb; I++) {
    for (let J = 0; J <= I; J++) {
      const t = base + tileStart(I, J);
      for (let c = 0; c < 8; c++) {
        const j = 8 * J + c;
        for (let b = J === I ? c + 1 : 0; b < 8; b++) visit(t + 8 * c + b, 8 * I + b, j);
      }
    }
  }
}

/** Writes g(value, i, j) into entry (i, j) for every pair and both triangles of diagonal tiles, and d(i) on the diagonal. */
function rewrite(
  f: Float64Array,
  base: number,
  n: number,
  g: (v: number, i: number, j: number) => number,
  d: (v: number, i: number) => number,
): void {
  const nb = tileRows(n);
  for (let I = 0; I < nb; I++) {
    for (let J = 0; J <= I; J++) {
      const t = base + tileStart(I, J);
      for (let c = 0; c < 8; c++) {
        const j = 8 * J + c;
        for (let b = 0; b < 8; b++) {
          const i = 8 * I + b;
          const e = t + 8 * c + b;
          f[e] = i === j ? d(f[e], i) : g(f[e], i, j);
        }
      }
    }
  }
}

/**
 * Applies `rule` to the tiled matrix of linear values at byte offset `p`;
 * rows of absent samples and the padding become 0. `scratch` holds 16 nb
 * doubles. Row sums exclude the diagonal for `snftool` by subtracting it
 * from the full sum, as SNFtool does (rowSums(X) - diag(X)).
 */
export function normalizeLinear(
  arena: Arena,
  kernels: Kernels,
  p: number,
  n: number,
  present: Uint8Array | null,
  rule: NormalizationRule,
  scratch: number,
  team: Team | null = null,
): void {
  const nb = tileRows(n);
  const here = paddedPresence(n, present);
  rowSums(kernels, p, nb, scratch, team);
  const f = arena.f64;
  const sums = scratch / 8;
  const inv = sums + 8 * nb;
  const diagonal = (i: number): number => p / 8 + tileStart(i >> 3, i >> 3) + 9 * (i & 7);
  for (let i = 0; i < 8 * nb; i++) {
    let v = 0;
    if (here[i]) {
      const s = rule === 'snftool' ? f[sums + i] - f[diagonal(i)] : f[sums + i];
      v = rule === 'snftool' ? 1 / (2 * (s > 0 ? s : 1)) : s > 0 ? 1 / s : 0;
    }
    f[inv + i] = v;
  }
  scaleTiles(kernels, p, nb, scratch + 64 * nb, team);
  if (rule === 'snftool') for (let i = 0; i < 8 * nb; i++) f[diagonal(i)] = here[i] ? 0.5 : 0;
}

/**
 * Applies `rule` to a tiled matrix holding log W (absent pairs -Infinity),
 * leaving linear normalised values.
 */
export function normalizeFromLog(
  arena: Arena,
  kernels: Kernels,
  p: number,
  n: number,
  present: Uint8Array | null,
  rule: NormalizationRule,
  scratch: number,
): void {
  const f = arena.f64;
  const base = p / 8;
  const here = paddedPresence(n, present);
  const size = here.length;
  const withDiagonal = rule === 'snfpy';
  // row maxima of the off-diagonal entries (absent pairs and padding hold -Infinity)
  const max = new Float64Array(size).fill(Number.NEGATIVE_INFINITY);
  const nb = tileRows(n);
  for (let I = 0; I < nb; I++) {
    for (let J = 0; J <= I; J++) {
      const t = base + tileStart(I, J);
      for (let c = 0; c < 8; c++) {
        const j = 8 * J + c;
        let colMax = max[j];
        for (let b = 0; b < 8; b++) {
          const i = 8 * I + b;
          if (i === j) continue;
          const v = f[t + 8 * c + b];
          if (v > max[i]) max[i] = v;
          if (v > colMax) colMax = v;
        }
        max[j] = colMax;
      }
    }
  }
  const diagonalAt = (i: number): number => base + tileStart(i >> 3, i >> 3) + 9 * (i & 7);
  if (withDiagonal) for (let i = 0; i < n; i++) if (here[i] && f[diagonalAt(i)] > max[i]) max[i] = f[diagonalAt(i)];
  let lowest = Infinity;
  for (let i = 0; i < n; i++) if (here[i] && max[i] < lowest) lowest = max[i];
  if (lowest >= LOG_SAFE) {
    // -Infinity (absent pairs, padding) becomes 0
    for (let e = base, end = base + (64 * (tileRows(n) * (tileRows(n) + 1))) / 2; e < end; e++) f[e] = Math.exp(f[e]);
    normalizeLinear(arena, kernels, p, n, present, rule, scratch);
    return;
  }
  const sums = new Float64Array(size);
  forEachLower(n, base, (e, i, j) => {
    if (!here[i] || !here[j]) return;
    const v = f[e];
    sums[i] += Math.exp(v - max[i]);
    sums[j] += Math.exp(v - max[j]);
  });
  if (withDiagonal) for (let i = 0; i < n; i++) if (here[i]) sums[i] += Math.exp(f[diagonalAt(i)] - max[i]);
  const scale = rule === 'snftool' ? 2 : 1;
  const denominator = (i: number): number => (sums[i] > 0 ? scale * sums[i] : 1);
  rewrite(
    f,
    base,
    n,
    (v, i, j) =>
      here[i] && here[j] ? (Math.exp(v - max[i]) / denominator(i) + Math.exp(v - max[j]) / denominator(j)) / 2 : 0,
    (v, i) => (!here[i] ? 0 : rule === 'snftool' ? 0.5 : Math.exp(v - max[i]) / denominator(i)),
  );
}
