/**
 * The buffers of one autoencoder layer for {@link HeapTrainer}: parameters,
 * their gradients and Adam moments, and the activations of a batch.
 *
 * A weight matrix `[outputs, inputs]` is stored with its rows padded to a
 * multiple of 8 floats, the width the product kernel works in, so that the
 * gradient `dz @ hᵀ` lands in the weight's own layout. The padding stays
 * zero: its gradient is zero, and Adam leaves a zero weight with zero
 * gradient and zero moments at zero. Activations are feature-major,
 * `[features, stride]`, where the stride is the batch size rounded up to a
 * multiple of 8 and the columns beyond the batch are kept at zero.
 */
import type { DenseLayer } from './layers.js';
import type { BufferArena, HeapBuffer, HeapFloat64Buffer } from './heap-arena.js';
import { tf } from '@bml/core/tensor';

/** Rounds `n` up to a multiple of 8, the column width of the product kernel. */
export function padded(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** A trained tensor with its gradient and Adam moments, all of the same length. */
export interface HeapParameter {
  value: HeapBuffer;
  gradient: HeapBuffer;
  m: HeapBuffer;
  v: HeapBuffer;
  /** True when Adam adds the weight decay to this parameter's gradient. */
  decayed: boolean;
}

/** BatchNorm parameters, running statistics and the batch statistics of the last step. */
export interface HeapBatchNorm {
  gamma: HeapParameter;
  beta: HeapParameter;
  runningMean: HeapBuffer;
  runningVariance: HeapBuffer;
  /** Batch mean of each feature, from the last forward pass. */
  mean: HeapFloat64Buffer;
  /** Biased batch variance of each feature, from the last forward pass. */
  variance: HeapFloat64Buffer;
}

/** One layer's buffers. */
export interface HeapLayer {
  inputs: number;
  outputs: number;
  /** Row length of the weight buffers: `inputs` rounded up to a multiple of 8. */
  weightStride: number;
  weight: HeapParameter;
  bias?: HeapParameter;
  batchNorm?: HeapBatchNorm;
  /** Pre-activation `W h (+ b)` of the batch, `[outputs, stride]`. */
  z: HeapBuffer;
  /** Output of the layer: the hidden step's output, or `z` itself on a linear layer. */
  out: HeapBuffer;
  /** Dropout multipliers of the batch (hidden layers with dropout only). */
  mask?: HeapBuffer;
  /** Gradient of the loss with respect to `out`. */
  gradOut: HeapBuffer;
  /** Gradient with respect to `z`: the hidden step's backward output, or `gradOut` on a linear layer. */
  gradZ: HeapBuffer;
  /** The layer's input sample-major, `[batch, weightStride]`, for the weight gradient. */
  inputRows: HeapBuffer;
  /** Pre-activation and output for validation chunks, `[outputs, validation stride]`. */
  validationZ: HeapBuffer;
  validationOut: HeapBuffer;
}

function parameter(arena: BufferArena, length: number, decayed: boolean): HeapParameter {
  return {
    value: arena.allocate(length),
    gradient: arena.allocate(length),
    m: arena.allocate(length),
    v: arena.allocate(length),
    decayed,
  };
}

/** Sizes the buffers of {@link allocateLayer} are made for. */
export interface HeapCapacity {
  /** Largest batch, rounded up to a multiple of 8. */
  batchStride: number;
  /** Largest validation chunk, rounded up to a multiple of 8. */
  validationStride: number;
  /** Dropout rate (0 allocates no masks). */
  dropout: number;
  /** Coupled weight decay (0 decays nothing). */
  weightDecay: number;
}

/** Allocates the buffers of `layer` in `arena` and copies its current values in. */
export function allocateLayer(arena: BufferArena, layer: DenseLayer, capacity: HeapCapacity): HeapLayer {
  const [outputs, inputs] = layer.weight.shape as [number, number];
  const weightStride = padded(inputs);
  const { batchStride, validationStride } = capacity;

  const z = arena.allocate(outputs * batchStride);
  const hidden = layer.batchNorm !== undefined;
  const gradOut = arena.allocate(outputs * batchStride);
  const validationZ = arena.allocate(outputs * validationStride);
  const out: HeapLayer = {
    inputs,
    outputs,
    weightStride,
    weight: parameter(arena, outputs * weightStride, capacity.weightDecay > 0),
    z,
    out: hidden ? arena.allocate(outputs * batchStride) : z,
    gradOut,
    gradZ: hidden ? arena.allocate(outputs * batchStride) : gradOut,
    inputRows: arena.allocate(batchStride * weightStride),
    validationZ,
    validationOut: hidden ? arena.allocate(outputs * validationStride) : validationZ,
  };

  if (layer.bias) out.bias = parameter(arena, outputs, false);
  if (layer.batchNorm) {
    out.batchNorm = {
      gamma: parameter(arena, outputs, false),
      beta: parameter(arena, outputs, false),
      runningMean: arena.allocate(outputs),
      runningVariance: arena.allocate(outputs),
      mean: arena.allocateFloat64(outputs),
      variance: arena.allocateFloat64(outputs),
    };
    if (capacity.dropout > 0) out.mask = arena.allocate(outputs * batchStride);
  }

  loadLayer(out, layer);
  return out;
}

/** Pairs of a heap buffer and the variable it mirrors, weights first. */
function mirrored(heapLayer: HeapLayer, layer: DenseLayer): [HeapBuffer, tf.Variable][] {
  const pairs: [HeapBuffer, tf.Variable][] = [];
  if (heapLayer.bias && layer.bias) pairs.push([heapLayer.bias.value, layer.bias]);
  const bn = heapLayer.batchNorm;
  const params = layer.batchNorm;
  if (bn && params) {
    pairs.push(
      [bn.gamma.value, params.gamma],
      [bn.beta.value, params.beta],
      [bn.runningMean, params.runningMean],
      [bn.runningVariance, params.runningVariance],
    );
  }
  return pairs;
}

/** Copies the values of the variables of `layer` into the buffers of `heapLayer`. */
export function loadLayer(heapLayer: HeapLayer, layer: DenseLayer): void {
  const { inputs, outputs, weightStride } = heapLayer;
  const source = layer.weight.dataSync() as Float32Array;
  const weight = heapLayer.weight.value.view();
  for (let row = 0; row < outputs; row++) {
    weight.set(source.subarray(row * inputs, (row + 1) * inputs), row * weightStride);
  }
  for (const [buffer, variable] of mirrored(heapLayer, layer)) buffer.view().set(variable.dataSync() as Float32Array);
}

/** Values of every parameter and running statistic of a layer, in the layout of its variables. */
export type LayerSnapshot = Float32Array[];

/** Copies the parameters and running statistics of `heapLayer` out of the backend's memory. */
export function snapshotLayer(heapLayer: HeapLayer, layer: DenseLayer): LayerSnapshot {
  const { inputs, outputs, weightStride } = heapLayer;
  const weight = new Float32Array(outputs * inputs);
  const padded = heapLayer.weight.value.view();
  for (let row = 0; row < outputs; row++) {
    weight.set(padded.subarray(row * weightStride, row * weightStride + inputs), row * inputs);
  }
  return [weight, ...mirrored(heapLayer, layer).map(([buffer]) => buffer.view().slice())];
}

/** Assigns the values of `snapshot` (from {@link snapshotLayer}) to the variables of `layer`. */
export function assignLayer(snapshot: LayerSnapshot, heapLayer: HeapLayer, layer: DenseLayer): void {
  const variables = [layer.weight, ...mirrored(heapLayer, layer).map(([, variable]) => variable)];
  variables.forEach((variable, index) => {
    const values = tf.tensor(snapshot[index], variable.shape);
    variable.assign(values);
    values.dispose();
  });
}
