/**
 * Test helpers: reading the shared reference files, and a naive dense SNF
 * written straight from the published algorithms (full matrix products), to
 * check the sparse packed implementation against.
 */

import { createMatrix, Rng, type Matrix } from '@bml/core';
import { readNumericCsv, sharedPath } from '@bml/test-utils';

/** A reference matrix from `reference/snf`, or undefined (test skipped) when absent. */
export function reference(name: string): Matrix | undefined {
  const path = sharedPath(`reference/snf/${name}`);
  if (path === undefined) return undefined;
  const t = readNumericCsv(path);
  return createMatrix(t.rows, t.cols, t.data);
}

/** One digits-mfeat view (600 samples, header and sample column). */
export function digitsView(view: string): Matrix | undefined {
  const path = sharedPath(`data/digits-mfeat/${view}.csv`);
  if (path === undefined) return undefined;
  const t = readNumericCsv(path, { header: true, idColumn: true });
  return createMatrix(t.rows, t.cols, t.data);
}

/** Gaussian clusters: `perCluster` samples around `clusters` random centres in `dim` dimensions. */
export function gaussianClusters(
  seed: number,
  clusters: number,
  perCluster: number,
  dim: number,
  spread = 1,
): { x: Matrix; labels: Int32Array } {
  const rng = new Rng(seed);
  const centres = Array.from({ length: clusters }, () => Array.from({ length: dim }, () => 3 * rng.normal()));
  const n = clusters * perCluster;
  const data = new Float64Array(n * dim);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % clusters;
    labels[i] = c;
    for (let k = 0; k < dim; k++) data[i * dim + k] = centres[c][k] + spread * rng.normal();
  }
  return { x: createMatrix(n, dim, data), labels };
}

type Dense = Float64Array[];

function toDense(m: Matrix): Dense {
  return Array.from({ length: m.rows }, (_, i) => Float64Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
}

function matmul(a: Dense, b: Dense): Dense {
  const n = a.length;
  const p = b[0].length;
  const out = Array.from({ length: n }, () => new Float64Array(p));
  for (let i = 0; i < n; i++) {
    for (let l = 0; l < b.length; l++) {
      const v = a[i][l];
      if (v === 0) continue;
      for (let j = 0; j < p; j++) out[i][j] += v * b[l][j];
    }
  }
  return out;
}

function transpose(a: Dense): Dense {
  return Array.from(a[0], (_, j) => Float64Array.from(a, (row) => row[j]));
}

function symmetrize(a: Dense): Dense {
  return a.map((row, i) => row.map((v, j) => (v + a[j][i]) / 2));
}

/** SNFtool `normalize`: W / (2 (rowSums - diag)), diag 1/2, restricted to present samples. */
function snftoolNormalize(w: Dense, present: Uint8Array): Dense {
  return w.map((row, i) => {
    if (!present[i]) return row.map(() => 0);
    let s = 0;
    row.forEach((v, j) => {
      if (j !== i && present[j]) s += v;
    });
    return row.map((v, j) => (!present[j] ? 0 : j === i ? 0.5 : v / (2 * (s > 0 ? s : 1))));
  });
}

function rowNormalize(w: Dense, present: Uint8Array): Dense {
  return w.map((row, i) => {
    if (!present[i]) return row.map(() => 0);
    let s = 0;
    row.forEach((v, j) => {
      if (present[j]) s += v;
    });
    return row.map((v, j) => (present[j] ? v / s : 0));
  });
}

/** Top-K of each row (lower index wins ties), row-normalised. */
function dominateSet(p: Dense, K: number, present: Uint8Array): Dense {
  return p.map((row, i) => {
    const out = new Float64Array(row.length);
    if (!present[i]) return out;
    const order = Array.from(row.keys())
      .filter((j) => present[j])
      .sort((a, b) => row[b] - row[a] || a - b)
      .slice(0, K);
    const s = order.reduce((acc, j) => acc + row[j], 0);
    for (const j of order) out[j] = row[j] / s;
    return out;
  });
}

/** snfpy's percentile rule with numpy's linear interpolation. */
function percentileSet(p: Dense, K: number, present: Uint8Array): Dense {
  const L = present.reduce((a, b) => a + b, 0);
  const q = (100 - 100 * (K / L)) / 100;
  return p.map((row, i) => {
    const out = new Float64Array(row.length);
    if (!present[i]) return out;
    const vals = Array.from(row)
      .filter((_, j) => present[j])
      .sort((a, b) => a - b);
    const v = (L - 1) * q;
    const lo = Math.floor(v);
    const g = v - lo;
    const a = vals[lo];
    const b = vals[Math.min(lo + 1, L - 1)];
    const thr = g >= 0.5 ? b - (b - a) * (1 - g) : a + (b - a) * g;
    let s = 0;
    row.forEach((x, j) => {
      if (present[j] && x >= thr) s += x;
    });
    row.forEach((x, j) => {
      if (present[j] && x >= thr) out[j] = x / s;
    });
    return out;
  });
}

/**
 * Dense SNF: SNFtool's or snfpy's steps with full matrix products. Missing
 * samples (presence 0) follow the package's documented rule.
 */
export function naiveSnf(
  affinities: Matrix[],
  options: { K: number; t: number; rule: 'snftool' | 'snfpy'; alpha?: number; presence?: (Uint8Array | null)[] },
): Matrix {
  const n = affinities[0].rows;
  const m = affinities.length;
  const all = new Uint8Array(n).fill(1);
  const pres = affinities.map((_, v) => options.presence?.[v] ?? all);
  let P = affinities.map((w, v) => {
    const d = toDense(w).map((row, i) => row.map((x, j) => (pres[v][i] && pres[v][j] ? x : 0)));
    return symmetrize(options.rule === 'snftool' ? snftoolNormalize(d, pres[v]) : rowNormalize(d, pres[v]));
  });
  const S = P.map((p, v) =>
    options.rule === 'snftool' ? dominateSet(p, options.K, pres[v]) : percentileSet(p, options.K, pres[v]),
  );
  const both = (v: number, i: number, j: number): boolean => pres[v][i] === 1 && pres[v][j] === 1;
  for (let it = 0; it < (m > 1 ? options.t : 0); it++) {
    P = P.map((_, v) => {
      const mean = P[v].map((row, i) =>
        row.map((own, j) => {
          let s = 0;
          let c = 0;
          for (let u = 0; u < m; u++) {
            if (u === v || !both(u, i, j)) continue;
            s += P[u][i][j];
            c++;
          }
          return c > 0 ? s / c : own;
        }),
      );
      const next = matmul(matmul(S[v], mean), transpose(S[v]));
      if (options.rule === 'snftool') return symmetrize(snftoolNormalize(next, pres[v]));
      return symmetrize(
        next.map((row, i) => row.map((x, j) => (i === j && pres[v][i] ? x + (options.alpha ?? 1) : x))),
      );
    });
  }
  const fused = P[0].map((row, i) =>
    row.map((_, j) => {
      let s = 0;
      let c = 0;
      for (let v = 0; v < m; v++) {
        if (!both(v, i, j)) continue;
        s += P[v][i][j];
        c++;
      }
      return c > 0 ? s / c : 0;
    }),
  );
  let out: Dense;
  if (options.rule === 'snftool') {
    out = symmetrize(snftoolNormalize(fused, all));
  } else {
    const w = rowNormalize(fused, all);
    out = w.map((row, i) => row.map((x, j) => (x + w[j][i] + (i === j ? 1 : 0)) / 2));
  }
  const data = new Float64Array(n * n);
  out.forEach((row, i) => data.set(row, i * n));
  return createMatrix(n, n, data);
}

/** Largest |a - b| / max(|b|, floor). */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-300): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), floor);
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : e;
  }
  return worst;
}
