/**
 * The local (KNN) kernel S of SNF, built once from the normalised matrix P
 * and kept fixed during the diffusion.
 *
 * - `snftool` rule [SNF14, SNFtool `.dominateset`]: each row keeps its K
 *   largest entries, the diagonal included (it is the row maximum, 1/2), and
 *   is renormalised to sum 1. Ties: lower column index first (SNFtool's sort
 *   would keep the higher index; exact ties do not occur in continuous data).
 * - `snfpy` rule [snfpy `_find_dominate_set`]: each row keeps the entries at
 *   or above its (100 - 100 K / L)-th percentile (numpy linear interpolation
 *   over the L entries of the row, diagonal included), so ties may keep more
 *   than K, and is renormalised.
 *
 * Only samples present in the view take part; rows of missing samples are empty.
 */

import type { Arena } from './arena.js';
import type { ArenaCsr } from './diffusion.js';
import type { NormalizationRule } from './normalize.js';
import { readTiledBlock } from '../symmetric.js';
import { numpyPercentile, topK } from '../select.js';

export function buildLocalKernel(
  arena: Arena,
  P: number,
  n: number,
  present: Uint8Array | null,
  nPresent: number,
  K: number,
  rule: NormalizationRule,
): ArenaCsr {
  const block = new Float64Array(8 * n);
  const idx = new Int32Array(n);
  const rowPtr = new Int32Array(n + 1);
  let cols = new Int32Array(n * K);
  let vals = new Float64Array(n * K);
  let nnz = 0;
  const cutoff = 100 - 100 * (K / nPresent);
  for (let i = 0; i < n; i++) {
    rowPtr[i] = nnz;
    if ((i & 7) === 0) readTiledBlock(arena.f64, P / 8, n, i >> 3, block);
    if (present !== null && present[i] === 0) continue;
    const row = block.subarray((i & 7) * n, (i & 7) * n + n);
    let count: number;
    if (rule === 'snftool') {
      count = topK(row, n, K, present, -1, idx);
    } else {
      const threshold = numpyPercentile(row, n, present, nPresent, cutoff, idx);
      count = 0;
      for (let j = 0; j < n; j++) {
        if ((present === null || present[j] === 1) && row[j] >= threshold) idx[count++] = j;
      }
    }
    if (nnz + count > cols.length) {
      const grow = Math.max(cols.length * 2, nnz + count);
      const c2 = new Int32Array(grow);
      c2.set(cols);
      cols = c2;
      const v2 = new Float64Array(grow);
      v2.set(vals);
      vals = v2;
    }
    let total = 0;
    for (let q = 0; q < count; q++) total += row[idx[q]];
    for (let q = 0; q < count; q++) {
      cols[nnz + q] = idx[q];
      vals[nnz + q] = row[idx[q]] / total;
    }
    nnz += count;
  }
  rowPtr[n] = nnz;
  const csr: ArenaCsr = { rowPtr: arena.alloc(4 * (n + 1)), col: arena.alloc(4 * nnz), val: arena.alloc(8 * nnz), nnz };
  arena.i32.set(rowPtr, csr.rowPtr / 4);
  arena.i32.set(cols.subarray(0, nnz), csr.col / 4);
  arena.f64.set(vals.subarray(0, nnz), csr.val / 8);
  return csr;
}
