/**
 * Adam with coupled L2 weight decay, as the autoencoder trains it:
 *
 *   g ← g + wd·θ (weights only);  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
 *   θ ← θ − lr · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε)
 *
 * This is the arithmetic of TensorFlow.js's `tf.train.adam` (4.22), with the
 * decay added to the gradient first as PyTorch's `Adam(weight_decay=...)`
 * does. On the wasm backend {@link HeapAdam} runs each variable's update as
 * one SIMD pass over the backend's memory, where `tf.train.adam` runs about
 * 14 tensor ops, each a full pass that allocates its output. Every
 * intermediate is rounded to float32 where a tensor op would round it, so
 * both give bit-identical weights (tested).
 */
import { tf, wasmHeap, type WasmHeap } from '@bml/core/tensor';
import type { TfjsAdamConstants } from '@bml/core/wasm';

/** Options of {@link createAdam}. */
export interface AdamOptions {
  /** Variables the optimiser updates. */
  variables: tf.Variable[];
  /** Variables whose gradient gets `weightDecay · θ` added; others get none. */
  decayed: readonly tf.Variable[];
  /** Step size. */
  learningRate: number;
  /** Coupled L2 coefficient. */
  weightDecay: number;
  /** Decay of the first-moment average. */
  beta1: number;
  /** Decay of the second-moment average. */
  beta2: number;
  /** Added to the denominator. */
  epsilon: number;
}

/** The optimiser interface the training loop uses. */
export interface AdamStep {
  /** Updates every variable from its gradient in `grads` (keyed by variable name), weight decay included. */
  applyGradients(grads: tf.NamedTensorMap): void;
  /** Frees the optimiser's state (not the variables). */
  dispose(): void;
}

/** Returns `x` rounded to float32, as storing it in a float32 tensor would. */
const f32 = Math.fround;

/** Adam's hyperparameters, as {@link tfjsAdamConstants} reads them. */
export type AdamRates = Pick<AdamOptions, 'learningRate' | 'weightDecay' | 'beta1' | 'beta2' | 'epsilon'>;

/**
 * Returns the constants of one step of the kernel's `tfjs` rule, each rounded to float32 as
 * `tf.train.adam` rounds it, given β1^t and β2^t (`accBeta1`, `accBeta2`) before the step.
 */
export function tfjsAdamConstants(rates: AdamRates, accBeta1: number, accBeta2: number): TfjsAdamConstants {
  return {
    beta1: f32(rates.beta1),
    oneMinusBeta1: f32(1 - rates.beta1),
    beta2: f32(rates.beta2),
    oneMinusBeta2: f32(1 - rates.beta2),
    oneMinusAccBeta1: f32(1 - accBeta1),
    oneMinusAccBeta2: f32(1 - accBeta2),
    epsilon: f32(rates.epsilon),
    negativeLearningRate: f32(-rates.learningRate),
    weightDecay: f32(rates.weightDecay),
  };
}

/**
 * Adam that updates each variable with one WebAssembly SIMD pass over the
 * wasm backend's memory (`@bml/core/wasm`'s `tfjs` rule). The moments are tensors of
 * that backend, updated in place. The new weights go to a new tensor,
 * because a variable's buffer may be shared with a saved copy.
 */
export class HeapAdam implements AdamStep {
  private readonly m: tf.Tensor[];
  private readonly v: tf.Tensor[];
  private readonly decay: boolean[];
  /** β1^t and β2^t as float32, updated after each step as `tf.train.adam` keeps them. */
  private accBeta1: number;
  private accBeta2: number;

  constructor(
    private readonly heap: WasmHeap,
    private readonly options: AdamOptions,
  ) {
    const decayed = new Set(options.decayed);
    this.m = options.variables.map((variable) => tf.zeros([variable.size]));
    this.v = options.variables.map((variable) => tf.zeros([variable.size]));
    this.decay = options.variables.map((variable) => decayed.has(variable) && options.weightDecay > 0);
    this.accBeta1 = f32(options.beta1);
    this.accBeta2 = f32(options.beta2);
  }

  applyGradients(grads: tf.NamedTensorMap): void {
    const { variables, beta1, beta2 } = this.options;
    const constants = tfjsAdamConstants(this.options, this.accBeta1, this.accBeta2);
    const offset = (info: tf.TensorInfo) => this.heap.address(info);
    variables.forEach((variable, index) => {
      const gradient = grads[variable.name];
      if (!gradient) return;
      const info = this.heap.allocate([...variable.shape]);
      const buffers = {
        out: offset(info),
        gradient: offset(gradient),
        theta: offset(variable),
        m: offset(this.m[index]),
        v: offset(this.v[index]),
      };
      this.heap.adam.tfjs(buffers, variable.size, constants, this.decay[index]);
      const updated = tf.engine().makeTensorFromTensorInfo(info);
      variable.assign(updated);
      updated.dispose();
    });
    this.accBeta1 = f32(this.accBeta1 * f32(beta1));
    this.accBeta2 = f32(this.accBeta2 * f32(beta2));
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}

/** `tf.train.adam` with the weight decay added to the gradient as tensor ops: the path off the wasm backend. */
class TensorAdam implements AdamStep {
  private readonly optimizer: tf.AdamOptimizer;

  constructor(private readonly options: AdamOptions) {
    this.optimizer = tf.train.adam(options.learningRate, options.beta1, options.beta2, options.epsilon);
  }

  applyGradients(grads: tf.NamedTensorMap): void {
    tf.tidy(() => {
      const decayed = { ...grads };
      if (this.options.weightDecay > 0) {
        for (const w of this.options.decayed) decayed[w.name] = tf.add(grads[w.name], tf.mul(w, this.options.weightDecay));
      }
      // Only the trainable variables, in their order, as tf.train.adam pairs moments by position.
      const ordered = Object.fromEntries(this.options.variables.map((v) => [v.name, decayed[v.name]]));
      this.optimizer.applyGradients(ordered as Parameters<tf.AdamOptimizer['applyGradients']>[0]);
    });
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/**
 * Returns Adam for `options.variables`: {@link HeapAdam} on the wasm backend,
 * `tf.train.adam` otherwise. `backend` `tensor` forces the second, for tests.
 */
export function createAdam(options: AdamOptions, backend: 'auto' | 'tensor' = 'auto'): AdamStep {
  const heap = backend === 'auto' ? wasmHeap() : undefined;
  return heap ? new HeapAdam(heap, options) : new TensorAdam(options);
}
