/**
 * The product kernel on several threads over one shared WebAssembly memory.
 *
 * Each product is cut into ranges of rows of C, one per thread (the caller
 * included). Every entry of C is computed by the same kernel code, summing
 * over the depth in the same order, whichever thread computes it, so a
 * product gives the same bits on any number of threads (tested).
 *
 * Worker threads start with the team and sleep in `Atomics.wait` between
 * products. A product is a few numbers in a small shared control block. A
 * new sequence number wakes the workers, and a counter shows the caller when
 * all are done. Workers are unref'd, so they never keep the process alive.
 */
import { Worker } from 'node:worker_threads';
import { isSharedMemory, type WasmMemory } from './api.js';
import {
  driveProduct,
  gemmKernels,
  gemmModules,
  GEMM_DEPTH_BLOCK,
  GEMM_PANEL_BLOCK,
  relaxedSimdSupported,
  type GemmBuffers,
  type GemmKernels,
} from './gemm-kernel.js';

/** Control block layout: Int32 indices, then parameters as Float64 from index PARAMS. */
const SEQ = 0;
const DONE = 1;
const OP = 2;
const PARAMS = 2;
const PARAM_COUNT = 14;

const OP_MULTIPLY = 1;
const OP_STOP = 2;

/** Products with fewer multiply-adds run on the calling thread alone: waking the workers costs more. */
const MIN_SPLIT_WORK = 1 << 21;

/** Source of each worker: CommonJS, no imports but node:worker_threads. */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { control, memory, module, index } = workerData;
const ctrl = new Int32Array(control);
const params = new Float64Array(control);
const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
${driveProduct.toString()}
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, ${SEQ}, seen);
  seen = Atomics.load(ctrl, ${SEQ});
  if (ctrl[${OP}] === ${OP_STOP}) break;
  const p = (i) => params[${PARAMS} + i];
  const [transposed, a, b, c, lda, ldb, ldc, m, depth, n, add, depthBlock, panelBlock, chunk] =
    Array.from({ length: ${PARAM_COUNT} }, (_, i) => p(i));
  const start = index * chunk;
  const end = Math.min(m, start + chunk);
  if (start < end) {
    const buffers = { a: a + start * (transposed ? 4 : lda * 4), b, c: c + start * ldc * 4, lda, ldb, ldc };
    const rows4 = transposed ? k.rows4t : k.rows4;
    const rows1 = transposed ? k.rows1t : k.rows1;
    driveProduct(rows4, rows1, transposed === 1, buffers, end - start, depth, n, add === 1, depthBlock, panelBlock);
  }
  Atomics.add(ctrl, ${DONE}, 1);
  Atomics.notify(ctrl, ${DONE});
}
`;

/** The product kernels of {@link gemmKernels} on `threads` threads. */
export class GemmTeam implements GemmKernels {
  private readonly control = new SharedArrayBuffer(8 * (PARAMS + PARAM_COUNT));
  private readonly ctrl = new Int32Array(this.control);
  private readonly params = new Float64Array(this.control);
  private readonly workers: Worker[] = [];

  private constructor(
    private readonly single: GemmKernels,
    memory: WasmMemory,
    /** Threads, the caller included. */
    readonly threads: number,
  ) {
    const module = gemmModules.get(true);
    for (let index = 1; index < threads; index++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { control: this.control, memory, module, index } });
      worker.unref();
      this.workers.push(worker);
    }
  }

  /**
   * Returns a team of `threads` threads (the caller included) on the shared `memory`, or undefined
   * where the kernel does not run, the memory is not shared or `threads` is below 2.
   */
  static create(memory: WasmMemory, threads: number): GemmTeam | undefined {
    if (threads < 2 || !isSharedMemory(memory) || !relaxedSimdSupported()) return undefined;
    const single = gemmKernels(memory);
    return single ? new GemmTeam(single, memory, threads) : undefined;
  }

  multiply(buffers: GemmBuffers, m: number, k: number, n: number, add = false): void {
    this.run(false, buffers, m, k, n, add);
  }

  multiplyTransposedLeft(buffers: GemmBuffers, m: number, k: number, n: number, add = false): void {
    this.run(true, buffers, m, k, n, add);
  }

  private run(transposed: boolean, buffers: GemmBuffers, m: number, k: number, n: number, add: boolean): void {
    const own = transposed ? this.single.multiplyTransposedLeft : this.single.multiply;
    // Ranges of whole groups of 4 rows, so each thread runs the 4-row kernel on all but its last rows.
    const chunk = Math.ceil(m / this.threads / 4) * 4;
    if (m * k * n < MIN_SPLIT_WORK || chunk >= m) {
      own(buffers, m, k, n, add);
      return;
    }
    const { a, b, c, lda, ldb, ldc } = buffers;
    const values = [transposed ? 1 : 0, a, b, c, lda, ldb, ldc, m, k, n, add ? 1 : 0, GEMM_DEPTH_BLOCK, GEMM_PANEL_BLOCK, chunk];
    this.params.set(values, PARAMS);
    Atomics.store(this.ctrl, DONE, 0);
    Atomics.store(this.ctrl, OP, OP_MULTIPLY);
    Atomics.add(this.ctrl, SEQ, 1);
    Atomics.notify(this.ctrl, SEQ);
    own(buffers, chunk, k, n, add);
    for (;;) {
      const done = Atomics.load(this.ctrl, DONE);
      if (done >= this.workers.length) break;
      Atomics.wait(this.ctrl, DONE, done);
    }
  }

  /** Stops the workers. */
  dispose(): void {
    Atomics.store(this.ctrl, OP, OP_STOP);
    Atomics.add(this.ctrl, SEQ, 1);
    Atomics.notify(this.ctrl, SEQ);
    for (const worker of this.workers.splice(0)) void worker.terminate();
  }
}
