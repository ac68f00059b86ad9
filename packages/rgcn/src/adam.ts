/**
 * Adam (Kingma & Ba, 2015) with weight decay added to the gradient, the
 * semantics of PyTorch's `torch.optim.Adam(weight_decay=...)` (L2
 * regularisation, not AdamW's decoupled decay):
 *
 *   g ← g + wd·θ;  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
 *   θ ← θ − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
 *
 * Written out rather than using `tf.train.adam`, which has no weight decay,
 * places ε differently and takes one learning rate for all variables.
 */
import { InvalidInputError } from '@bml/core';
import { tf, wasmHeap, type WasmHeap } from '@bml/core/tensor';
import type { TorchAdamConstants } from '@bml/core/wasm';

/** Variables that share a learning rate and weight decay. */
export interface ParamGroup {
  /** Trainable variables of the group. */
  variables: tf.Variable[];
  /** Step size. */
  learningRate: number;
  /** L2 coefficient added to the gradient, wd·θ. Default 0. */
  weightDecay?: number;
}

/** Constants of {@link Adam}. */
export interface AdamOptions {
  /** Decay of the first-moment average. Default 0.9. */
  beta1?: number;
  /** Decay of the second-moment average. Default 0.999. */
  beta2?: number;
  /** Added to the denominator. Default 1e-8. */
  epsilon?: number;
  /**
   * `auto` runs the update on the wasm backend's memory where it can, `tensor` always as tensor
   * ops; both give the same weights. Default `auto`.
   */
  engine?: 'auto' | 'tensor';
}

/**
 * Adam with per-group learning rates and L2 weight decay. The moment
 * estimates of all variables live in two flat vectors, so one step is a
 * fixed number of tensor ops plus one extraction and one assignment per
 * variable. On the wasm backend the per-op overhead, not the arithmetic,
 * dominates small models. Holds tensors until {@link Adam.dispose}.
 */
export class Adam {
  /** Every variable this optimiser updates, in group order. */
  readonly variables: tf.Variable[] = [];
  private readonly sizes: number[] = [];
  private readonly groupLearningRates: number[] = [];
  private readonly m: tf.Variable;
  private readonly v: tf.Variable;
  /** Per-entry learning rate, or one number when all groups share it. */
  private readonly learningRate: number | tf.Tensor1D;
  /** Per-entry weight decay, or one number when all groups share it. */
  private readonly weightDecay: number | tf.Tensor1D;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  /**
   * Per variable, the flat positions of its entries and 0..size-1, for
   * extracting its update with `sparseSegmentSum`; `null` off the wasm
   * backend, where `tf.split` is used.
   */
  private readonly pieces: [tf.Tensor1D, tf.Tensor1D][] | null;
  /**
   * The wasm backend's memory, where each variable's update is one SIMD pass (the `torch` rule of
   * `@bml/core/wasm`) with the float32 arithmetic of the tensor ops in {@link Adam.step}, so the
   * weights are bit-identical (tested). Undefined on other backends.
   */
  private readonly heap: WasmHeap | undefined;
  private readonly groupOf: { learningRate: number; weightDecay: number }[] = [];
  private steps = 0;

  constructor(groups: ParamGroup[], options: AdamOptions = {}) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    const lrPerVariable: number[] = [];
    const wdPerVariable: number[] = [];
    for (const group of groups) {
      const weightDecay = group.weightDecay ?? 0;
      if (!(group.learningRate > 0 && Number.isFinite(group.learningRate))) {
        throw new InvalidInputError(`@bml/rgcn: the learning rate must be a positive number, got ${group.learningRate}`);
      }
      if (!(weightDecay >= 0 && Number.isFinite(weightDecay))) {
        throw new InvalidInputError(`@bml/rgcn: the weight decay must be a finite number >= 0, got ${weightDecay}`);
      }
      this.groupLearningRates.push(group.learningRate);
      for (const variable of group.variables) {
        this.groupOf.push({ learningRate: group.learningRate, weightDecay });
        this.variables.push(variable);
        this.sizes.push(variable.size);
        lrPerVariable.push(group.learningRate);
        wdPerVariable.push(weightDecay);
      }
    }
    const total = this.sizes.reduce((a, b) => a + b, 0);
    this.m = zeroState(total);
    this.v = zeroState(total);
    this.learningRate = this.perEntry(lrPerVariable);
    this.weightDecay = this.perEntry(wdPerVariable);
    // The wasm backend's slice (and so split) copies its whole input out of the heap for
    // every piece; sparseSegmentSum reads only the piece (measured 17 ms against 4 ms for 26
    // pieces of 354k entries).
    this.heap = options.engine === 'tensor' ? undefined : wasmHeap();
    this.pieces = !this.heap && tf.getBackend() === 'wasm' ? this.pieceIndices() : null;
  }

  private pieceIndices(): [tf.Tensor1D, tf.Tensor1D][] {
    let offset = 0;
    return this.sizes.map((size) => {
      const positions = new Int32Array(size);
      const segments = new Int32Array(size);
      for (let i = 0; i < size; i++) {
        positions[i] = offset + i;
        segments[i] = i;
      }
      offset += size;
      return [tf.tensor1d(positions, 'int32'), tf.tensor1d(segments, 'int32')];
    });
  }

  private perEntry(perVariable: number[]): number | tf.Tensor1D {
    if (perVariable.every((x) => x === perVariable[0])) return perVariable[0] ?? 0;
    const out = new Float32Array(this.sizes.reduce((a, b) => a + b, 0));
    let offset = 0;
    perVariable.forEach((x, i) => {
      out.fill(x, offset, offset + this.sizes[i]);
      offset += this.sizes[i];
    });
    return tf.tensor1d(out);
  }

  /** The update's engine: `heap` (one SIMD pass per variable on the wasm backend) or `tensor` (tensor ops). */
  get engine(): 'heap' | 'tensor' {
    return this.heap ? 'heap' : 'tensor';
  }

  /** Number of steps taken. */
  get iterations(): number {
    return this.steps;
  }

  /** The learning rate of each group, for messages. */
  get learningRates(): number[] {
    return [...this.groupLearningRates];
  }

  /**
   * Takes one step. `grads` maps variable names to gradients, as returned
   * by `tf.variableGrads`. A variable without a gradient is treated as
   * having a zero gradient, so its weight decay still applies (PyTorch
   * would skip it).
   */
  step(grads: tf.NamedTensorMap): void {
    if (this.variables.length === 0) return;
    this.steps++;
    const t = this.steps;
    const bias1 = 1 - this.beta1 ** t;
    const sqrtBias2 = Math.sqrt(1 - this.beta2 ** t);
    if (this.heap) {
      this.heapStep(this.heap, grads, bias1, sqrtBias2);
      return;
    }
    tf.tidy(() => {
      const flat = (x: tf.Tensor) => tf.reshape(x, [-1]);
      let g = tf.concat(this.variables.map((v) => (grads[v.name] ? flat(grads[v.name]) : tf.zeros([v.size]))));
      if (typeof this.weightDecay !== 'number' || this.weightDecay > 0) {
        const theta = tf.concat(this.variables.map(flat));
        g = tf.add(g, tf.mul(theta, this.weightDecay));
      }
      const m = tf.add(tf.mul(this.m, this.beta1), tf.mul(g, 1 - this.beta1));
      const v = tf.add(tf.mul(this.v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
      this.m.assign(m);
      this.v.assign(v);
      const denom = tf.add(tf.div(tf.sqrt(v), sqrtBias2), this.epsilon);
      const update = tf.mul(tf.div(m, denom), tf.div(this.learningRate, bias1));
      const column = tf.reshape(update, [-1, 1]);
      const parts = this.pieces
        ? this.pieces.map(([positions, segments]) => tf.sparse.sparseSegmentSum(column, positions, segments))
        : tf.split(update, this.sizes);
      this.variables.forEach((variable, i) => {
        variable.assign(tf.sub(variable, tf.reshape(parts[i], variable.shape)));
      });
    });
  }

  /**
   * Takes one step on the wasm backend's memory. The moments are updated in place, and each
   * variable gets a new buffer, because a variable's buffer may be shared with a saved checkpoint.
   */
  private heapStep(heap: WasmHeap, grads: tf.NamedTensorMap, bias1: number, sqrtBias2: number): void {
    const f32 = Math.fround;
    const decay = typeof this.weightDecay !== 'number' || this.weightDecay > 0;
    const [mBase, vBase] = [heap.address(this.m), heap.address(this.v)];
    let offset = 0;
    tf.tidy(() => {
      this.variables.forEach((variable, i) => {
        const size = variable.size;
        const gradient = grads[variable.name] ?? tf.zeros(variable.shape);
        const group = this.groupOf[i];
        // As tf.div(lr, bias1) computes it: both rounded to float32, then divided in float32.
        const constants: TorchAdamConstants = {
          beta1: f32(this.beta1),
          oneMinusBeta1: f32(1 - this.beta1),
          beta2: f32(this.beta2),
          oneMinusBeta2: f32(1 - this.beta2),
          sqrtBias2: f32(sqrtBias2),
          epsilon: f32(this.epsilon),
          stepSize: f32(f32(group.learningRate) / f32(bias1)),
          weightDecay: f32(group.weightDecay),
          unused: 0,
        };
        const out = heap.allocate([...variable.shape]);
        const buffers = {
          out: heap.address(out),
          gradient: heap.address(gradient),
          theta: heap.address(variable),
          m: mBase + 4 * offset,
          v: vBase + 4 * offset,
        };
        heap.adam.torch(buffers, size, constants, decay);
        variable.assign(tf.engine().makeTensorFromTensorInfo(out));
        offset += size;
      });
    });
  }

  /** Frees the moment estimates (not the variables being trained). */
  dispose(): void {
    tf.dispose([this.m, this.v]);
    if (this.pieces) tf.dispose(this.pieces.flat());
    if (typeof this.learningRate !== 'number') this.learningRate.dispose();
    if (typeof this.weightDecay !== 'number') this.weightDecay.dispose();
  }
}

function zeroState(size: number): tf.Variable {
  const zeros = tf.zeros([size]);
  const state = tf.variable(zeros, false);
  zeros.dispose();
  return state;
}
