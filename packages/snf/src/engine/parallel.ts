/**
 * Worker threads for the distances and the two diffusion passes. The arena
 * is a shared WebAssembly memory; each worker instantiates the kernel module
 * on it, and the threads (the caller included) take blocks of 8 rows one at
 * a time from a shared counter (pass 1: columns of T; pass 2 and distances:
 * rows of tiles, largest first), so a thread slowed by other work on the
 * machine takes fewer. Each block is computed by the same code whatever
 * thread computes it, so results do not depend on the thread count.
 *
 * Workers are started once per process and kept (unref'd, so they never
 * keep the process alive); they sleep in `Atomics.wait` between jobs. A job
 * is a few numbers in a small shared control block: a sequence number wakes
 * the workers, a counter tells the caller when all are done.
 */

import { availableParallelism } from 'node:os';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { Arena } from './arena.js';
import { kernelModule } from './kernels.js';

/** Control block layout (Int32 indices). */
const SEQ = 0;
const DONE = 1;
const OP = 2;
const THREADS = 3;
/** Next block to hand out: threads take blocks one by one, so a thread slowed by other work takes fewer. */
const NEXT = 4;
/** Parameters start here, as Float64 (index in Float64 units). */
const PARAMS = 4;
const PARAM_COUNT = 16;

const OP_BIND = 1;
const OP_PASS1 = 2;
const OP_PASS2 = 3;
const OP_RELEASE = 4;
const OP_DISTANCES = 5;
const OP_ROW_SUMS = 6;
const OP_SCALE = 7;

/** Source of each worker: CommonJS, no imports but node:worker_threads. */
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { control, port, index, module } = workerData;
const ctrl = new Int32Array(control);
const params = new Float64Array(control);
let k = null;
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, ${SEQ}, seen);
  seen = Atomics.load(ctrl, ${SEQ});
  const op = ctrl[${OP}];
  const threads = ctrl[${THREADS}];
  const p = (i) => params[${PARAMS} + i];
  if (op === ${OP_RELEASE}) {
    k = null;
  } else if (index >= threads) {
    // not part of this team
  } else if (op === ${OP_BIND}) {
    const message = receiveMessageOnPort(port);
    k = new WebAssembly.Instance(module, { env: { memory: message.message } }).exports;
  } else if (op === ${OP_PASS1}) {
    const [n, nb, sum, pv, rowPtr, col, val, T, blockBytes, inv, X] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 + index].map(p);
    for (let I = Atomics.add(ctrl, ${NEXT}, 1); I < nb; I = Atomics.add(ctrl, ${NEXT}, 1)) {
      k.tileLanes(I, nb, sum, pv, X, inv);
      k.spmmTiles(n, rowPtr, col, val, X, T + I * 512, blockBytes);
    }
  } else if (op === ${OP_DISTANCES}) {
    const [n, nb, lanes, rows, dim, dst, dot] = [0, 1, 2, 3, 4, 5, 6].map(p);
    for (let t = Atomics.add(ctrl, ${NEXT}, 1); t < nb; t = Atomics.add(ctrl, ${NEXT}, 1)) {
      const I = nb - 1 - t;
      const f = dot ? k.blockDotProducts : k.blockSquaredDistances;
      f(lanes + I * 64 * dim, rows, Math.min(8 * I + 8, n), dim, dst + 512 * ((I * (I + 1)) / 2));
    }
  } else if (op === ${OP_ROW_SUMS}) {
    const [nb, P, out] = [0, 1, 2].map(p);
    for (let I = Atomics.add(ctrl, ${NEXT}, 1); I < nb; I = Atomics.add(ctrl, ${NEXT}, 1)) k.tileRowSums(P, nb, I, I + 1, out);
  } else if (op === ${OP_SCALE}) {
    const [nb, P, inv] = [0, 1, 2].map(p);
    for (let t = Atomics.add(ctrl, ${NEXT}, 1); t < nb; t = Atomics.add(ctrl, ${NEXT}, 1)) k.tileScale(P, nb - 1 - t, nb - t, inv);
  } else if (op === ${OP_PASS2}) {
    const [n, nb, P, rowPtr, col, val, T, blockBytes, X] = [0, 1, 2, 3, 4, 5, 6, 7, 10 + index].map(p);
    for (let t = Atomics.add(ctrl, ${NEXT}, 1); t < nb; t = Atomics.add(ctrl, ${NEXT}, 1)) {
      const I = nb - 1 - t;
      k.warm(T + I * blockBytes, blockBytes, X);
      k.spmmLanes(0, Math.min(8 * I + 8, n), rowPtr, col, val, T + I * blockBytes, P + 512 * ((I * (I + 1)) / 2));
    }
  }
  Atomics.add(ctrl, ${DONE}, 1);
  Atomics.notify(ctrl, ${DONE});
}
`;

interface Pool {
  workers: Worker[];
  ports: MessagePort[];
  control: SharedArrayBuffer;
  ctrl: Int32Array;
  params: Float64Array;
}

let pool: Pool | null | undefined;

/** Threads worth using on this machine: the available cores, at most the caller plus the pool's largest size. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(MAX_WORKERS + 1, availableParallelism()));
}

/** Largest number of extra threads the pool can hold (control block size). */
const MAX_WORKERS = PARAM_COUNT - 11;

function ensurePool(workers: number): Pool | null {
  if (pool === null) return null;
  const module = kernelModule(true);
  if (module === null || typeof SharedArrayBuffer !== 'function') return (pool = null);
  if (pool === undefined) {
    const control = new SharedArrayBuffer(8 * (PARAMS + PARAM_COUNT));
    pool = { workers: [], ports: [], control, ctrl: new Int32Array(control), params: new Float64Array(control) };
  }
  while (pool.workers.length < Math.min(workers, MAX_WORKERS)) {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { control: pool.control, port: port2, index: pool.workers.length + 1, module },
      transferList: [port2],
    });
    worker.unref();
    port1.unref();
    pool.workers.push(worker);
    pool.ports.push(port1);
  }
  return pool;
}

/** A group of threads bound to one arena's shared memory. */
export class Team {
  private bound = false;

  private constructor(
    private readonly pool: Pool,
    /** Threads, the caller included. */
    readonly size: number,
    private readonly arena: Arena,
  ) {}

  /** A team of `threads` threads for `arena` (which must use shared memory), or null when threads are unavailable. */
  static create(arena: Arena, threads: number): Team | null {
    if (threads <= 1 || !arena.shared) return null;
    const p = ensurePool(threads - 1);
    if (p === null) return null;
    return new Team(p, Math.min(threads, p.workers.length + 1), arena);
  }

  /** Wakes every worker of the pool with a job; workers past the team size only report done. */
  private run(op: number, params: number[], size = this.size): void {
    const { ctrl } = this.pool;
    for (let i = 0; i < params.length; i++) this.pool.params[PARAMS + i] = params[i];
    ctrl[OP] = op;
    ctrl[THREADS] = size;
    Atomics.store(ctrl, NEXT, 0);
    Atomics.store(ctrl, DONE, 0);
    Atomics.add(ctrl, SEQ, 1);
    Atomics.notify(ctrl, SEQ);
  }

  /** The calling thread's part: blocks taken one at a time (the largest first when `reverse`, their cost growing with I). */
  private share(nb: number, own: (I: number) => void, reverse: boolean): void {
    const { ctrl } = this.pool;
    for (let t = Atomics.add(ctrl, NEXT, 1); t < nb; t = Atomics.add(ctrl, NEXT, 1)) own(reverse ? nb - 1 - t : t);
  }

  private wait(expected: number): void {
    const { ctrl } = this.pool;
    for (;;) {
      const done = Atomics.load(ctrl, DONE);
      if (done >= expected) return;
      Atomics.wait(ctrl, DONE, done);
    }
  }

  private bind(): void {
    if (this.bound) return;
    const helpers = this.size - 1;
    for (let w = 0; w < helpers; w++) this.pool.ports[w].postMessage(this.arena.memory);
    this.run(OP_BIND, []);
    this.wait(this.pool.workers.length);
    this.bound = true;
  }

  /** Lets the workers drop the arena, so its memory can be reclaimed. */
  release(): void {
    if (!this.bound) return;
    this.run(OP_RELEASE, [], this.pool.workers.length + 1);
    this.wait(this.pool.workers.length);
    this.bound = false;
  }

  /** Pass 1 of the diffusion over all column blocks; `X[t]` is thread t's lane buffer. */
  pass1(
    p: {
      n: number;
      nb: number;
      sum: number;
      pv: number;
      rowPtr: number;
      col: number;
      val: number;
      T: number;
      blockBytes: number;
      inv: number;
    },
    X: readonly number[],
    own: (I: number) => void,
  ): void {
    this.bind();
    this.run(OP_PASS1, [p.n, p.nb, p.sum, p.pv, p.rowPtr, p.col, p.val, p.T, p.blockBytes, p.inv, ...X]);
    this.share(p.nb, own, false);
    this.wait(this.pool.workers.length);
  }

  /** Block distances (or dot products) of features in lanes of 8, rows of tiles shared among the threads. */
  distances(
    p: { n: number; nb: number; lanes: number; rows: number; dim: number; dst: number; dot: boolean },
    own: (I: number) => void,
  ): void {
    this.bind();
    this.run(OP_DISTANCES, [p.n, p.nb, p.lanes, p.rows, p.dim, p.dst, p.dot ? 1 : 0]);
    this.share(p.nb, own, true);
    this.wait(this.pool.workers.length);
  }

  /** Row sums of a tiled matrix (see Kernels.tileRowSums), blocks of rows shared among the threads. */
  rowSums(nb: number, P: number, out: number, own: (I: number) => void): void {
    this.bind();
    this.run(OP_ROW_SUMS, [nb, P, out]);
    this.share(nb, own, false);
    this.wait(this.pool.workers.length);
  }

  /** Symmetric scaling of a tiled matrix (see Kernels.tileScale), rows of tiles shared among the threads. */
  scale(nb: number, P: number, inv: number, own: (I: number) => void): void {
    this.bind();
    this.run(OP_SCALE, [nb, P, inv]);
    this.share(nb, own, true);
    this.wait(this.pool.workers.length);
  }

  /** Pass 2 of the diffusion over all rows of tiles. */
  pass2(
    p: { n: number; nb: number; P: number; rowPtr: number; col: number; val: number; T: number; blockBytes: number },
    X: readonly number[],
    own: (I: number) => void,
  ): void {
    this.bind();
    this.run(OP_PASS2, [p.n, p.nb, p.P, p.rowPtr, p.col, p.val, p.T, p.blockBytes, 0, 0, ...X]);
    this.share(p.nb, own, true);
    this.wait(this.pool.workers.length);
  }
}
