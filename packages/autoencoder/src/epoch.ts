import type { Rng } from '@bml/core';
import { tf, type WasmHeap } from '@bml/core/tensor';
import type { AdamStep } from './adam.js';
import { shuffledBatches } from './batches.js';
import { gatherRows } from './matrix-tensor.js';
import { reconstructTensor } from './network.js';
import type { NetworkShape } from './network.js';
import type { ResolvedTrainingOptions } from './options.js';

/** Everything one training run updates. */
export interface TrainingState {
  /** Layers and activation of the network. */
  shape: NetworkShape;
  /** Adam with the weight decay of the dense weights, and its moment estimates. */
  optimizer: AdamStep;
  /** Variables the optimiser updates. */
  trainable: tf.Variable[];
  /** Training options. */
  options: ResolvedTrainingOptions;
  /** Source of the dropout seeds. */
  dropoutRng: Rng;
  /** Number of hidden (BatchNorm and dropout) layers. */
  hiddenLayers: number;
  /** Number of input features. */
  inputDim: number;
  /** The wasm backend's memory, for the fused hidden-layer op; absent to train with tensor ops only. */
  heap?: WasmHeap;
}

/**
 * Runs one Adam step on the rows `batch` of the row-major training values `x` and returns
 * `runningSum` plus the batch's summed loss (mean squared error times rows), without reading
 * anything back from the backend.
 */
function trainStep(
  state: TrainingState,
  x: Float32Array,
  batch: Int32Array,
  runningSum: tf.Scalar,
): tf.Scalar {
  const { options } = state;
  const cols = state.inputDim;
  const dropoutSeeds = Array.from({ length: state.hiddenLayers }, () => state.dropoutRng.nextSeed());
  // Assembling the batch on the host is much faster than tf.gather on the wasm backend.
  const batchValues = gatherRows(x, cols, batch);
  return tf.tidy(() => {
    const input = tf.tensor2d(batchValues, [batch.length, cols]);
    const inputT = tf.transpose(input);
    const mode = { training: true as const, dropout: options.dropout, dropoutSeeds, input, heap: state.heap };
    const loss = () => {
      const output = reconstructTensor(inputT, state.shape, mode);
      return tf.mean(tf.squaredDifference(output, inputT)) as tf.Scalar;
    };
    const { value, grads } = tf.variableGrads(loss, state.trainable);
    state.optimizer.applyGradients(grads);
    return tf.add(runningSum, tf.mul(value, batch.length));
  });
}

/** Runs one epoch over shuffled batches and returns its mean training loss, read from the backend once. */
export function trainEpoch(state: TrainingState, x: Float32Array, shuffleRng: Rng): number {
  const rows = x.length / state.inputDim;
  let sum: tf.Scalar = tf.scalar(0);
  for (const batch of shuffledBatches(rows, state.options.batchSize, shuffleRng)) {
    const previous = sum;
    sum = trainStep(state, x, batch, previous);
    previous.dispose();
  }
  const total = sum.dataSync()[0];
  sum.dispose();
  return total / rows;
}
