import { csrToDense, Rng, type CsrMatrix } from '@bml/core';
import { initBackend, tf } from '@bml/core/tensor';
import { maxAbsDiff } from '@bml/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareGraph, propagate, sliceGraph, transposeCsr } from '../src/index.js';

beforeAll(async () => {
  await initBackend();
});

/** Builds a random non-symmetric CSR matrix whose row 2 and last row are empty. */
function randomCsr(n: number, seed: number): CsrMatrix {
  const rng = new Rng(seed);
  const rowPtr = [0];
  const colIdx: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i !== 2 && i !== n - 1) {
      for (let j = 0; j < n; j++) {
        if (rng.uniform() < 0.4) {
          colIdx.push(j);
          values.push(rng.normal());
        }
      }
    }
    rowPtr.push(colIdx.length);
  }
  return {
    rows: n,
    cols: n,
    rowPtr: Int32Array.from(rowPtr),
    colIdx: Int32Array.from(colIdx),
    values: Float64Array.from(values),
  };
}

function denseProduct(a: Float64Array, n: number, h: Float32Array | Float64Array, f: number): Float64Array {
  const out = new Float64Array(n * f);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      if (aik === 0) continue;
      for (let j = 0; j < f; j++) out[i * f + j] += aik * h[k * f + j];
    }
  }
  return out;
}

function denseTranspose(a: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[j * n + i] = a[i * n + j];
  return out;
}

describe('propagate', () => {
  it('equals the dense product in value', () => {
    const n = 9;
    const f = 5;
    const csr = randomCsr(n, 3);
    const graph = prepareGraph(csr);
    const h = tf.randomNormal([n, f], 0, 1, 'float32', 7) as tf.Tensor2D;
    const sparse = propagate(graph, h).dataSync();
    const dense = denseProduct(csrToDense(csr), n, h.dataSync() as Float32Array, f);
    expect(maxAbsDiff(sparse, dense)).toBeLessThan(1e-5);
    graph.dispose();
    h.dispose();
  });

  it('equals the dense product in gradient', () => {
    const n = 9;
    const f = 4;
    const csr = randomCsr(n, 11);
    const graph = prepareGraph(csr);
    const h = tf.randomNormal([n, f], 0, 1, 'float32', 1) as tf.Tensor2D;
    const r = tf.randomNormal([n, f], 0, 1, 'float32', 2) as tf.Tensor2D;
    // d/dH sum(R ⊙ ÂH) = Âᵀ R.
    const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(r, propagate(graph, x as tf.Tensor2D))))(h);
    const expected = denseProduct(denseTranspose(csrToDense(csr), n), n, r.dataSync() as Float32Array, f);
    expect(maxAbsDiff(grad.dataSync(), expected)).toBeLessThan(1e-5);
    tf.dispose([grad, h, r]);
    graph.dispose();
  });

  it('matches a hand-computed GCN propagation', () => {
    // Path graph 0 - 1 - 2 with self loops: degrees 2, 3, 2, so
    // Â = D^-1/2 (A + I) D^-1/2 has 1/2, 1/3, 1/2 on the diagonal and 1/√6 off it.
    const s = 1 / Math.sqrt(6);
    const csr: CsrMatrix = {
      rows: 3,
      cols: 3,
      rowPtr: Int32Array.from([0, 2, 5, 7]),
      colIdx: Int32Array.from([0, 1, 0, 1, 2, 1, 2]),
      values: Float64Array.from([0.5, s, s, 1 / 3, s, s, 0.5]),
    };
    const graph = prepareGraph(csr);
    const h = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const out = propagate(graph, h).dataSync();
    const expected = [0.5 + 3 * s, 1 + 4 * s, s + 1 + 5 * s, 2 * s + 4 / 3 + 6 * s, 3 * s + 2.5, 4 * s + 3];
    expect(maxAbsDiff(out, expected)).toBeLessThan(1e-6);
    graph.dispose();
    h.dispose();
  });

  it('returns zeros for a graph without entries', () => {
    const csr: CsrMatrix = {
      rows: 3,
      cols: 3,
      rowPtr: new Int32Array(4),
      colIdx: new Int32Array(0),
      values: new Float64Array(0),
    };
    const graph = prepareGraph(csr);
    const h = tf.ones([3, 2]) as tf.Tensor2D;
    expect(Array.from(propagate(graph, h).dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    graph.dispose();
    h.dispose();
  });

  it('rejects features with the wrong number of rows', () => {
    const graph = prepareGraph(randomCsr(5, 1));
    const h = tf.ones([4, 2]) as tf.Tensor2D;
    expect(() => propagate(graph, h)).toThrow(/5 x F tensor/);
    graph.dispose();
    h.dispose();
  });
});

describe('transposeCsr', () => {
  it('equals the dense transpose', () => {
    const csr = randomCsr(7, 5);
    const t = transposeCsr(csr);
    expect(Array.from(csrToDense(t))).toEqual(Array.from(denseTranspose(csrToDense(csr), 7)));
    for (let i = 0; i < t.rows; i++) {
      for (let p = t.rowPtr[i] + 1; p < t.rowPtr[i + 1]; p++) expect(t.colIdx[p]).toBeGreaterThan(t.colIdx[p - 1]);
    }
  });
});

describe('sliceGraph', () => {
  const attached: CsrMatrix = {
    rows: 3,
    cols: 3,
    rowPtr: Int32Array.from([0, 2, 4, 6]),
    colIdx: Int32Array.from([0, 1, 0, 1, 0, 2]),
    values: Float64Array.from([0.5, 0.5, 0.5, 0.5, 0.4, 0.6]),
  };

  it('keeps the block among training nodes', () => {
    const block = sliceGraph(attached, 2);
    expect(block.rows).toBe(2);
    expect(Array.from(csrToDense(block))).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it('rejects a training row that references a test node', () => {
    const leaking: CsrMatrix = { ...attached, colIdx: Int32Array.from([0, 2, 0, 1, 0, 2]) };
    expect(() => sliceGraph(leaking, 2)).toThrow(/references node 2/);
  });
});

describe('the propagate kernel', () => {
  it('gives the bits of the tensor ops in value and gradient', () => {
    const csr = randomCsr(23, 5);
    const kernel = prepareGraph(csr);
    const tensor = prepareGraph(csr, { engine: 'tensor' });
    for (const width of [8, 12, 6]) {
      const h = tf.randomNormal([23, width], 0, 1, 'float32', width) as tf.Tensor2D;
      const weights = tf.randomNormal([23, width], 0, 1, 'float32', width + 1);
      const run = (graph: typeof kernel) => {
        const value = tf.tidy(() => Array.from(propagate(graph, h).dataSync()));
        const grad = tf.tidy(() => Array.from(tf.grad((x: tf.Tensor) => tf.sum(tf.mul(propagate(graph, x as tf.Tensor2D), weights)))(h).dataSync()));
        return { value, grad };
      };
      const a = run(kernel);
      const b = run(tensor);
      expect(a.value).toEqual(b.value);
      expect(a.grad).toEqual(b.grad);
      tf.dispose([h, weights]);
    }
    kernel.dispose();
    tensor.dispose();
  });

  it('frees its buffers with the graph', () => {
    const before = tf.memory().numTensors;
    prepareGraph(randomCsr(9, 1)).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('prepareGraph checks', () => {
  it('rejects a column index outside the graph before any kernel reads it', () => {
    const csr = randomCsr(5, 2);
    const bad = { ...csr, colIdx: Int32Array.from(csr.colIdx, (j, p) => (p === 1 ? 1_000_000 : j)) };
    expect(() => prepareGraph(bad)).toThrow(/graph column index 1000000 at entry 1 is outside 0\.\.4/);
    expect(() => prepareGraph(bad, { engine: 'tensor' })).toThrow(/outside 0\.\.4/);
  });
});
