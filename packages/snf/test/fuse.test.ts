import { describe, expect, it } from 'vitest';
import { createMatrix, type CsrMatrix, type Matrix } from '@bml/core';
import {
  affinityFromDistances,
  affinityMatrix,
  fuseFeatures,
  snf,
  wasmAvailable,
  type NormalizationRule,
} from '../src/index.js';
import { gaussianClusters, maxRelativeError, naiveSnf } from './helpers.js';

function views(seed: number, m: number, perCluster = 20, dims = [6, 4, 8]): Matrix[] {
  return Array.from(
    { length: m },
    (_, v) => gaussianClusters(seed + v, 3, perCluster, dims[v % dims.length], 1 + v / 2).x,
  );
}

describe('sparse packed diffusion against dense matrix products', () => {
  const cases: [NormalizationRule, number][] = [
    ['snftool', 2],
    ['snftool', 3],
    ['snfpy', 2],
    ['snfpy', 3],
  ];
  it.each(cases)('agrees under %s rules with %i omics', (rule, m) => {
    const aff = views(11, m).map((x) => affinityMatrix(x, { K: 7 }));
    const sparse = snf(aff, { K: 7, t: 6, normalization: rule });
    const dense = naiveSnf(aff, { K: 7, t: 6, rule });
    expect(maxRelativeError(sparse.data, dense.data, 1e-300)).toBeLessThan(1e-11);
  });

  it('agrees for a sample count that is not a multiple of 8', () => {
    const aff = views(5, 2, 13).map((x) => affinityMatrix(x, { K: 5 }));
    expect(aff[0].rows).toBe(39);
    const sparse = snf(aff, { K: 5, t: 4 });
    const dense = naiveSnf(aff, { K: 5, t: 4, rule: 'snftool' });
    expect(maxRelativeError(sparse.data, dense.data)).toBeLessThan(1e-11);
  });

  it.skipIf(!wasmAvailable())('gives bit-identical results with the WebAssembly and JavaScript kernels', () => {
    const x = views(2, 3, 17);
    const a = fuseFeatures(x, { K: 6, t: 5, engine: 'wasm' });
    const b = fuseFeatures(x, { K: 6, t: 5, engine: 'js' });
    expect(a.engine).toBe('wasm');
    expect(b.engine).toBe('js');
    expect(Array.from(a.fused.data)).toEqual(Array.from(b.fused.data));
  });
});

describe('worker threads', () => {
  it('give the same bits as one thread', () => {
    const x = views(8, 3, 100);
    const one = fuseFeatures(x, { K: 12, t: 4, threads: 1 });
    const two = fuseFeatures(x, { K: 12, t: 4, threads: 2 });
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(Array.from(two.fused.data)).toEqual(Array.from(one.fused.data));
    const cosine = { K: 12, t: 2, metric: 'cosine' as const };
    expect(Array.from(fuseFeatures(x, { ...cosine, threads: 2 }).fused.data)).toEqual(
      Array.from(fuseFeatures(x, { ...cosine, threads: 1 }).fused.data),
    );
  });
});

describe('snf', () => {
  const x = views(21, 3);

  it('returns a symmetric matrix whose off-diagonal rows sum to about 1/2 (snftool rules)', () => {
    const fused = snf(
      x.map((v) => affinityMatrix(v, { K: 10 })),
      { K: 10 },
    );
    const n = fused.rows;
    let total = 0;
    for (let i = 0; i < n; i++) {
      expect(fused.data[i * n + i]).toBe(0.5);
      for (let j = 0; j < n; j++) {
        expect(fused.data[i * n + j]).toBe(fused.data[j * n + i]);
        if (i !== j) total += fused.data[i * n + j];
      }
    }
    expect(total).toBeCloseTo(n / 2, 10);
  });

  it('returns the normalised network of a single omics', () => {
    const w = affinityMatrix(x[0], { K: 10 });
    const one = snf([w], { K: 10, detailed: true });
    expect(one.iterations).toBe(0);
    expect(maxRelativeError(one.fused.data, naiveSnf([w], { K: 10, t: 20, rule: 'snftool' }).data)).toBeLessThan(1e-13);
  });

  it('reports the detailed state: P_v, S_v with K entries per row, changes and timings', () => {
    const result = snf(
      x.map((v) => affinityMatrix(v, { K: 10 })),
      { K: 10, t: 5, detailed: true },
    );
    expect(result.iterations).toBe(5);
    expect(result.changes).toHaveLength(5);
    expect(result.converged).toBe(false);
    expect(result.views).toHaveLength(3);
    for (const view of result.views) {
      const n = view.S.rows;
      for (let i = 0; i < n; i++) {
        expect(view.S.rowPtr[i + 1] - view.S.rowPtr[i]).toBe(10);
        let s = 0;
        for (let p = view.S.rowPtr[i]; p < view.S.rowPtr[i + 1]; p++) s += view.S.values[p];
        expect(s).toBeCloseTo(1, 14);
      }
      const dense = view.P.toDense();
      expect(dense.rows).toBe(n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(dense.data[i * n + j]).toBe(view.P.get(j, i));
    }
    expect(result.timings.totalMs).toBeGreaterThan(0);
  });

  it('stops early once the relative change falls below the tolerance', () => {
    const aff = x.map((v) => affinityMatrix(v, { K: 10 }));
    const result = snf(aff, { K: 10, t: 50, tolerance: 1e-4, detailed: true });
    expect(result.converged).toBe(true);
    expect(result.iterations).toBeLessThan(50);
    expect(result.changes[result.changes.length - 1]).toBeLessThan(1e-4);
    const plain = snf(aff, { K: 10, t: result.iterations });
    expect(Array.from(result.fused.data)).toEqual(Array.from(plain.data));
  });

  it('clamps K in the fusion when asked, and refuses it otherwise', () => {
    const aff = x.map((v) => affinityMatrix(v, { K: 10 }));
    expect(() => snf(aff, { K: 60 })).toThrow(/K = 60, samples = 60/);
    const result = snf(aff, { K: 60, onLargeK: 'clamp', detailed: true });
    expect(result.views[0].K).toBe(59);
    expect(result.warnings.map((w) => w.code)).toContain('K_CLAMPED');
  });

  it('names omics by index, or by the names given', () => {
    const aff = x.map((v) => affinityMatrix(v, { K: 10 }));
    const byIndex = snf(aff, { K: 60, onLargeK: 'clamp', detailed: true });
    expect(byIndex.warnings.map((w) => w.message).join('\n')).toMatch(/in omics 1\b/);
    const names = aff.map((_, v) => `view${v}`);
    const byName = snf(aff, { K: 60, onLargeK: 'clamp', detailed: true, names });
    const messages = byName.warnings.map((w) => w.message).join('\n');
    expect(messages).toMatch(/in omics "view1"/);
    expect(messages).not.toMatch(/in omics 1\b/);
  });

  it('normalises rows from log-affinities even when every entry would underflow', () => {
    const { x: far } = gaussianClusters(4, 2, 10, 3, 1);
    const big = createMatrix(
      far.rows,
      far.cols,
      far.data.map((v) => v * 1e4),
    );
    const log = affinityMatrix(big, { K: 5, standardize: false, output: 'log' });
    const lin = affinityMatrix(big, { K: 5, standardize: false });
    const offDiagonal = lin.data.filter((_, e) => e % (far.rows + 1) !== 0);
    expect(offDiagonal.every((v) => v === 0)).toBe(true);
    const fused = snf([log, log], { K: 5, t: 3, input: 'log' });
    expect(fused.data.every(Number.isFinite)).toBe(true);
    const viaFeatures = fuseFeatures([big, big], { K: 5, t: 3, standardize: false });
    expect(maxRelativeError(viaFeatures.fused.data, fused.data)).toBeLessThan(1e-10);
  });
});

describe('samples missing from an omics', () => {
  const full = views(31, 3, 12);
  const n = full[0].rows;
  const missing: number[][] = [[], [0, 5, 17], [3, 5]];
  const withNaN = full.map((x, v) => {
    const data = x.data.slice();
    for (const i of missing[v]) data.fill(Number.NaN, i * x.cols, (i + 1) * x.cols);
    return createMatrix(x.rows, x.cols, data);
  });
  const presence = missing.map((list) => {
    if (list.length === 0) return null;
    const p = new Uint8Array(n).fill(1);
    for (const i of list) p[i] = 0;
    return p;
  });

  it.each(['snftool', 'snfpy'] as const)('average each pair over the omics having both (%s rules)', (rule) => {
    const aff = withNaN.map((x) => affinityMatrix(x, { K: 6 }));
    expect(Number.isNaN(aff[1].data[0])).toBe(true);
    const fused = snf(aff, { K: 6, t: 5, normalization: rule });
    const dense = naiveSnf(aff, { K: 6, t: 5, rule, presence });
    expect(fused.data.every(Number.isFinite)).toBe(true);
    expect(maxRelativeError(fused.data, dense.data, 1e-300)).toBeLessThan(1e-11);
  });

  it('give the same fusion from features with NaN rows', () => {
    const fromFeatures = fuseFeatures(withNaN, { K: 6, t: 5 });
    const fromAffinities = snf(
      withNaN.map((x) => affinityMatrix(x, { K: 6 })),
      { K: 6, t: 5 },
    );
    expect(maxRelativeError(fromFeatures.fused.data, fromAffinities.data)).toBeLessThan(1e-12);
    expect(fromFeatures.views[1].present?.[5]).toBe(0);
    expect(fromFeatures.views[1].S.rowPtr[6] - fromFeatures.views[1].S.rowPtr[5]).toBe(0);
  });

  it('refuse a sample that has no omics at all', () => {
    const data = withNaN.map((x) => {
      const d = x.data.slice();
      d.fill(Number.NaN, 8 * x.cols, 9 * x.cols);
      return createMatrix(x.rows, x.cols, d);
    });
    expect(() => fuseFeatures(data, { K: 6 })).toThrow(/sample 8 has none of the 3 omics/);
  });
});

/** Column indices of each row of a CSR matrix. */
function columns(S: CsrMatrix): number[][] {
  return Array.from({ length: S.rows }, (_, i) => Array.from(S.colIdx.subarray(S.rowPtr[i], S.rowPtr[i + 1])));
}

describe('tied neighbours in the local kernel', () => {
  it('keeps the lower index among equal distances (snftool rule)', () => {
    // six samples all at distance 2 from one another: every off-diagonal
    // affinity is the same number a, so P_ij = a / (2 * 5a) = 0.1 for every
    // i != j and P_ii = 0.5. With K = 3, row i keeps itself and the two
    // lowest-index others.
    const n = 6;
    const d = createMatrix(n, n, Float64Array.from({ length: n * n }, (_, e) => (e % (n + 1) === 0 ? 0 : 2)));
    const w = affinityFromDistances(d, { K: 3 });
    const result = snf([w, w], { K: 3, t: 1, detailed: true });
    expect(columns(result.views[0].S)).toEqual([
      [0, 1, 2],
      [0, 1, 2],
      [0, 1, 2],
      [0, 1, 3],
      [0, 1, 4],
      [0, 1, 5],
    ]);
    // S row 3: 0.5 / 0.7 for itself, 0.1 / 0.7 for samples 0 and 1
    const row3 = Array.from(result.views[0].S.values.subarray(9, 12));
    expect(row3[0]).toBeCloseTo(0.1 / 0.7, 15);
    expect(row3[1]).toBeCloseTo(0.1 / 0.7, 15);
    expect(row3[2]).toBeCloseTo(0.5 / 0.7, 15);
  });

  it('keeps every tied entry under the snfpy percentile rule', () => {
    // affinities 1 on the diagonal and 1/4 elsewhere: every row sums to 9/4
    // exactly, so P_ij = 1/9 for every i != j and P_ii = 4/9. The 50th percentile of a row
    // (K = 3 of 6) falls between two of these equal values, so all six
    // entries are at or above it and kept.
    const n = 6;
    const w = createMatrix(n, n, Float64Array.from({ length: n * n }, (_, e) => (e % (n + 1) === 0 ? 1 : 0.25)));
    const result = snf([w, w], { K: 3, t: 1, normalization: 'snfpy', detailed: true });
    for (const row of columns(result.views[0].S)) expect(row).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('breaks ties among duplicate samples by lower index', () => {
    // samples 0-2 identical, samples 3-5 identical and 300 units away: the
    // distances within a group are all 0, so W = 1 there (the paper
    // kernel's limit) and exp(-1800) = 0 across groups; P_ij = 1/4 within a
    // group. With K = 2, row i keeps itself and the lowest other index of
    // its group.
    const x = createMatrix(6, 1, Float64Array.from([0, 0, 0, 300, 300, 300]));
    const result = fuseFeatures([x, x], { K: 2, t: 1, standardize: false });
    expect(result.warnings.map((w) => w.code)).toContain('DUPLICATE_SAMPLES');
    expect(columns(result.views[0].S)).toEqual([
      [0, 1],
      [0, 1],
      [0, 2],
      [3, 4],
      [3, 4],
      [3, 5],
    ]);
    expect(Array.from(result.views[0].S.values.subarray(0, 2))).toEqual([0.5 / 0.75, 0.25 / 0.75]);
  });
});

describe('fused output over the omics each pair has', () => {
  it('averages the omics having each pair', () => {
    // t = 0, so the output is the normalised mean of the initial matrices.
    // Two omics of 4 samples; omics B lacks sample 3 (NaN diagonal).
    // A: every off-diagonal affinity 1, so each row sums to 3 and
    //    P_A(i, j) = 1 / (2 * 3) = 1/6, P_A(i, i) = 1/2.
    // B (samples 0-2): off-diagonal affinity 2, rows sum to 4, so
    //    P_B(i, j) = 2 / (2 * 4) = 1/4, P_B(i, i) = 1/2.
    // Mean over the omics having each pair:
    //    pairs within 0-2: (1/6 + 1/4) / 2 = 5/24; pairs with 3: 1/6 (A only);
    //    diagonal: 1/2.
    // Output normalisation (SNFtool rule): row i of 0-2 sums 2 * 5/24 + 1/6 =
    //    7/12 off the diagonal, so F(i, j) = (5/24) / (2 * 7/12) = 5/28 and
    //    F(i, 3) = (1/6) / (7/6) = 1/7 before symmetrising; row 3 sums 3/6 =
    //    1/2, so F(3, j) = (1/6) / 1 = 1/6. Symmetrised: F(i, 3) = (1/7 +
    //    1/6) / 2 = 13/84, F(i, j) = 5/28, F(i, i) = 1/2.
    const ones = createMatrix(4, 4, new Float64Array(16).fill(1));
    const b = new Float64Array(16).fill(2);
    for (let i = 0; i < 4; i++) {
      b[i * 4 + 3] = Number.NaN;
      b[3 * 4 + i] = Number.NaN;
    }
    const fused = snf([ones, createMatrix(4, 4, b)], { K: 2, t: 0 });
    const expected = [
      [1 / 2, 5 / 28, 5 / 28, 13 / 84],
      [5 / 28, 1 / 2, 5 / 28, 13 / 84],
      [5 / 28, 5 / 28, 1 / 2, 13 / 84],
      [13 / 84, 13 / 84, 13 / 84, 1 / 2],
    ].flat();
    for (let e = 0; e < 16; e++) expect(fused.data[e]).toBeCloseTo(expected[e], 15);
  });
});
