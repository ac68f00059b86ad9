import { describe, expect, it } from 'vitest';
import { createMatrix, csrToDense, type BmlWarning, type CsrMatrix } from '@bml/core';
import { attachToGraph, distanceMatrix, fuseFeatures, knnGraph, mogonetGraph, similarityGraph } from '../src/index.js';
import { kthSmallest } from '../src/select.js';
import { gaussianClusters } from './helpers.js';

function rowOf(a: CsrMatrix, i: number): Map<number, number> {
  const m = new Map<number, number>();
  for (let p = a.rowPtr[i]; p < a.rowPtr[i + 1]; p++) m.set(a.colIdx[p], a.values[p]);
  return m;
}

describe('similarityGraph', () => {
  const x = [0, 1, 2].map((v) => gaussianClusters(40 + v, 3, 15, 5).x);
  const fused = fuseFeatures(x, { K: 8 }).fused;
  const n = fused.rows;

  it('joins each node to at least its k most similar others, symmetrically, with weights in (0, 1]', () => {
    const g = similarityGraph(fused, { k: 5 });
    const dense = csrToDense(g.adjacency);
    let maxOff = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) if (i !== j) maxOff = Math.max(maxOff, fused.data[i * n + j]);
    expect(g.scale).toBe(maxOff);
    for (let i = 0; i < n; i++) {
      const row = rowOf(g.adjacency, i);
      expect(row.size - 1).toBeGreaterThanOrEqual(5);
      for (let j = 0; j < n; j++) expect(dense[i * n + j]).toBeCloseTo(dense[j * n + i], 15);
      // the 5 most similar others are all neighbours
      const order = Array.from({ length: n }, (_, j) => j)
        .filter((j) => j !== i)
        .sort((a, b) => fused.data[i * n + b] - fused.data[i * n + a] || a - b);
      for (const j of order.slice(0, 5)) expect(row.has(j)).toBe(true);
      // raw weight = Â_ij sqrt(d_i d_j), within (0, 1]
      for (const [j, v] of row) {
        const w = v * Math.sqrt(g.degrees[i] * g.degrees[j]);
        if (j === i) expect(w).toBeCloseTo(1, 14);
        else {
          expect(w).toBeGreaterThan(0);
          expect(w).toBeLessThanOrEqual(1 + 1e-15);
          expect(w).toBeCloseTo(Math.max(fused.data[i * n + j], fused.data[j * n + i]) / g.scale, 14);
        }
      }
      let degree = 0;
      for (const [j, v] of row) degree += v * Math.sqrt(g.degrees[i] * g.degrees[j]);
      expect(degree).toBeCloseTo(g.degrees[i], 13);
    }
  });

  it('has rows summing to 1 under row normalisation', () => {
    const g = similarityGraph(fused, { k: 4, normalization: 'row' });
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (const v of rowOf(g.adjacency, i).values()) s += v;
      expect(s).toBeCloseTo(1, 14);
    }
  });

  it('breaks ties by lower index and clamps k to N - 1 with a warning', () => {
    // node 0 is equally similar to 1, 2 and 3
    const p = createMatrix(
      4,
      4,
      Float64Array.from([0.5, 0.1, 0.1, 0.1, 0.1, 0.5, 0.2, 0, 0.1, 0.2, 0.5, 0, 0.1, 0, 0, 0.5]),
    );
    const g = similarityGraph(p, { k: 1 });
    expect([...rowOf(g.adjacency, 0).keys()]).toEqual([0, 1, 3]);
    const warnings: BmlWarning[] = [];
    const big = similarityGraph(p, { k: 10, onWarning: (w) => warnings.push(w) });
    expect(big.k).toBe(3);
    expect(warnings[0].code).toBe('K_CLAMPED');
    expect(big.warnings).toHaveLength(1);
    // zero similarities never become edges
    expect(rowOf(big.adjacency, 3).has(1)).toBe(false);
  });
});

describe('mogonetGraph', () => {
  it('follows the global-threshold rule on cosine distances', () => {
    const { x } = gaussianClusters(7, 2, 10, 4);
    const g = mogonetGraph(x, { k: 3 });
    const n = x.rows;
    const d = distanceMatrix(x, { metric: 'cosine' });
    const sorted = Array.from(d.data).sort((a, b) => a - b);
    expect(g.threshold).toBe(sorted[3 * n]);
    const dense = csrToDense(g.adjacency);
    for (let i = 0; i < n; i++) {
      let rowSum = 0;
      const raw = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        const a = i !== j && d.data[i * n + j] <= g.threshold ? 1 - d.data[i * n + j] : 0;
        const b = i !== j && d.data[j * n + i] <= g.threshold ? 1 - d.data[j * n + i] : 0;
        raw[j] = i === j ? 1 : Math.max(a, b);
        rowSum += Math.abs(raw[j]);
      }
      for (let j = 0; j < n; j++) expect(dense[i * n + j]).toBeCloseTo(raw[j] / rowSum, 14);
    }
  });

  it('selects the k-th smallest value like a sort', () => {
    const values = Float64Array.from({ length: 1001 }, (_, i) => (Math.sin(i * 12.9898) * 43758.5453) % 1);
    const sorted = Array.from(values).sort((a, b) => a - b);
    for (const k of [0, 1, 500, 999, 1000]) expect(kthSmallest(values.slice(), k)).toBe(sorted[k]);
    expect(kthSmallest(Float64Array.from([3, 3, 3, 1, 1]), 2)).toBe(3);
  });
});

/** Dense form of a CSR matrix as nested arrays. */
function dense(a: CsrMatrix): number[][] {
  const out = Array.from({ length: a.rows }, () => new Array<number>(a.cols).fill(0));
  for (let i = 0; i < a.rows; i++) for (let p = a.rowPtr[i]; p < a.rowPtr[i + 1]; p++) out[i][a.colIdx[p]] = a.values[p];
  return out;
}

describe('knnGraph options', () => {
  // five points on a line: 0, 1, 3, 6, 10; distances |x_i - x_j|, largest 10
  const x = [0, 1, 3, 6, 10];
  const d = createMatrix(5, 5, Float64Array.from(x.flatMap((a) => x.map((b) => Math.abs(a - b)))));

  it('weights the k nearest by distance', () => {
    // nearest neighbours: 0->1 and 1->0 (1 apart: weight 1 - 1/10 = 0.9),
    // 2->1 (2 apart: 0.8), 3->2 (3 apart: 0.7), 4->3 (4 apart: 0.6)
    const g = knnGraph(d, { input: 'distance', k: 1, selfLoops: false, normalization: 'none', symmetrize: 'none' });
    expect(g.scale).toBe(10);
    expect(dense(g.adjacency)).toEqual([
      [0, 0.9, 0, 0, 0],
      [0.9, 0, 0, 0, 0],
      [0, 0.8, 0, 0, 0],
      [0, 0, 0.7, 0, 0],
      [0, 0, 0, 0.6, 0],
    ]);
  });

  it('symmetrises by max or by mean', () => {
    const byMax = dense(knnGraph(d, { input: 'distance', k: 1, selfLoops: false, normalization: 'none' }).adjacency);
    expect(byMax[1][2]).toBe(0.8);
    expect(byMax[2][1]).toBe(0.8);
    expect(byMax[3][4]).toBe(0.6);
    const byMean = dense(
      knnGraph(d, { input: 'distance', k: 1, selfLoops: false, normalization: 'none', symmetrize: 'mean' }).adjacency,
    );
    // 0-1 is chosen both ways (0.9 + 0.9) / 2; 1-2 one way only: 0.8 / 2
    expect(byMean[0][1]).toBe(0.9);
    expect(byMean[1][2]).toBe(0.4);
    expect(byMean[2][1]).toBe(0.4);
  });

  it('gives binary weights, self loops and row normalisation', () => {
    // k = 1, binary, max-symmetrised: edges 0-1, 1-2, 2-3, 3-4 (a path); with
    // self loops the degrees are 2, 3, 3, 3, 2
    const g = knnGraph(d, { input: 'distance', k: 1, weights: 'binary', normalization: 'row' });
    expect(Array.from(g.degrees)).toEqual([2, 3, 3, 3, 2]);
    const a = dense(g.adjacency);
    expect(a[0]).toEqual([1 / 2, 1 / 2, 0, 0, 0]);
    expect(a[1]).toEqual([1 / 3, 1 / 3, 1 / 3, 0, 0]);
  });

  it('normalises symmetrically as D^-1/2 (A + I) D^-1/2', () => {
    const g = knnGraph(d, { input: 'distance', k: 1, weights: 'binary' });
    const a = dense(g.adjacency);
    expect(a[0][0]).toBeCloseTo(1 / 2, 15);
    expect(a[0][1]).toBeCloseTo(1 / Math.sqrt(2 * 3), 15);
    expect(a[1][2]).toBeCloseTo(1 / 3, 15);
    expect(a[2][1]).toBeCloseTo(1 / 3, 15);
  });

  it('breaks tied distances by lower index', () => {
    // node 2 (x = 3) is 1 away from nodes 1 and 3 of a line 0, 2, 3, 4
    const line = [0, 2, 3, 4];
    const tied = createMatrix(4, 4, Float64Array.from(line.flatMap((a) => line.map((b) => Math.abs(a - b)))));
    const g = knnGraph(tied, { input: 'distance', k: 1, symmetrize: 'none', selfLoops: false, normalization: 'none' });
    expect(rowOf(g.adjacency, 2).has(1)).toBe(true);
    expect(rowOf(g.adjacency, 2).has(3)).toBe(false);
  });

  it('attaches new nodes by distance, one way, with the graph rule', () => {
    const g = knnGraph(d, { input: 'distance', k: 1, weights: 'scaled', normalization: 'row' });
    // a new point at x = 2.5 is 0.5 from node 2 (weight 1 - 0.5/10 = 0.95), 1.5 from node 1
    const fresh = createMatrix(1, 5, Float64Array.from(x.map((v) => Math.abs(v - 2.5))));
    const ext = attachToGraph(g, fresh, { k: 2 });
    expect(Array.from(ext.neighbors[0])).toEqual([1, 2]);
    expect(ext.weights[0][0]).toBeCloseTo(0.85, 15);
    expect(ext.weights[0][1]).toBeCloseTo(0.95, 15);
    const a = dense(ext.adjacency);
    const degree = 1 + 0.85 + 0.95;
    expect(a[5][1]).toBeCloseTo(0.85 / degree, 15);
    expect(a[5][2]).toBeCloseTo(0.95 / degree, 15);
    expect(a[5][5]).toBeCloseTo(1 / degree, 15);
    for (let i = 0; i < 5; i++) expect(a[i][5]).toBe(0);
    expect(dense(g.adjacency)[2]).toEqual(a[2].slice(0, 5));
  });

  it('rejects a negative or non-finite entry', () => {
    const bad = createMatrix(2, 2, Float64Array.from([0, -1, -1, 0]));
    expect(() => knnGraph(bad, { input: 'distance', k: 1 })).toThrow(/distance entry \(0, 1\) is -1/);
  });
});
