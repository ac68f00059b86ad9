import { Rng } from '@bml/core';
import { wasmApi } from '@bml/core/wasm';
import { describe, expect, it } from 'vitest';
import { backwardPass, forwardPass, type StepShape } from '../src/fused-hidden.js';
import { hiddenKernels } from '../src/hidden-kernel.js';

/** Returns a bump allocator over a fresh WebAssembly memory, with float views of each buffer. */
function arena() {
  const memory = new wasmApi!.Memory({ initial: 64 });
  let next = 64;
  return {
    memory,
    float32(length: number): { address: number; view: Float32Array } {
      const address = next;
      next += Math.ceil((4 * length) / 8) * 8;
      return { address, view: new Float32Array(memory.buffer, address, length) };
    },
    float64(length: number): { address: number; view: Float64Array } {
      const address = next;
      next += 8 * length;
      return { address, view: new Float64Array(memory.buffer, address, length) };
    },
  };
}

interface Case {
  features: number;
  samples: number;
  stride: number;
  dropout: number;
}

function run(testCase: Case, seed: number) {
  const { features, samples, stride, dropout } = testCase;
  const rng = new Rng(seed);
  const shape: StepShape = { features, samples, stride, slope: 0.2, keep: dropout > 0 ? Math.fround(1 - dropout) : 0 };
  const size = features * stride;
  const fill = (view: Float32Array, scale: number) => view.forEach((_, i) => (view[i] = scale * rng.normal()));
  const a = arena();
  const x = a.float32(size);
  const gamma = a.float32(features);
  const beta = a.float32(features);
  const dy = a.float32(size);
  fill(x.view, 3);
  fill(gamma.view, 1);
  fill(beta.view, 0.5);
  fill(dy.view, 1);
  const draws = Float32Array.from({ length: size }, () => rng.uniform());
  // Each path gets its own copy of the mask (turned into multipliers in place) and its own outputs.
  const path = () => {
    const mask = dropout > 0 ? a.float32(size) : undefined;
    mask?.view.set(draws);
    return {
      mask,
      out: a.float32(size),
      mean: a.float64(features),
      variance: a.float64(features),
      dx: a.float32(size),
      dGamma: a.float32(features),
      dBeta: a.float32(features),
    };
  };
  const js = path();
  const wasm = path();
  forwardPass(shape, x.view, gamma.view, beta.view, js.mask?.view, js.out.view, js.mean.view, js.variance.view);
  backwardPass(shape, x.view, gamma.view, beta.view, js.mask?.view, dy.view, js.mean.view, js.variance.view, js.dx.view, js.dGamma.view, js.dBeta.view);
  const kernels = hiddenKernels(a.memory)!;
  const buffers = {
    x: x.address,
    gamma: gamma.address,
    beta: beta.address,
    mask: wasm.mask?.address ?? 0,
    mean: wasm.mean.address,
    variance: wasm.variance.address,
  };
  // Garbage in the padding columns must come out as zeros.
  wasm.out.view.fill(7);
  wasm.dx.view.fill(7);
  kernels.forward(shape, buffers, wasm.out.address);
  kernels.backward(shape, buffers, dy.address, wasm.dx.address, wasm.dGamma.address, wasm.dBeta.address);
  return { js, wasm };
}

describe('hiddenKernels', () => {
  const cases: Case[] = [
    { features: 7, samples: 64, stride: 64, dropout: 0.2 },
    { features: 5, samples: 13, stride: 16, dropout: 0.5 },
    { features: 3, samples: 2, stride: 8, dropout: 0 },
    { features: 11, samples: 37, stride: 40, dropout: 0 },
  ];

  it.each(cases)('matches the JavaScript passes bit for bit (%o)', (testCase) => {
    const { js, wasm } = run(testCase, testCase.features);
    for (const key of ['out', 'mean', 'variance', 'dx', 'dGamma', 'dBeta'] as const) {
      expect(Array.from(wasm[key].view), key).toEqual(Array.from(js[key].view));
    }
    if (testCase.dropout > 0) expect(Array.from(wasm.mask!.view)).toEqual(Array.from(js.mask!.view));
  });

  it('writes zeros into the padding columns', () => {
    const { wasm } = run({ features: 4, samples: 5, stride: 8, dropout: 0.2 }, 3);
    for (let f = 0; f < 4; f++) {
      expect(Array.from(wasm.out.view.subarray(f * 8 + 5, f * 8 + 8))).toEqual([0, 0, 0]);
      expect(Array.from(wasm.dx.view.subarray(f * 8 + 5, f * 8 + 8))).toEqual([0, 0, 0]);
    }
  });
});
