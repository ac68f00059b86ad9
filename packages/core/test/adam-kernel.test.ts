import { describe, expect, it } from 'vitest';
import { adamKernels, wasmApi } from '../src/wasm.js';

const f32 = Math.fround;

/** Lays out five float32 buffers of `n` entries in a fresh memory: out, gradient, theta, m, v. */
function setup(n: number, seed: number) {
  const memory = new wasmApi!.Memory({ initial: 1 });
  const heap = new Float32Array(memory.buffer);
  const buffers = { out: 0, gradient: 4 * n, theta: 8 * n, m: 12 * n, v: 16 * n };
  let x = seed;
  const next = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648 - 0.5;
  };
  for (let i = 0; i < n; i++) {
    heap[n + i] = next();
    heap[2 * n + i] = next();
    heap[3 * n + i] = next() / 10;
    heap[4 * n + i] = Math.abs(next()) / 100;
  }
  return { memory, heap, buffers };
}

describe('adamKernels', () => {
  const n = 8;

  it('follows the tfjs rule lane by lane in float32', () => {
    const { memory, heap, buffers } = setup(n, 1);
    const before = Float32Array.from(heap.subarray(0, 5 * n));
    const c = {
      beta1: f32(0.9),
      oneMinusBeta1: f32(0.1),
      beta2: f32(0.999),
      oneMinusBeta2: f32(0.001),
      oneMinusAccBeta1: f32(1 - 0.9 ** 3),
      oneMinusAccBeta2: f32(1 - 0.999 ** 3),
      epsilon: f32(1e-8),
      negativeLearningRate: f32(-1e-3),
      weightDecay: f32(0.05),
    };
    adamKernels(memory)!.tfjs(buffers, n, c, true);
    for (let i = 0; i < n; i++) {
      const [g0, theta, m0, v0] = [before[n + i], before[2 * n + i], before[3 * n + i], before[4 * n + i]];
      const g = f32(g0 + f32(theta * c.weightDecay));
      const m = f32(f32(m0 * c.beta1) + f32(g * c.oneMinusBeta1));
      const v = f32(f32(v0 * c.beta2) + f32(f32(g * g) * c.oneMinusBeta2));
      const ratio = f32(f32(m / c.oneMinusAccBeta1) / f32(f32(Math.sqrt(f32(v / c.oneMinusAccBeta2))) + c.epsilon));
      expect(heap[3 * n + i]).toBe(m);
      expect(heap[4 * n + i]).toBe(v);
      expect(heap[i]).toBe(f32(f32(ratio * c.negativeLearningRate) + theta));
    }
    // The weights themselves are left as they were; the new ones go to `out`.
    expect(heap.subarray(2 * n, 3 * n)).toEqual(before.subarray(2 * n, 3 * n));
  });

  it('follows the torch rule lane by lane in float32', () => {
    const { memory, heap, buffers } = setup(n, 2);
    const before = Float32Array.from(heap.subarray(0, 5 * n));
    const c = {
      beta1: f32(0.9),
      oneMinusBeta1: f32(0.1),
      beta2: f32(0.999),
      oneMinusBeta2: f32(0.001),
      sqrtBias2: f32(Math.sqrt(1 - 0.999 ** 2)),
      epsilon: f32(1e-8),
      stepSize: f32(f32(1e-3) / f32(1 - 0.9 ** 2)),
      weightDecay: f32(0),
      unused: 0,
    };
    adamKernels(memory)!.torch(buffers, n, c, false);
    for (let i = 0; i < n; i++) {
      const [g, theta, m0, v0] = [before[n + i], before[2 * n + i], before[3 * n + i], before[4 * n + i]];
      const m = f32(f32(m0 * c.beta1) + f32(g * c.oneMinusBeta1));
      const v = f32(f32(v0 * c.beta2) + f32(f32(g * g) * c.oneMinusBeta2));
      const denominator = f32(f32(f32(Math.sqrt(v)) / c.sqrtBias2) + c.epsilon);
      expect(heap[3 * n + i]).toBe(m);
      expect(heap[4 * n + i]).toBe(v);
      expect(heap[i]).toBe(f32(theta - f32(f32(m / denominator) * c.stepSize)));
    }
  });
});
