import { describe, expect, it } from 'vitest';
import { createMatrix, Rng, selectRows, type Matrix } from '@bml/core';
import {
  estimateNumberOfClusters,
  fuseFeatures,
  groupPredict,
  kMeans,
  labelPropagation,
  nmi,
  spectralClustering,
  symmetricEigen,
  tridiagonalEigen,
} from '../src/index.js';
import { gaussianClusters } from './helpers.js';

function randomSymmetric(n: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.normal();
  return createMatrix(n, n, a);
}

describe('eigensolvers', () => {
  it('find the eigenvalues of the path Laplacian, 2 - 2 cos(k pi / (n + 1))', () => {
    const n = 12;
    const { values, vectors } = tridiagonalEigen(new Array(n).fill(2), new Array(n - 1).fill(-1));
    for (let k = 1; k <= n; k++) expect(values[k - 1]).toBeCloseTo(2 - 2 * Math.cos((k * Math.PI) / (n + 1)), 13);
    // columns are orthonormal
    let dot = 0;
    for (let r = 0; r < n; r++) dot += vectors[r * n] * vectors[r * n + 1];
    expect(Math.abs(dot)).toBeLessThan(1e-13);
  });

  it.each([['largest'], ['smallest']] as const)('return accurate %s eigenpairs of a symmetric matrix', (which) => {
    const a = randomSymmetric(40, 2);
    const all = symmetricEigen(a, { which });
    expect(all.values).toHaveLength(40);
    for (let t = 1; t < 40; t++) {
      if (which === 'largest') expect(all.values[t]).toBeLessThanOrEqual(all.values[t - 1]);
      else expect(all.values[t]).toBeGreaterThanOrEqual(all.values[t - 1]);
    }
    const top = symmetricEigen(a, { k: 3, which });
    for (let t = 0; t < 3; t++) {
      expect(top.values[t]).toBeCloseTo(all.values[t], 9);
      for (let i = 0; i < 40; i++) {
        let av = 0;
        for (let j = 0; j < 40; j++) av += a.data[i * 40 + j] * top.vectors.data[j * 3 + t];
        expect(av).toBeCloseTo(top.values[t] * top.vectors.data[i * 3 + t], 8);
      }
    }
  });

  it('finds every copy of a repeated eigenvalue', () => {
    // three identical disconnected blocks: each eigenvalue has multiplicity 3
    const block = [2, 1, 1, 2];
    const a = new Float64Array(36);
    for (let b = 0; b < 3; b++)
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) a[(2 * b + i) * 6 + 2 * b + j] = block[2 * i + j];
    const { values } = symmetricEigen(createMatrix(6, 6, a), { k: 4 });
    expect(Array.from(values).map((v) => Math.round(v * 1e9) / 1e9)).toEqual([3, 3, 3, 1]);
  });
});

describe('clustering', () => {
  const clusters = [0, 1, 2].map((v) => gaussianClusters(90 + v, 3, 25, 5, 1.2));
  const truth = clusters[0].labels;
  const fused = fuseFeatures(
    clusters.map((c) => c.x),
    { K: 10 },
  ).fused;

  it('k-means separates well-separated points and is reproducible with a seed', () => {
    const { x, labels } = gaussianClusters(4, 4, 20, 3, 0.2);
    const a = kMeans(x, 4, { seed: 7 });
    const b = kMeans(x, 4, { seed: 7 });
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(nmi(a.labels, labels)).toBeCloseTo(1, 12);
    expect(a.labels[0]).toBe(0);
  });

  it('recovers the clusters of a fused network by spectral clustering', () => {
    const labels = spectralClustering(fused, 3, { seed: 1 });
    expect(nmi(labels, truth)).toBeGreaterThan(0.95);
  });

  it('estimates three clusters by the eigengap and the rotation cost', () => {
    const estimate = estimateNumberOfClusters(fused, { candidates: [1, 2, 3, 4, 5] });
    expect(estimate.eigengap[0]).toBe(3);
    expect(estimate.rotationCost[0]).toBe(3);
    expect(estimate.warnings.map((w) => w.code)).toEqual(['ONE_CLUSTER_DROPPED']);
    expect(estimate.eigenvalues[0]).toBeCloseTo(0, 10);
  });

  it('computes NMI as MI / sqrt(H(a) H(b)) by default', () => {
    // MI = 2/3 bit, H(a) = 1, H(b) = log2 3
    const a = [0, 0, 0, 1, 1, 1];
    const b = ['x', 'x', 'y', 'y', 'z', 'z'];
    expect(nmi(a, b)).toBeCloseTo(2 / 3 / Math.sqrt(Math.log2(3)), 14);
    expect(nmi(a, b, { normalization: 'arithmetic' })).toBeCloseTo(2 / 3 / ((1 + Math.log2(3)) / 2), 14);
    expect(nmi([0, 0, 1, 1], [1, 1, 0, 0])).toBe(1);
    expect(nmi([0, 1, 0, 1], [0, 0, 1, 1])).toBe(0);
    expect(nmi([5, 5, 5], [1, 1, 1])).toBe(1);
  });

  it.each(['propagation', 'consistency'] as const)('propagates labels to unlabelled samples (%s)', (method) => {
    const known = Int32Array.from(truth, (y, i) => (i % 5 === 0 ? y : -1));
    const result = labelPropagation(fused, known, { method });
    let right = 0;
    for (let i = 0; i < truth.length; i++) if (result.labels[i] === truth[i]) right++;
    expect(right / truth.length).toBeGreaterThan(0.95);
    for (let i = 0; i < truth.length; i += 5) expect(result.labels[i]).toBe(truth[i]);
  });

  it('predicts the groups of test samples like SNFtool groupPredict', () => {
    const trainIdx = Array.from({ length: 60 }, (_, i) => i);
    const testIdx = Array.from({ length: 15 }, (_, i) => 60 + i);
    const train = clusters.map((c) => selectRows(c.x, trainIdx));
    const test = clusters.map((c) => selectRows(c.x, testIdx));
    const predicted = groupPredict(train, test, truth.subarray(0, 60), { K: 10 });
    let right = 0;
    for (let i = 0; i < 15; i++) if (predicted.labels[i] === truth[60 + i]) right++;
    expect(right).toBeGreaterThanOrEqual(14);
    expect(predicted.scores.rows).toBe(15);
  });
});
