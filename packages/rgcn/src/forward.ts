/**
 * Forward pass of the r-GCN encoder and its head.
 *
 * Layer l: H' = LeakyReLU(Â H W + H W_self + b), dropout after every layer
 * but the last while training. The input features are not dropped out (as
 * in MOGONET), so Â X is the same in every epoch and is computed once per
 * graph in {@link prepareNodeInput}; the first layer uses (Â X) W, which
 * equals Â (X W). Since X and Â X are constants, the first layer's backward
 * pass only needs Xᵀ dY and (Â X)ᵀ dY, with both transposes stored.
 */
import { InvalidInputError, type Matrix } from '@bml/core';
import { matMul, product, tf, wasmHeap } from '@bml/core/tensor';
import { leakyRelu } from './activation.js';
import { fusedActivation, fusedActivationRuns } from './fused-layer.js';
import type { DenseLayer, UnimodalModel } from './model.js';
import { propagate, type PreparedGraph } from './propagate.js';
import { matrixToTensor } from './tensors.js';

/** Node features of one omics on one prepared graph, with Â X computed once. */
export interface NodeInput {
  /** The graph the features live on. Not owned: {@link disposeNodeInput} leaves it alone. */
  readonly graph: PreparedGraph;
  /** `nodes x features` input features X. */
  readonly x: tf.Tensor2D;
  /** Â X. */
  readonly propagatedX: tf.Tensor2D;
  /** Xᵀ, for the first layer's weight gradient. */
  readonly xT: tf.Tensor2D;
  /** (Â X)ᵀ, for the first layer's weight gradient. */
  readonly propagatedXT: tf.Tensor2D;
}

/** Uploads `features` (one row per graph node) and computes Â X. */
export function prepareNodeInput(graph: PreparedGraph, features: Matrix): NodeInput {
  if (features.rows !== graph.nodes) {
    throw new InvalidInputError(
      `@bml/rgcn: features have ${features.rows} rows but the graph has ${graph.nodes} nodes; give one row per node`,
      'FEATURES_SIZE_MISMATCH',
    );
  }
  const x = matrixToTensor(features);
  const propagatedX = tf.tidy(() => propagate(graph, x));
  return { graph, x, propagatedX, xT: tf.transpose(x), propagatedXT: tf.transpose(propagatedX) };
}

/** Frees the feature tensors of a node input (not its graph). */
export function disposeNodeInput(input: NodeInput): void {
  tf.dispose([input.x, input.propagatedX, input.xT, input.propagatedXT]);
}

/** Returns a W for a constant `a` (with its transpose `aT`), differentiable in W only. */
function constantTimesWeight(a: tf.Tensor2D, aT: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad(((weight: tf.Tensor2D) => ({
    value: product(a, weight),
    gradFunc: (dy: tf.Tensor2D) => product(aT, dy),
  })) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (weight: tf.Tensor2D) => tf.Tensor2D;
  return op(w);
}

/** Options of a forward pass. */
export interface ForwardOptions {
  /** Training mode applies dropout; evaluation mode does not. Default false. */
  training?: boolean;
  /**
   * Seed of the dropout masks of this pass (layer l uses `dropoutSeed + l`).
   * Give a new seed every epoch. Default 0.
   */
  dropoutSeed?: number;
  /**
   * Runs each layer's bias, LeakyReLU and dropout as one fused op on the wasm backend
   * ({@link fusedActivation}) where its kernels run; false keeps tensor ops. Both give the same
   * bits. Default true.
   */
  fused?: boolean;
}

/** Returns Â H W, propagating the narrower of H and H W (the sparse product costs nnz x width). */
function propagateTimesWeight(graph: PreparedGraph, h: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const [fanIn, fanOut] = w.shape;
  if (fanOut <= fanIn) return propagate(graph, matMul(h, w));
  return matMul(propagate(graph, h), w);
}

/** Returns the encoder output (the embedding, `nodes x hidden[last]`). Call inside `tf.tidy`. */
export function encodeNodes(model: UnimodalModel, input: NodeInput, options: ForwardOptions = {}): tf.Tensor2D {
  const { training = false, dropoutSeed = 0, fused = true } = options;
  const { dropout, leakySlope } = model.config;
  const last = model.layers.length - 1;
  const heap = fused ? wasmHeap() : undefined;
  let h = input.x;
  model.layers.forEach((layer, l) => {
    let z =
      l === 0
        ? constantTimesWeight(input.propagatedX, input.propagatedXT, layer.weight)
        : propagateTimesWeight(input.graph, h, layer.weight);
    if (layer.selfWeight) {
      const own = l === 0 ? constantTimesWeight(input.x, input.xT, layer.selfWeight) : matMul(h, layer.selfWeight);
      z = tf.add(z, own);
    }
    const rate = training && l < last ? dropout : 0;
    if (fusedActivationRuns(heap, layer.bias.shape[0])) {
      h = fusedActivation(heap, z, layer.bias, { slope: leakySlope, dropout: rate, seed: dropoutSeed + l });
      return;
    }
    h = leakyRelu(tf.add(z, layer.bias), leakySlope);
    if (rate > 0) h = tf.dropout(h, rate, undefined, dropoutSeed + l) as tf.Tensor2D;
  });
  return h;
}

/** Applies a linear layer: x W + b. */
export function applyDense(layer: DenseLayer, x: tf.Tensor2D): tf.Tensor2D {
  return tf.add(matMul(x, layer.weight), layer.bias);
}

/** Returns the head's logits and the embedding of every node. Call inside `tf.tidy`. */
export function forwardUnimodal(
  model: UnimodalModel,
  input: NodeInput,
  options: ForwardOptions = {},
): { logits: tf.Tensor2D; embedding: tf.Tensor2D } {
  const embedding = encodeNodes(model, input, options);
  return { logits: applyDense(model.head, embedding), embedding };
}
