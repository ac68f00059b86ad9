import { describe, expect, it } from 'vitest';
import { createMatrix, csrToDense, type BmlWarning, type CsrMatrix } from '@bml/core';
import { distanceMatrix, fuseFeatures, mogonetGraph, similarityGraph } from '../src/index.js';
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
