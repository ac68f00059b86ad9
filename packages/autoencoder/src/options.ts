import { requireInput } from '@bml/core';
import type { Matrix } from '@bml/core';

/** Progress of {@link fitAutoencoder}, reported once per epoch. */
export interface AutoencoderProgress {
  /** Epoch just finished, counted from 1. */
  epoch: number;
  /** Maximum number of epochs (the `epochs` option). */
  epochs: number;
  /** Mean reconstruction MSE over the training batches of this epoch (training mode). */
  trainLoss: number;
  /** Reconstruction MSE of the validation samples, or `null` when not evaluated this epoch. */
  validationLoss: number | null;
  /** Epoch with the lowest validation loss so far, or `null` before the first evaluation. */
  bestEpoch: number | null;
}

/** Options of the autoencoder's shape, shared by {@link architecture} and {@link fitAutoencoder}. */
export interface ArchitectureOptions {
  /** Width of the code (bottleneck) layer. Default 100. */
  codeSize?: number;
  /**
   * Widths of the encoder's hidden layers, input side first. The decoder mirrors them.
   * Default chosen from the input width by the rule of {@link architecture}.
   */
  hidden?: readonly number[];
}

/** Options of {@link fitAutoencoder}. */
export interface AutoencoderOptions extends ArchitectureOptions {
  /** Maximum number of training epochs. Default 300. */
  epochs?: number;
  /** Mini-batch size. The rows are reshuffled every epoch. Default 64. */
  batchSize?: number;
  /** Adam step size. Default 1e-3. */
  learningRate?: number;
  /** L2 weight decay on the dense weights, added to their gradients as `weightDecay * w`. Default 1e-5. */
  weightDecay?: number;
  /** Epochs without a lower validation loss before training stops. Default 20. */
  patience?: number;
  /** The validation loss is computed every `evalEvery` epochs and at the last epoch. Default 1. */
  evalEvery?: number;
  /** Dropout rate after each hidden layer during training. Default 0.2. */
  dropout?: number;
  /** Slope of LeakyReLU for negative inputs. Default 0.2. */
  leakySlope?: number;
  /** Seed of the weight initialisation, the batch shuffles and the dropout masks. Default 0. */
  seed?: number;
  /** Called after every epoch. Default none. */
  onProgress?: (progress: AutoencoderProgress) => void;
}

/** Training paths of {@link FitAutoencoderOptions.engine}. */
export type AutoencoderEngine = 'auto' | 'heap' | 'autodiff' | 'tensor';

const ENGINES: readonly AutoencoderEngine[] = ['auto', 'heap', 'autodiff', 'tensor'];

/** Options of {@link fitAutoencoder}, with the samples used for early stopping. */
export interface FitAutoencoderOptions extends AutoencoderOptions {
  /**
   * Validation samples with the features of the training rows. Their reconstruction loss drives
   * early stopping and the choice of the weights kept. Default none (train all epochs, keep the last).
   */
  validation?: Matrix;
  /**
   * Training path. `auto` picks the fastest one available: `heap` where the wasm backend and its
   * product kernel run, else `autodiff` on the wasm backend, else `tensor`.
   * - `heap`: the training step written out by hand over the backend's memory, with no tensor ops.
   * - `autodiff`: TensorFlow.js autodiff, with each hidden layer's BatchNorm, LeakyReLU and dropout
   *   fused into one op and Adam as one SIMD pass per variable, over the backend's memory.
   * - `tensor`: TensorFlow.js autodiff and tensor ops only.
   *
   * `heap` and `autodiff` give bit-identical models. `tensor` agrees with them to float32 rounding
   * in each step, and the differences grow over many steps.
   * Asking for `heap` or `autodiff` where it cannot run falls back as `auto` does. Default `auto`.
   */
  engine?: AutoencoderEngine;
  /**
   * Threads that run the products of the `heap` engine, the calling one included. Above 1 the
   * training runs on a shared memory of its own and splits each large product by rows over the
   * threads, which gives the same bits as one thread. Worth it for a single large model on an
   * otherwise idle machine; where several models train at once, keep 1. The other engines, and
   * runtimes without relaxed SIMD or shared memory, train on one thread. From 1 to 64; default 1.
   */
  threads?: number;
}

/** Training options with every default filled in, as documented in {@link AutoencoderOptions}. */
export interface ResolvedTrainingOptions {
  /** Maximum number of epochs. */
  epochs: number;
  /** Mini-batch size. */
  batchSize: number;
  /** Adam step size. */
  learningRate: number;
  /** L2 weight decay on the dense weights. */
  weightDecay: number;
  /** Epochs without improvement before stopping. */
  patience: number;
  /** Epochs between validation evaluations. */
  evalEvery: number;
  /** Dropout rate. */
  dropout: number;
  /** LeakyReLU slope. */
  leakySlope: number;
  /** Random seed. */
  seed: number;
}

/** Default values of the training options. */
export const TRAINING_DEFAULTS: Readonly<ResolvedTrainingOptions> = Object.freeze({
  epochs: 300,
  batchSize: 64,
  learningRate: 1e-3,
  weightDecay: 1e-5,
  patience: 20,
  evalEvery: 1,
  dropout: 0.2,
  leakySlope: 0.2,
  seed: 0,
});

/** Default width of the code layer. */
export const DEFAULT_CODE_SIZE = 100;

function requireInteger(value: number, name: string, min: number): void {
  requireInput(
    Number.isInteger(value) && value >= min,
    `@bml/autoencoder: ${name} must be an integer >= ${min} (got ${value}); pass a whole number`,
    'INVALID_OPTION',
    { option: name, value },
  );
}

function requireRange(value: number, name: string, ok: boolean, range: string): void {
  requireInput(
    Number.isFinite(value) && ok,
    `@bml/autoencoder: ${name} must be ${range} (got ${value}); pass a value in that range`,
    'INVALID_OPTION',
    { option: name, value },
  );
}

/** Fills in the defaults of the training options and rejects invalid values. */
export function resolveTrainingOptions(options: AutoencoderOptions): ResolvedTrainingOptions {
  const resolved: ResolvedTrainingOptions = {
    epochs: options.epochs ?? TRAINING_DEFAULTS.epochs,
    batchSize: options.batchSize ?? TRAINING_DEFAULTS.batchSize,
    learningRate: options.learningRate ?? TRAINING_DEFAULTS.learningRate,
    weightDecay: options.weightDecay ?? TRAINING_DEFAULTS.weightDecay,
    patience: options.patience ?? TRAINING_DEFAULTS.patience,
    evalEvery: options.evalEvery ?? TRAINING_DEFAULTS.evalEvery,
    dropout: options.dropout ?? TRAINING_DEFAULTS.dropout,
    leakySlope: options.leakySlope ?? TRAINING_DEFAULTS.leakySlope,
    seed: options.seed ?? TRAINING_DEFAULTS.seed,
  };
  requireInteger(resolved.epochs, 'epochs', 1);
  // BatchNorm needs at least two rows per batch to estimate a variance.
  requireInteger(resolved.batchSize, 'batchSize', 2);
  requireInteger(resolved.patience, 'patience', 1);
  requireInteger(resolved.evalEvery, 'evalEvery', 1);
  const { learningRate, weightDecay, dropout, leakySlope, seed } = resolved;
  requireRange(learningRate, 'learningRate', learningRate > 0, 'a finite number > 0');
  requireRange(weightDecay, 'weightDecay', weightDecay >= 0, 'a finite number >= 0');
  requireRange(dropout, 'dropout', dropout >= 0 && dropout < 1, 'in [0, 1)');
  requireRange(leakySlope, 'leakySlope', leakySlope >= 0 && leakySlope < 1, 'in [0, 1)');
  requireRange(seed, 'seed', true, 'a finite number');
  return resolved;
}

/** Returns the `threads` option of {@link FitAutoencoderOptions}, 1 when absent, and rejects other values. */
export function resolveThreads(options: FitAutoencoderOptions): number {
  const threads = options.threads ?? 1;
  requireInput(
    Number.isInteger(threads) && threads >= 1 && threads <= 64,
    `@bml/autoencoder: threads must be an integer from 1 to 64 (got ${typeof threads === 'string' ? JSON.stringify(threads) : String(threads)}); ` +
      'pass the number of cores to use',
    'INVALID_OPTION',
    { option: 'threads', value: threads },
  );
  return threads;
}

/** Returns the `engine` option of {@link FitAutoencoderOptions}, `auto` when absent, and rejects other values. */
export function resolveEngine(options: FitAutoencoderOptions): AutoencoderEngine {
  const engine = options.engine ?? 'auto';
  requireInput(
    ENGINES.includes(engine),
    `@bml/autoencoder: engine must be one of ${ENGINES.map((name) => `'${name}'`).join(', ')} ` +
      `(got ${JSON.stringify(engine)}); pass one of them or leave it out`,
    'INVALID_OPTION',
    { option: 'engine', value: engine },
  );
  return engine;
}
