/**
 * Eigenvalues and eigenvectors of symmetric matrices, for spectral
 * clustering: Lanczos with full reorthogonalisation (restarted with a fresh
 * random direction when the Krylov space closes, so repeated eigenvalues are
 * found too), and the implicit QL algorithm with Wilkinson shifts for the
 * small tridiagonal matrices it produces (Golub & Van Loan, Matrix
 * Computations, 4th ed., sections 8.3 and 10.1).
 */

import { createMatrix, NumericalError, Rng, type Matrix } from '@bml/core';
import { fail, PKG } from './validate.js';

/** Eigenpairs: `values` in the requested order, `vectors` with one eigenvector per column (unit norm). */
export interface EigenResult {
  values: Float64Array;
  /** n x k, column q is the eigenvector of values[q]. */
  vectors: Matrix;
}

/**
 * All eigenpairs of the symmetric tridiagonal matrix with diagonal `d` and
 * off-diagonal `e` (e[i] joins i and i + 1), in increasing order of value.
 * Returns the eigenvectors as columns of an m x m row-major array.
 */
export function tridiagonalEigen(
  d: ArrayLike<number>,
  e: ArrayLike<number>,
): { values: Float64Array; vectors: Float64Array } {
  const m = d.length;
  const w = Float64Array.from(d);
  const off = new Float64Array(m);
  for (let i = 0; i < m - 1; i++) off[i] = e[i];
  const z = new Float64Array(m * m);
  for (let i = 0; i < m; i++) z[i * m + i] = 1;
  for (let l = 0; l < m; l++) {
    for (let iteration = 0; ; iteration++) {
      let k = l;
      for (; k < m - 1; k++) {
        const scale = Math.abs(w[k]) + Math.abs(w[k + 1]);
        if (Math.abs(off[k]) <= Number.EPSILON * scale) break;
      }
      if (k === l) break;
      if (iteration === 60)
        throw new NumericalError(`${PKG}: the tridiagonal eigenvalue iteration did not converge`, 'NOT_CONVERGED');
      // Wilkinson shift from the leading 2 x 2 block
      let g = (w[l + 1] - w[l]) / (2 * off[l]);
      let r = Math.hypot(g, 1);
      g = w[k] - w[l] + off[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = k - 1;
      for (; i >= l; i--) {
        const f = s * off[i];
        const b = c * off[i];
        r = Math.hypot(f, g);
        off[i + 1] = r;
        if (r === 0) {
          w[i + 1] -= p;
          off[k] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = w[i + 1] - p;
        r = (w[i] - g) * s + 2 * c * b;
        p = s * r;
        w[i + 1] = g + p;
        g = c * r - b;
        for (let row = 0; row < m; row++) {
          const a = z[row * m + i + 1];
          z[row * m + i + 1] = s * z[row * m + i] + c * a;
          z[row * m + i] = c * z[row * m + i] - s * a;
        }
      }
      if (r === 0 && i >= l) continue;
      w[l] -= p;
      off[l] = g;
      off[k] = 0;
    }
  }
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => w[a] - w[b] || a - b);
  const values = Float64Array.from(order, (i) => w[i]);
  const vectors = new Float64Array(m * m);
  for (let q = 0; q < m; q++) for (let row = 0; row < m; row++) vectors[row * m + q] = z[row * m + order[q]];
  return { values, vectors };
}

/** Options of {@link symmetricEigen}. */
export interface EigenOptions {
  /** Number of eigenpairs. Default: all. */
  k?: number;
  /** The `'largest'` (default) or `'smallest'` eigenvalues (algebraic). */
  which?: 'largest' | 'smallest';
  /** Residual ||A x - λ x|| accepted, relative to the largest |λ| seen. Default 1e-10. */
  tolerance?: number;
  /** Seed of the starting vectors. Default 0. */
  seed?: number;
}

/**
 * The k extreme eigenpairs of the symmetric matrix `a` (only its lower
 * triangle is assumed symmetric to the upper one, not checked).
 */
export function symmetricEigen(a: Matrix, options: EigenOptions = {}): EigenResult {
  const n = a.rows;
  if (a.cols !== n) fail(`symmetricEigen needs a square matrix, got ${n} x ${a.cols}`, 'SHAPE_MISMATCH');
  const apply = (x: Float64Array, out: Float64Array): void => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      const row = i * n;
      for (let j = 0; j < n; j++) s += a.data[row + j] * x[j];
      out[i] = s;
    }
  };
  return lanczosEigen(apply, n, options);
}

/**
 * The k extreme eigenpairs of the symmetric operator `apply` (out = A x) of
 * size n, by Lanczos with full reorthogonalisation.
 */
export function lanczosEigen(
  apply: (x: Float64Array, out: Float64Array) => void,
  n: number,
  options: EigenOptions = {},
): EigenResult {
  const k = options.k ?? n;
  const which = options.which ?? 'largest';
  const tolerance = options.tolerance ?? 1e-10;
  if (!Number.isInteger(k) || k < 1 || k > n) fail(`k must be an integer in 1..${n}, got ${k}`, 'INVALID_OPTION');
  const rng = new Rng(options.seed ?? 0);
  const Q: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = [];
  const w = new Float64Array(n);
  const orthogonalize = (v: Float64Array): void => {
    for (let pass = 0; pass < 2; pass++) {
      for (const q of Q) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += q[i] * v[i];
        for (let i = 0; i < n; i++) v[i] -= dot * q[i];
      }
    }
  };
  const fresh = (): Float64Array | null => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const v = Float64Array.from({ length: n }, () => rng.normal());
      orthogonalize(v);
      const norm = norm2(v);
      if (norm > 1e-8) return v.map((x) => x / norm);
    }
    return null;
  };
  let q: Float64Array | null = fresh();
  let result: { values: Float64Array; vectors: Float64Array } | null = null;
  let nextCheck = Math.min(n, Math.max(2 * k + 10, 20));
  while (q !== null && Q.length < n) {
    Q.push(q);
    apply(q, w);
    let a = 0;
    for (let i = 0; i < n; i++) a += q[i] * w[i];
    alpha.push(a);
    orthogonalize(w);
    const b = norm2(w);
    const breakdown = b <= 1e-10 * Math.max(1, Math.abs(a));
    if (Q.length === n || Q.length >= nextCheck || breakdown) {
      result = tridiagonalEigen(alpha, beta);
      const m = Q.length;
      let scale = 0;
      for (const v of result.values) scale = Math.max(scale, Math.abs(v));
      let converged = Q.length === n;
      if (!converged && !breakdown) {
        converged = true;
        for (let t = 0; t < k && converged; t++) {
          const col = which === 'largest' ? m - 1 - t : t;
          if (Math.abs(b * result.vectors[(m - 1) * m + col]) > tolerance * Math.max(scale, 1e-300)) converged = false;
        }
      }
      if (converged && m >= k) break;
      nextCheck = Math.min(n, Math.ceil(Q.length * 1.5) + 5);
    }
    if (breakdown) {
      // the Krylov space is invariant: continue with a fresh direction (a zero coupling)
      beta.push(0);
      q = fresh();
    } else {
      beta.push(b);
      q = w.map((x) => x / b);
    }
  }
  if (result === null || result.values.length < k) {
    if (Q.length < k)
      throw new NumericalError(`${PKG}: Lanczos found only ${Q.length} of ${k} eigenvectors`, 'NOT_CONVERGED');
    result = tridiagonalEigen(alpha, beta.slice(0, alpha.length - 1));
  }
  const m = result.values.length;
  const values = new Float64Array(k);
  const vectors = new Float64Array(n * k);
  for (let t = 0; t < k; t++) {
    const col = which === 'largest' ? m - 1 - t : t;
    values[t] = result.values[col];
    for (let r = 0; r < m; r++) {
      const y = result.vectors[r * m + col];
      if (y === 0) continue;
      const basis = Q[r];
      for (let i = 0; i < n; i++) vectors[i * k + t] += y * basis[i];
    }
    // unit norm and a deterministic sign (largest component positive)
    let norm = 0;
    let big = 0;
    for (let i = 0; i < n; i++) {
      const v = vectors[i * k + t];
      norm += v * v;
      if (Math.abs(v) > Math.abs(big)) big = v;
    }
    const f = (big < 0 ? -1 : 1) / Math.sqrt(norm);
    for (let i = 0; i < n; i++) vectors[i * k + t] *= f;
  }
  return { values, vectors: createMatrix(n, k, vectors) };
}

function norm2(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}
