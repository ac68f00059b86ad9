import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/rng.js';
import { initBackend, matMul, product, productTransposedLeft, tf, wasmHeap } from '../src/tensor.js';
import { GEMM_DEPTH_BLOCK, GEMM_PANEL_BLOCK, relaxedSimdSupported } from '../src/wasm/gemm-kernel.js';

beforeAll(async () => {
  await initBackend();
});

function randomMatrix(rng: Rng, rows: number, cols: number): Float32Array {
  return Float32Array.from({ length: rows * cols }, () => rng.normal());
}

/** Returns A B in float64, the independent reference. */
function reference(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let t = 0; t < k; t++) {
      const x = a[i * k + t];
      for (let j = 0; j < n; j++) out[i * n + j] += x * b[t * n + j];
    }
  }
  return out;
}

/**
 * Shapes that cover the kernel's edges: rows left over after blocks of 4,
 * columns padded to a multiple of 8, depths over one block, and column
 * counts over one block of panels.
 */
const SHAPES: [number, number, number][] = [
  [4, 8, 16],
  [7, 5, 17],
  [13, GEMM_DEPTH_BLOCK + 3, 24],
  [33, 2 * GEMM_DEPTH_BLOCK + 1, 8 * GEMM_PANEL_BLOCK + 40],
  [64, 515, 64],
  [1, 300, 19],
];

describe('product', () => {
  it('uses the kernel where relaxed SIMD compiles', () => {
    if (tf.getBackend() !== 'wasm') return;
    expect(wasmHeap()?.gemm !== undefined).toBe(relaxedSimdSupported());
  });

  for (const [m, k, n] of SHAPES) {
    it(`matches float64 at ${m} x ${k} x ${n}`, () => {
      const rng = new Rng(m * 1000 + k + n);
      const a = randomMatrix(rng, m, k);
      const b = randomMatrix(rng, k, n);
      const expected = reference(a, b, m, k, n);
      const got = tf.tidy(() => product(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])).dataSync());
      expect(got.length).toBe(m * n);
      // Each term rounds once (fused) or twice; sums of k terms of unit scale stay within k·2^-23 or so.
      const tolerance = 4e-7 * Math.sqrt(k) * 8;
      let worst = 0;
      for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(got[i] - expected[i]));
      expect(worst).toBeLessThan(tolerance);
    });
  }

  for (const [m, k, n] of SHAPES) {
    it(`matches float64 transposed at ${m} x ${k} x ${n}`, () => {
      const rng = new Rng(m * 1000 + k + n + 1);
      const a = randomMatrix(rng, m, k);
      const b = randomMatrix(rng, k, n);
      // The same product with A stored as its k x m transpose.
      const aT = new Float32Array(k * m);
      for (let i = 0; i < m; i++) for (let t = 0; t < k; t++) aT[t * m + i] = a[i * k + t];
      const expected = reference(a, b, m, k, n);
      const got = tf.tidy(() => productTransposedLeft(tf.tensor2d(aT, [k, m]), tf.tensor2d(b, [k, n])).dataSync());
      expect(got.length).toBe(m * n);
      let worst = 0;
      for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(got[i] - expected[i]));
      expect(worst).toBeLessThan(4e-7 * Math.sqrt(k) * 8);
    });
  }

  it('repeats its bits across calls', () => {
    const rng = new Rng(2);
    const a = tf.tensor2d(randomMatrix(rng, 21, 300), [21, 300]);
    const b = tf.tensor2d(randomMatrix(rng, 300, 40), [300, 40]);
    const first = product(a, b);
    const second = product(a, b);
    expect(Array.from(second.dataSync())).toEqual(Array.from(first.dataSync()));
    tf.dispose([a, b, first, second]);
  });

  it('frees its scratch tensors', () => {
    const a = tf.ones([9, 30]) as tf.Tensor2D;
    const b = tf.ones([30, 21]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const out = product(a, b);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(Array.from(out.dataSync()).every((value) => value === 30)).toBe(true);
    tf.dispose([a, b, out]);
  });

  it('rejects mismatched inner sizes', () => {
    const a = tf.ones([3, 4]) as tf.Tensor2D;
    const b = tf.ones([5, 16]) as tf.Tensor2D;
    expect(() => product(a, b)).toThrow(/inner sizes of a product differ/);
    expect(() => productTransposedLeft(a, b)).toThrow(/inner sizes of a transposed-left product differ/);
    tf.dispose([a, b]);
  });

  it('keeps matMul gradients near tf.matMul', () => {
    const rng = new Rng(9);
    const a = tf.tensor2d(randomMatrix(rng, 37, 70), [37, 70]);
    const b = tf.tensor2d(randomMatrix(rng, 70, 48), [70, 48]);
    const weights = tf.tensor2d(randomMatrix(rng, 37, 48), [37, 48]);
    const loss = (f: typeof tf.matMul) => (x: tf.Tensor, y: tf.Tensor) =>
      tf.sum(tf.mul(f(x as tf.Tensor2D, y as tf.Tensor2D), weights));
    const fast = tf.grads(loss(matMul as typeof tf.matMul))([a, b]);
    const plain = tf.grads(loss(tf.matMul))([a, b]);
    for (let g = 0; g < 2; g++) {
      const f = fast[g].dataSync();
      const p = plain[g].dataSync();
      let worst = 0;
      for (let i = 0; i < f.length; i++) worst = Math.max(worst, Math.abs(f[i] - p[i]));
      expect(worst).toBeLessThan(1e-4);
    }
    tf.dispose([a, b, weights, ...fast, ...plain]);
  });
});
