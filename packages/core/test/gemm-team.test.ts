import { describe, expect, it } from 'vitest';
import { Rng } from '../src/rng.js';
import { wasmApi } from '../src/wasm/api.js';
import { gemmKernels, relaxedSimdSupported } from '../src/wasm/gemm-kernel.js';
import { GemmTeam } from '../src/wasm/gemm-team.js';

/** Returns a shared memory and a bump allocator on it that can fill each new buffer with normal draws. */
function sharedMemory() {
  const memory = new wasmApi!.Memory({ initial: 256, maximum: 1024, shared: true });
  const rng = new Rng(3);
  let next = 64;
  const take = (floats: number, random: boolean) => {
    const address = next;
    next += Math.ceil((4 * floats) / 64) * 64;
    const view = new Float32Array(memory.buffer, address, floats);
    if (random) for (let i = 0; i < floats; i++) view[i] = rng.normal();
    return { address, view };
  };
  return { memory, take };
}

describe.skipIf(!relaxedSimdSupported())('GemmTeam', () => {
  it('is not created for one thread or a plain memory', () => {
    const { memory } = sharedMemory();
    expect(GemmTeam.create(memory, 1)).toBeUndefined();
    expect(GemmTeam.create(new wasmApi!.Memory({ initial: 1 }), 2)).toBeUndefined();
  });

  // 203 rows split into ranges of whole groups of 4 rows, with a remainder on the last thread.
  for (const transposed of [false, true]) {
    for (const add of [false, true]) {
      it(`gives the bits of one thread (transposed ${transposed}, add ${add})`, () => {
        const { memory, take } = sharedMemory();
        const [m, k, n] = [203, 300, 48];
        const a = take(m * k, true);
        const b = take(k * n, true);
        const start = take(m * n, true);
        const oneThread = take(m * n, false);
        const many = take(m * n, false);
        oneThread.view.set(start.view);
        many.view.set(start.view);
        const lda = transposed ? m : k;
        const buffers = (c: number) => ({ a: a.address, b: b.address, c, lda, ldb: n, ldc: n });
        const single = gemmKernels(memory)!;
        const team = GemmTeam.create(memory, 3)!;
        const run = (kernels: typeof single, c: number) =>
          transposed ? kernels.multiplyTransposedLeft(buffers(c), m, k, n, add) : kernels.multiply(buffers(c), m, k, n, add);
        run(single, oneThread.address);
        run(team, many.address);
        team.dispose();
        expect(Array.from(many.view)).toEqual(Array.from(oneThread.view));
        // The product is not trivial: it moved the values away from where they started.
        expect(Array.from(many.view)).not.toEqual(Array.from(start.view));
      });
    }
  }
});

describe.skipIf(!relaxedSimdSupported())('GemmTeam failures', () => {
  it('rejects a thread count that is no whole number from 1 to 64', () => {
    const { memory } = sharedMemory();
    for (const threads of [Number.NaN, 2.5, 0, -1, 65]) {
      expect(() => GemmTeam.create(memory, threads)).toThrow(/whole number of threads from 1 to 64/);
    }
  });

  it('raises when a worker reads past the memory, and stops its threads', () => {
    const { memory, take } = sharedMemory();
    const size = memory.buffer.byteLength;
    const [m, k, n] = [64, 4096, 16];
    // A starts so that the first half of its rows fits in the memory and the second half does not.
    const a = size - (m / 2) * k * 4 - 64;
    const b = take(k * n, true);
    const c = take(m * n, false);
    const team = GemmTeam.create(memory, 2)!;
    expect(() => team.multiply({ a, b: b.address, c: c.address, lda: k, ldb: n, ldc: n }, m, k, n)).toThrow(
      /a product thread failed to finish a product: .*out of bounds/,
    );
    expect(() => team.multiply({ a: b.address, b: b.address, c: c.address, lda: n, ldb: n, ldc: n }, 16, 16, 16)).toThrow(/disposed/);
  });

  it('raises after dispose instead of computing part of a product', () => {
    const { memory, take } = sharedMemory();
    const a = take(64 * 64, true);
    const c = take(64 * 64, false);
    const team = GemmTeam.create(memory, 2)!;
    team.dispose();
    expect(() => team.multiply({ a: a.address, b: a.address, c: c.address, lda: 64, ldb: 64, ldc: 64 }, 64, 64, 64)).toThrow(/disposed/);
  });
});
