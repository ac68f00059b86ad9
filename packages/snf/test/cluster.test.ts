import { describe, expect, it } from 'vitest';
import { createMatrix, Rng, selectRows, type Matrix } from '@bml/core';
import {
  discretize,
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
import { smallSvd } from '../src/cluster.js';
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

/** Builds a block-diagonal similarity matrix: `blocks[b]` gives block b's size and its entry between nodes i < j of the block. */
function blockDiagonal(blocks: { size: number; weight: (i: number, j: number) => number }[]): Matrix {
  const n = blocks.reduce((sum, b) => sum + b.size, 0);
  const w = new Float64Array(n * n);
  let offset = 0;
  for (const block of blocks) {
    for (let i = 0; i < block.size; i++) {
      for (let j = i + 1; j < block.size; j++) {
        const v = block.weight(i, j);
        w[(offset + i) * n + offset + j] = v;
        w[(offset + j) * n + offset + i] = v;
      }
    }
    offset += block.size;
  }
  return createMatrix(n, n, w);
}

describe('clustering a block-diagonal network with known clusters', () => {
  // paths of 5, 4 and 3 nodes (edges of weight 1 between neighbours). The
  // normalised Laplacian of a path of s nodes has eigenvalues
  // 1 - cos(pi k / (s - 1)), k = 0..s-1 (Chung, Spectral Graph Theory,
  // example 1.4), so the network has:
  //   lambda_1 = lambda_2 = lambda_3 = 0 (one per block),
  //   lambda_4 = 1 - cos(pi / 4) = 1 - sqrt(2)/2 (the 5-node path),
  //   lambda_5 = 1 - cos(pi / 3) = 1/2 (the 4-node path).
  const path = (i: number, j: number): number => (j === i + 1 ? 1 : 0);
  const w = blockDiagonal([
    { size: 5, weight: path },
    { size: 4, weight: path },
    { size: 3, weight: path },
  ]);
  const truth = [0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2];
  const lambda4 = 1 - Math.SQRT2 / 2;
  const lambda5 = 0.5;

  it('has the eigenvalues of its three paths', () => {
    const { eigenvalues } = estimateNumberOfClusters(w, { candidates: [2, 3, 4] });
    expect(eigenvalues[0]).toBeCloseTo(0, 13);
    expect(eigenvalues[1]).toBeCloseTo(0, 13);
    expect(eigenvalues[2]).toBeCloseTo(0, 13);
    expect(eigenvalues[3]).toBeCloseTo(lambda4, 13);
    expect(eigenvalues[4]).toBeCloseTo(lambda5, 13);
  });

  it('scores the eigengap of each candidate by hand', () => {
    // score(c) = |lambda_{c+1} - lambda_c| (1 - lambda_c) / (1 - lambda_{c+1})
    //   c = 2: |0 - 0| = 0
    //   c = 3: lambda4 * 1 / (sqrt(2)/2) = sqrt(2) - 1
    //   c = 4: (1/2 - lambda4) * (sqrt(2)/2) / (1/2) = 1 - sqrt(2)/2
    const estimate = estimateNumberOfClusters(w, { candidates: [2, 3, 4] });
    expect(estimate.gaps[2]).toBeCloseTo(0, 13);
    expect(estimate.gaps[3]).toBeCloseTo(Math.SQRT2 - 1, 13);
    expect(estimate.gaps[4]).toBeCloseTo(1 - Math.SQRT2 / 2, 13);
    expect(estimate.eigengap).toEqual([3, 4]);
  });

  it('gives the known rotation cost of the true number of clusters', () => {
    // With c = 3 the rotated eigenvectors are the block indicators, so each
    // row contributes 1 (its largest square over itself) plus 0: the sum is
    // N = 12 and the cost is 12 (1 - lambda4) / (1 - lambda3) = 12 sqrt(2)/2.
    const estimate = estimateNumberOfClusters(w, { candidates: [2, 3, 4] });
    expect(estimate.costs[3]).toBeCloseTo(6 * Math.SQRT2, 12);
    // c = 2 spans two thirds of a null space: factor 1, and every row adds at least 1
    expect(estimate.costs[2]).toBeGreaterThanOrEqual(12 - 1e-9);
    expect(estimate.rotationCost[0]).toBe(3);
  });

  it("gives SNFtool's cost N (1 - lambda_{c+1}) / (1 - lambda_c) from the discrete eigenvectors", () => {
    // c = 2: 12 * 1 / 1 = 12; c = 3: 12 sqrt(2)/2; c = 4: 12 (1/2) / (sqrt(2)/2) = 6 sqrt(2)
    const estimate = estimateNumberOfClusters(w, { candidates: [2, 3, 4], costEigenvectors: 'discrete' });
    expect(estimate.costs[2]).toBeCloseTo(12, 12);
    expect(estimate.costs[3]).toBeCloseTo(6 * Math.SQRT2, 12);
    expect(estimate.costs[4]).toBeCloseTo(6 * Math.SQRT2, 12);
  });

  it.each(['kmeans', 'discretisation'] as const)('recovers the blocks by spectral clustering (%s)', (assign) => {
    const labels = spectralClustering(w, 3, { assign });
    expect(Array.from(labels)).toEqual(truth);
    expect(nmi(labels, truth)).toBe(1);
  });

  it('finds the number of noisy dense blocks', () => {
    // blocks of 10, 15 and 20 with weights in [0.5, 1) inside and 1e-3 between
    const rng = new Rng(5);
    const sizes = [10, 15, 20];
    const n = 45;
    const block = (i: number): number => {
      if (i < 10) return 0;
      if (i < 25) return 1;
      return 2;
    };
    const data = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        const v = block(i) === block(j) ? 0.5 + 0.5 * rng.uniform() : 1e-3;
        data[i * n + j] = v;
        data[j * n + i] = v;
      }
    }
    const noisy = createMatrix(n, n, data);
    const estimate = estimateNumberOfClusters(noisy);
    expect(estimate.eigengap[0]).toBe(sizes.length);
    expect(estimate.rotationCost[0]).toBe(sizes.length);
    const labels = spectralClustering(noisy, 3, { seed: 2 });
    expect(nmi(labels, Array.from({ length: n }, (_, i) => block(i)))).toBe(1);
  });
});

describe('discretize', () => {
  it('rotates indicator-like eigenvectors onto the axes', () => {
    // rows of two orthonormal directions rotated by 30 degrees: after the
    // discretisation each row has one entry of magnitude 1
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    const u = createMatrix(4, 2, Float64Array.from([c, s, c, s, -s, c, -s, c]));
    const result = discretize(u);
    expect(Array.from(result.labels)).toEqual([result.labels[0], result.labels[0], 1 - result.labels[0], 1 - result.labels[0]]);
    for (let i = 0; i < 4; i++) {
      const row = [result.rotated.data[2 * i], result.rotated.data[2 * i + 1]].map(Math.abs).sort();
      expect(row[0]).toBeCloseTo(0, 14);
      expect(row[1]).toBeCloseTo(1, 14);
    }
  });
  it('gives an orthogonal rotation once it has updated it', () => {
    const { x } = gaussianClusters(9, 3, 10, 3, 0.8);
    const { rotation, iterations } = discretize(x);
    expect(iterations).toBeGreaterThan(0);
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        let dot = 0;
        for (let i = 0; i < 3; i++) dot += rotation.data[i * 3 + a] * rotation.data[i * 3 + b];
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 12);
      }
    }
  });
});

describe('small SVD', () => {
  it('completes the basis for an empty cluster and reproduces M', () => {
    // M = X^T U with one cluster empty: its row of M is zero
    const M = Float64Array.from([3, 1, 0, 0, 0, 0, 1, 2, 2]);
    const { left, values, right } = smallSvd(M, 3);
    expect(values.filter((v) => v === 0)).toHaveLength(1);
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        let dotLeft = 0;
        let dotRight = 0;
        for (let i = 0; i < 3; i++) {
          dotLeft += left[i * 3 + a] * left[i * 3 + b];
          dotRight += right[i * 3 + a] * right[i * 3 + b];
        }
        expect(dotLeft).toBeCloseTo(a === b ? 1 : 0, 12);
        expect(dotRight).toBeCloseTo(a === b ? 1 : 0, 12);
      }
    }
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let sum = 0;
        for (let t = 0; t < 3; t++) sum += left[i * 3 + t] * values[t] * right[j * 3 + t];
        expect(sum).toBeCloseTo(M[i * 3 + j], 12);
      }
    }
  });
});

describe('nmi of hand-made labelings', () => {
  it('matches the entropies and mutual information worked by hand', () => {
    // a = 0 0 1 1 2 2 2 2, b = 0 0 0 0 1 1 1 1 (8 samples).
    // p(a) = 1/4, 1/4, 1/2 -> H(a) = 1/2 + 1/2 + 1/2 = 1.5 bits.
    // p(b) = 1/2, 1/2 -> H(b) = 1 bit.
    // joint: (0,0) 1/4, (1,0) 1/4, (2,1) 1/2, so
    // MI = 1/4 log2((1/4)/(1/8)) * 2 + 1/2 log2((1/2)/(1/4)) = 1/2 + 1/2 = 1 bit.
    const a = [0, 0, 1, 1, 2, 2, 2, 2];
    const b = [0, 0, 0, 0, 1, 1, 1, 1];
    expect(nmi(a, b)).toBeCloseTo(1 / Math.sqrt(1.5 * 1), 15);
    expect(nmi(a, b, { normalization: 'arithmetic' })).toBeCloseTo(1 / 1.25, 15);
    expect(nmi(a, b, { normalization: 'max' })).toBeCloseTo(1 / 1.5, 15);
    expect(nmi(a, b, { normalization: 'min' })).toBeCloseTo(1, 15);
  });

  it('is 0 for independent labelings and 1 for a relabelling', () => {
    // every (a, b) pair occurs once: p(a, b) = p(a) p(b), so MI = 0
    expect(nmi([0, 0, 1, 1], [0, 1, 0, 1])).toBe(0);
    expect(nmi(['x', 'y', 'y', 'z'], [2, 0, 0, 1])).toBeCloseTo(1, 15);
  });
});
