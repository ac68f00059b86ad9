/**
 * Options and results shared by the neural mutual information bounds.
 */
import { NumericalError, requireInput } from '@bml/core';
import { fromNats, readPlugInOptions, type LogBase } from '../units.js';

/** Training options shared by {@link infoNceBound} and {@link mineBound}. */
export interface NeuralBoundOptions {
  /** Widths of the critic's hidden layers (ELU activations). Default `[64, 64]`. */
  hidden?: number[];
  /** Passes over the training samples. Default 100. */
  epochs?: number;
  /** Samples per training batch (at most the number of training samples). Default 128. */
  batchSize?: number;
  /** Adam learning rate. Default 1e-3. */
  learningRate?: number;
  /** Seed of the split, the weight initialisation, the batch order and the shuffled pairs. Default 0. */
  seed?: number;
  /**
   * Fraction of the samples held out of training and used only for the
   * final estimate. 0 evaluates on the training samples, which overstates
   * the information when the critic overfits. Default 0.2.
   */
  heldOutFraction?: number;
  /** Whether to z-score each column with the training samples' mean and standard deviation. Default true. */
  standardize?: boolean;
  /** Base of the logarithm of the reported values: `'e'` for nats, `2` for bits. Default `'e'`. */
  base?: LogBase;
}

/** Estimate of a neural bound. */
export interface NeuralBoundResult {
  /** Value of the bound on the held-out samples, in nats (bits with `base: 2`). */
  estimate: number;
  /** Mean value of the bound over the training batches of each epoch, in the unit of `estimate`. */
  trainingHistory: number[];
  /**
   * Number of samples the estimate was computed on: held out, or training samples when
   * `heldOutFraction` is 0.
   */
  evaluationSamples: number;
}

/** Training options with every default filled in. */
export type ResolvedNeuralOptions = Required<NeuralBoundOptions>;

/**
 * Fills in the defaults and validates the options.
 *
 * @throws InvalidInputError naming the first invalid option.
 */
export function resolveNeuralOptions(options: NeuralBoundOptions): ResolvedNeuralOptions {
  const {
    hidden = [64, 64],
    epochs = 100,
    batchSize = 128,
    learningRate = 1e-3,
    seed = 0,
    heldOutFraction = 0.2,
    standardize = true,
  } = options;
  const { base } = readPlugInOptions({ base: options.base });
  requireInput(
    hidden.every((w) => Number.isInteger(w) && w >= 1),
    `@bml/mi: hidden layer widths must be positive integers, got [${hidden.join(', ')}]`,
  );
  requireInput(
    Number.isInteger(epochs) && epochs >= 1,
    `@bml/mi: epochs must be a positive integer, got ${epochs}`,
  );
  requireInput(
    Number.isInteger(batchSize) && batchSize >= 2,
    `@bml/mi: batchSize must be an integer >= 2, got ${batchSize}`,
  );
  requireInput(
    Number.isFinite(learningRate) && learningRate > 0,
    `@bml/mi: learningRate must be a positive number, got ${learningRate}`,
  );
  requireInput(Number.isFinite(seed), `@bml/mi: seed must be a finite number, got ${seed}`);
  requireInput(
    heldOutFraction >= 0 && heldOutFraction < 1,
    `@bml/mi: heldOutFraction must be in [0, 1), got ${heldOutFraction}`,
  );
  return { hidden, epochs, batchSize, learningRate, seed, heldOutFraction, standardize, base };
}

/** Converts the estimate and the training history of a result from nats to `base`. */
export function resultInBase<T extends NeuralBoundResult>(result: T, base: LogBase): T {
  return {
    ...result,
    estimate: fromNats(result.estimate, base),
    trainingHistory: result.trainingHistory.map((value) => fromNats(value, base)),
  };
}

/**
 * Returns `result` unless its estimate or training history contains a value
 * that is not finite, which happens when training diverges.
 *
 * @throws NumericalError naming the estimator and the fix.
 */
export function requireFiniteResult<T extends NeuralBoundResult>(result: T, estimator: string): T {
  const bad = [result.estimate, ...result.trainingHistory].find((v) => !Number.isFinite(v));
  if (bad !== undefined) {
    throw new NumericalError(
      `@bml/mi: ${estimator} training diverged (a bound value is ${bad}). Lower learningRate or standardize the inputs.`,
      'NEURAL_BOUND_DIVERGED',
    );
  }
  return result;
}
