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
