import { InvalidInputError } from '@bml/core';
import type { BmlWarning } from '@bml/core';
import type { AutoencoderArchitecture } from './architecture.js';
import { allVariables } from './layers.js';
import type { DenseLayer } from './layers.js';
import type { NetworkShape } from './network.js';
import type { ResolvedTrainingOptions } from './options.js';

/** Reason training ended. */
export type StoppedReason = 'earlyStopping' | 'maxEpochs';

/** Record of a {@link fitAutoencoder} run. */
export interface TrainingHistory {
  /** Mean reconstruction MSE over the training batches of each epoch (dropout and batch statistics on). */
  trainLoss: number[];
  /** Validation reconstruction MSE of each epoch (inference mode), `null` where it was not computed. */
  validationLoss: (number | null)[];
  /** Number of epochs run. */
  epochs: number;
  /** Epoch (from 1) whose weights the model kept, or `null` without validation samples. */
  bestEpoch: number | null;
  /** Validation loss at `bestEpoch`, or `null` without validation samples. */
  bestValidationLoss: number | null;
  /** `earlyStopping` when `patience` epochs passed without improvement, otherwise `maxEpochs`. */
  stoppedReason: StoppedReason;
}

/** A fitted autoencoder. Its tensors stay allocated until {@link disposeAutoencoder}. */
export interface AutoencoderModel {
  /** Layer widths. */
  readonly architecture: AutoencoderArchitecture;
  /** Training options used, every default filled in. */
  readonly options: Readonly<ResolvedTrainingOptions>;
  /** Encoder then decoder layers, with their TensorFlow.js variables. */
  readonly layers: readonly DenseLayer[];
  /** Losses per epoch and how training ended. */
  readonly history: TrainingHistory;
  /** Conditions handled during fitting, for example training without validation samples. */
  readonly warnings: readonly BmlWarning[];
}

/** Releases every tensor of `model`, which cannot be used afterwards. Calling it twice is harmless. */
export function disposeAutoencoder(model: AutoencoderModel): void {
  for (const variable of allVariables(model.layers)) {
    if (!variable.isDisposed) variable.dispose();
  }
}

/** Returns the forward-pass description of `model`, after checking that it was not disposed. */
export function networkShape(model: AutoencoderModel): NetworkShape {
  if (model.layers.some((layer) => layer.weight.isDisposed)) {
    throw new InvalidInputError(
      '@bml/autoencoder: the model was disposed; fit or deserialize it again before using it',
      'MODEL_DISPOSED',
    );
  }
  return {
    layers: model.layers,
    codeLayer: model.architecture.hidden.length,
    leakySlope: model.options.leakySlope,
  };
}
