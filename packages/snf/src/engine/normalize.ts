/**
 * Row normalisations of packed symmetric similarity matrices, in place.
 *
 * - `snftool` rule [SNF14, SNFtool `normalize`]: P_ij = W_ij / (2 Σ_{k≠i} W_ik)
 *   for j ≠ i, P_ii = 1/2 (a zero sum is replaced by 1), then (P + Pᵀ) / 2.
 * - `snfpy` rule: W_ij / Σ_k W_ik (diagonal included), then (P + Pᵀ) / 2.
 *
 * From logarithms (log W), rows are scaled by their largest entry first
 * (log-sum-exp), so a row whose entries would all underflow still
 * normalises to finite values.
 */

import { packedRowStart } from '../symmetric.js';

/** Which normalisation a fusion uses (see the package README). */
export type NormalizationRule = 'snftool' | 'snfpy';

/** Below this row maximum of log W, the linear form could lose whole rows to underflow. */
const LOG_SAFE = -300;

/** Sum of each row of the packed matrix (missing entries are 0). */
export function packedRowSums(f: Float64Array, base: number, n: number, diagonal: boolean): Float64Array {
  const r = new Float64Array(n);
  let p = base;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < i; j++) {
      const v = f[p + j];
      s += v;
      r[j] += v;
    }
    r[i] += diagonal ? s + f[p + i] : s;
    p += i + 1;
  }
  return r;
}

/** Row scale factors: 1 / (2 Σ_{k≠i}) for `snftool`, 1 / Σ_k for `snfpy`. */
function inverseScales(sums: Float64Array, rule: NormalizationRule): Float64Array {
  const inv = new Float64Array(sums.length);
  for (let i = 0; i < sums.length; i++) {
    const s = sums[i];
    if (rule === 'snftool') inv[i] = 1 / (2 * (s > 0 ? s : 1));
    else inv[i] = s > 0 ? 1 / s : 0;
  }
  return inv;
}

/**
 * Applies `rule` to the packed matrix of linear values at element offset
 * `base`; rows of missing samples (present[i] = 0) stay 0.
 */
export function normalizeLinear(
  f: Float64Array,
  base: number,
  n: number,
  present: Uint8Array | null,
  rule: NormalizationRule,
): void {
  const inv = inverseScales(packedRowSums(f, base, n, rule === 'snfpy'), rule);
  let p = base;
  for (let i = 0; i < n; i++) {
    const a = inv[i];
    for (let j = 0; j < i; j++) {
      const v = f[p + j];
      f[p + j] = (v * a + v * inv[j]) / 2;
    }
    const here = present === null || present[i] === 1;
    f[p + i] = !here ? 0 : rule === 'snftool' ? 0.5 : f[p + i] * a;
    p += i + 1;
  }
}

/**
 * Applies `rule` to a packed matrix holding log W (missing pairs -Infinity),
 * leaving linear normalised values.
 */
export function normalizeFromLog(
  f: Float64Array,
  base: number,
  n: number,
  present: Uint8Array | null,
  rule: NormalizationRule,
): void {
  const diagonal = rule === 'snfpy';
  const max = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
  let p = base;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const v = f[p + j];
      if (v > max[i]) max[i] = v;
      if (v > max[j]) max[j] = v;
    }
    if (diagonal && f[p + i] > max[i]) max[i] = f[p + i];
    p += i + 1;
  }
  let lowest = Infinity;
  for (let i = 0; i < n; i++) if ((present === null || present[i] === 1) && max[i] < lowest) lowest = max[i];
  if (lowest >= LOG_SAFE) {
    for (let e = base, end = base + packedRowStart(n); e < end; e++) f[e] = Math.exp(f[e]);
    normalizeLinear(f, base, n, present, rule);
    return;
  }
  const sums = new Float64Array(n);
  p = base;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const v = f[p + j];
      sums[i] += Math.exp(v - max[i]);
      sums[j] += Math.exp(v - max[j]);
    }
    if (diagonal) sums[i] += Math.exp(f[p + i] - max[i]);
    p += i + 1;
  }
  const scale = rule === 'snftool' ? 2 : 1;
  p = base;
  for (let i = 0; i < n; i++) {
    const here = present === null || present[i] === 1;
    const si = sums[i] > 0 ? scale * sums[i] : 1;
    for (let j = 0; j < i; j++) {
      const v = f[p + j];
      const sj = sums[j] > 0 ? scale * sums[j] : 1;
      f[p + j] = v === Number.NEGATIVE_INFINITY ? 0 : (Math.exp(v - max[i]) / si + Math.exp(v - max[j]) / sj) / 2;
    }
    f[p + i] = !here ? 0 : rule === 'snftool' ? 0.5 : Math.exp(f[p + i] - max[i]) / si;
    p += i + 1;
  }
}
