/**
 * The two ways an epoch can run, behind one interface for the training loop:
 * TensorFlow.js autodiff ({@link autodiffRunner}) and the hand-written step
 * over the wasm backend's memory ({@link heapRunner}).
 */
import type { Rng } from '@bml/core';
import { tf, wasmHeap, type WasmHeap } from '@bml/core/tensor';
import { createAdam } from './adam.js';
import { shuffledBatches } from './batches.js';
import { BestWeights } from './best-weights.js';
import { trainEpoch, type TrainingState } from './epoch.js';
import { reconstructionLoss } from './evaluate.js';
import { HeapTrainer } from './heap-trainer.js';
import { backendMemory, threadedMemory, type TrainerMemory } from './trainer-memory.js';
import type { LayerSnapshot } from './heap-layers.js';
import { allVariables, trainableVariables, type DenseLayer } from './layers.js';
import type { NetworkShape } from './network.js';
import type { AutoencoderEngine, ResolvedTrainingOptions } from './options.js';

/** Adam's epsilon, PyTorch's default (TensorFlow.js would use 1e-7). */
export const ADAM_EPSILON = 1e-8;
const BETA1 = 0.9;
const BETA2 = 0.999;

/** One training run as the loop of `fitAutoencoder` drives it. */
export interface EpochRunner {
  /** Runs one epoch over shuffled batches and returns its mean training loss. */
  trainEpoch(): number;
  /** Returns the validation loss in inference mode. Call only when validation rows were given. */
  validationLoss(): number;
  /** Keeps the current weights as the best so far. */
  saveBest(): void;
  /** Leaves the layers' variables holding the best weights kept, or the current ones when `best` is false. */
  finish(best: boolean): void;
  /** Frees what the run allocated (not the layers). */
  dispose(): void;
}

/** Inputs of both runners. */
export interface RunnerInput {
  layers: DenseLayer[];
  shape: NetworkShape;
  options: ResolvedTrainingOptions;
  /** Training values, row-major `[rows, inputDim]`. */
  train: Float32Array;
  inputDim: number;
  /** Validation values, row-major, or undefined for none. */
  validation: Float32Array | undefined;
  shuffleRng: Rng;
  dropoutRng: Rng;
}

function hiddenLayerCount(layers: readonly DenseLayer[]): number {
  return layers.filter((layer) => layer.batchNorm).length;
}

/**
 * Returns the runner that `engine` selects on the active backend. The heap engine runs its
 * products on `threads` threads where it can.
 */
export function createRunner(input: RunnerInput, engine: AutoencoderEngine, threads = 1): EpochRunner {
  if (engine === 'tensor') return autodiffRunner(input, undefined);
  const heap = wasmHeap();
  if (heap?.gemm && engine !== 'autodiff') {
    const memory = (threads > 1 ? threadedMemory(threads) : undefined) ?? backendMemory(heap);
    if (memory) return heapRunner(input, memory);
  }
  return autodiffRunner(input, heap);
}

/** Returns the autodiff runner: tensor ops, plus the fused hidden step and the heap Adam when `heap` is given. */
function autodiffRunner(input: RunnerInput, heap: WasmHeap | undefined): EpochRunner {
  const { layers, options, train, inputDim } = input;
  const trainable = trainableVariables(layers);
  const state: TrainingState = {
    shape: input.shape,
    optimizer: createAdam({
      variables: trainable,
      // Coupled L2 decay as in PyTorch's Adam, on the dense weights only: the gradient of (weightDecay / 2) * ||w||^2.
      decayed: layers.map((layer) => layer.weight),
      learningRate: options.learningRate,
      weightDecay: options.weightDecay,
      beta1: BETA1,
      beta2: BETA2,
      epsilon: ADAM_EPSILON,
    }, heap ? 'auto' : 'tensor'),
    trainable,
    options,
    dropoutRng: input.dropoutRng,
    hiddenLayers: hiddenLayerCount(layers),
    inputDim,
    heap,
  };
  const bestWeights = new BestWeights(allVariables(layers));
  // Validation samples stay on the backend, feature-major, for the whole run.
  const validationT = input.validation
    ? tf.tidy(() => tf.transpose(tf.tensor2d(input.validation!, [input.validation!.length / inputDim, inputDim])))
    : undefined;
  return {
    trainEpoch: () => trainEpoch(state, train, input.shuffleRng),
    validationLoss: () => reconstructionLoss(validationT!, state.shape),
    saveBest: () => bestWeights.save(),
    finish: (best) => {
      if (best) bestWeights.restore();
    },
    dispose: () => {
      bestWeights.dispose();
      state.optimizer.dispose();
      validationT?.dispose();
    },
  };
}

/** Returns `x` (`[rows, cols]`, row-major) transposed, as a new array. */
function transposed(x: Float32Array, cols: number): Float32Array {
  const rows = x.length / cols;
  const out = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c];
  return out;
}

/** Returns the runner of the hand-written step ({@link HeapTrainer}) on `memory`. */
function heapRunner(input: RunnerInput, memory: TrainerMemory): EpochRunner {
  const { layers, options, train, inputDim } = input;
  const rows = train.length / inputDim;
  const validationRows = input.validation ? input.validation.length / inputDim : 0;
  const trainer = new HeapTrainer(memory, layers, {
    inputDim,
    // shuffledBatches merges a last batch of one row into the one before it.
    maxBatch: Math.min(rows, options.batchSize + 1),
    validationRows,
    dropout: options.dropout,
    leakySlope: options.leakySlope,
    learningRate: options.learningRate,
    beta1: BETA1,
    beta2: BETA2,
    epsilon: ADAM_EPSILON,
    weightDecay: options.weightDecay,
  });
  const validationColumns = input.validation ? transposed(input.validation, inputDim) : undefined;
  const hiddenLayers = hiddenLayerCount(layers);
  let best: LayerSnapshot[] | undefined;
  return {
    trainEpoch: () => {
      // Summed in float32, as the autodiff path sums on the backend.
      let sum = 0;
      for (const batch of shuffledBatches(rows, options.batchSize, input.shuffleRng)) {
        const seeds = Array.from({ length: hiddenLayers }, () => input.dropoutRng.nextSeed());
        const loss = trainer.step(train, batch, seeds);
        sum = Math.fround(sum + Math.fround(loss * batch.length));
      }
      return sum / rows;
    },
    validationLoss: () => trainer.validationLoss(validationColumns!, validationRows),
    saveBest: () => {
      best = trainer.snapshot();
    },
    finish: (useBest) => trainer.writeBack(useBest && best ? best : undefined),
    dispose: () => trainer.dispose(),
  };
}
