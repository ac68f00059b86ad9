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
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { InternalError, InvalidInputError } from '../errors.js';
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
/** Set by a worker whose start or product failed. Its message waits on its port. */
const FAILED = 3;
/** Workers that have started. */
const READY = 4;
const PARAMS = 3;
const PARAM_COUNT = 14;

/** The maximum number of threads of a team. */
export const MAX_GEMM_THREADS = 64;
/** How long the caller waits for the workers to start, or to finish one product, before it gives up. */
const WAIT_MS = 120_000;

const OP_MULTIPLY = 1;
const OP_STOP = 2;

/** Products with fewer multiply-adds run on the calling thread alone: waking the workers costs more. */
const MIN_SPLIT_WORK = 1 << 21;

/** Source of each worker: CommonJS, no imports but node:worker_threads. */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { control, memory, module, index, port } = workerData;
const ctrl = new Int32Array(control);
const params = new Float64Array(control);
const fail = (error) => {
  port.postMessage(String(error && error.message ? error.message : error));
  Atomics.store(ctrl, ${FAILED}, 1);
};
let k = null;
try {
  k = new WebAssembly.Instance(module, { env: { memory } }).exports;
} catch (error) {
  fail(error);
}
Atomics.add(ctrl, ${READY}, 1);
Atomics.notify(ctrl, ${READY});
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
  if (k !== null && start < end) {
    try {
      const buffers = { a: a + start * (transposed ? 4 : lda * 4), b, c: c + start * ldc * 4, lda, ldb, ldc };
      const rows4 = transposed ? k.rows4t : k.rows4;
      const rows1 = transposed ? k.rows1t : k.rows1;
      driveProduct(rows4, rows1, transposed === 1, buffers, end - start, depth, n, add === 1, depthBlock, panelBlock);
    } catch (error) {
      fail(error);
    }
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
  private readonly ports: MessagePort[] = [];
  private disposed = false;

  private constructor(
    private readonly single: GemmKernels,
    memory: WasmMemory,
    /** Threads, the caller included. */
    readonly threads: number,
  ) {
    const module = gemmModules.get(true);
    for (let index = 1; index < threads; index++) {
      const { port1, port2 } = new MessageChannel();
      const workerData = { control: this.control, memory, module, index, port: port2 };
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData, transferList: [port2] });
      worker.unref();
      port1.unref();
      this.workers.push(worker);
      this.ports.push(port1);
    }
    this.await(READY, 'start');
  }

  /**
   * Returns a team of `threads` threads (the caller included) on the shared `memory`, or undefined
   * where the kernel does not run, the memory is not shared or `threads` is 1.
   *
   * @throws InvalidInputError when `threads` is not a whole number from 1 to {@link MAX_GEMM_THREADS}.
   */
  static create(memory: WasmMemory, threads: number): GemmTeam | undefined {
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_GEMM_THREADS) {
      throw new InvalidInputError(
        `@bml/core: a product team needs a whole number of threads from 1 to ${MAX_GEMM_THREADS} ` +
          `(got ${typeof threads === 'string' ? JSON.stringify(threads) : String(threads)}); pass the number of cores to use`,
        'INVALID_OPTION',
        { option: 'threads', value: threads },
      );
    }
    if (threads < 2 || !isSharedMemory(memory) || !relaxedSimdSupported()) return undefined;
    const single = gemmKernels(memory);
    return single ? new GemmTeam(single, memory, threads) : undefined;
  }

  /**
   * Waits until the counter at `index` reaches the number of workers, then raises any failure a
   * worker reported. `step` names the awaited step in the error.
   */
  private await(index: number, step: string): void {
    const deadline = performance.now() + WAIT_MS;
    for (;;) {
      const count = Atomics.load(this.ctrl, index);
      if (count >= this.workers.length) break;
      const left = deadline - performance.now();
      if (left <= 0 || Atomics.wait(this.ctrl, index, count, left) === 'timed-out') {
        this.dispose();
        throw new InternalError(
          `@bml/core: a product thread timed out: it did not ${step} within ${WAIT_MS / 1000} s; the team was stopped`,
          'THREAD_TIMEOUT',
        );
      }
    }
    if (Atomics.load(this.ctrl, FAILED) === 0) return;
    const messages = this.ports.map((port) => receiveMessageOnPort(port)?.message).filter((m) => m !== undefined);
    this.dispose();
    throw new InternalError(`@bml/core: a product thread failed to ${step}: ${messages.join('; ')}`, 'THREAD_FAILED');
  }

  multiply(buffers: GemmBuffers, m: number, k: number, n: number, add = false): void {
    this.run(false, buffers, m, k, n, add);
  }

  multiplyTransposedLeft(buffers: GemmBuffers, m: number, k: number, n: number, add = false): void {
    this.run(true, buffers, m, k, n, add);
  }

  private run(transposed: boolean, buffers: GemmBuffers, m: number, k: number, n: number, add: boolean): void {
    if (this.disposed) throw new InternalError('@bml/core: this product team was disposed; create a new one', 'TEAM_DISPOSED');
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
    // The workers must finish before anything is raised, so that none writes into C afterwards.
    let failure: unknown;
    try {
      own(buffers, chunk, k, n, add);
    } catch (error) {
      failure = error;
    }
    this.await(DONE, 'finish a product');
    if (failure !== undefined) throw failure;
  }

  /** Stops the workers. A disposed team raises on its next product. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const port of this.ports.splice(0)) port.close();
    Atomics.store(this.ctrl, OP, OP_STOP);
    Atomics.add(this.ctrl, SEQ, 1);
    Atomics.notify(this.ctrl, SEQ);
    for (const worker of this.workers.splice(0)) void worker.terminate();
  }
}
