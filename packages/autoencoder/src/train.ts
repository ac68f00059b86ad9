import { NumericalError, requireInput, Rng } from '@bml/core';
import type { BmlWarning, Matrix } from '@bml/core';
import { initBackend, tf } from '@bml/core/tensor';
import { architecture } from './architecture.js';
import { allVariables, createLayers, initialLayerValues } from './layers.js';
import { checkInput } from './matrix-tensor.js';
import type { AutoencoderModel, TrainingHistory } from './model.js';
import { resolveEngine, resolveThreads, resolveTrainingOptions } from './options.js';
import type { FitAutoencoderOptions, ResolvedTrainingOptions } from './options.js';
import { createRunner, type EpochRunner } from './runner.js';

function checkFinite(value: number, lossName: string, epoch: number, learningRate: number): void {
  if (Number.isFinite(value)) return;
  throw new NumericalError(
    `@bml/autoencoder: the ${lossName} became ${value} at epoch ${epoch}; ` +
      `lower learningRate (now ${learningRate}) or check the input scale (z-scored features are expected)`,
    'NON_FINITE_LOSS',
    { epoch, loss: value, learningRate },
  );
}

async function runTraining(
  runner: EpochRunner,
  hasValidation: boolean,
  options: FitAutoencoderOptions,
  resolved: ResolvedTrainingOptions,
): Promise<TrainingHistory> {
  const history: TrainingHistory = {
    trainLoss: [],
    validationLoss: [],
    epochs: 0,
    bestEpoch: null,
    bestValidationLoss: null,
    stoppedReason: 'maxEpochs',
  };
  const { epochs, evalEvery, patience, learningRate } = resolved;
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const trainLoss = runner.trainEpoch();
      checkFinite(trainLoss, 'training loss', epoch, learningRate);
      let validationLoss: number | null = null;
      if (hasValidation && (epoch % evalEvery === 0 || epoch === epochs)) {
        validationLoss = runner.validationLoss();
        checkFinite(validationLoss, 'validation loss', epoch, learningRate);
      }
      history.trainLoss.push(trainLoss);
      history.validationLoss.push(validationLoss);
      history.epochs = epoch;
      const best = history.bestValidationLoss;
      if (validationLoss !== null && (best === null || validationLoss < best)) {
        history.bestValidationLoss = validationLoss;
        history.bestEpoch = epoch;
        runner.saveBest();
      }
      const bestEpoch = history.bestEpoch;
      options.onProgress?.({ epoch, epochs, trainLoss, validationLoss, bestEpoch });
      if (validationLoss !== null && bestEpoch !== null && epoch - bestEpoch >= patience) {
        history.stoppedReason = 'earlyStopping';
        break;
      }
      // Lets timers and signal handlers run between epochs.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    runner.finish(history.bestEpoch !== null && history.bestEpoch !== history.epochs);
  } finally {
    runner.dispose();
  }
  return history;
}

/**
 * Fits an autoencoder to the rows of `train` (samples x features, z-scored features expected).
 *
 * The layer widths follow {@link architecture}. Hidden layers are Linear -> BatchNorm -> LeakyReLU
 * -> Dropout, and the code and output layers are linear. The loss is the mean squared
 * reconstruction error, minimised by Adam with coupled L2 weight decay on the weights. Training
 * stops after `patience` epochs without a lower validation loss, and the returned model has the
 * weights of the best epoch (or of the last epoch when no validation samples are given).
 *
 * @throws InvalidInputError on invalid options or input (too few rows or features, non-finite values).
 * @throws NumericalError when a loss becomes non-finite. The message names the epoch.
 */
export async function fitAutoencoder(
  train: Matrix,
  options: FitAutoencoderOptions = {},
): Promise<AutoencoderModel> {
  await initBackend();
  const resolved = resolveTrainingOptions(options);
  // Checked before any tensor exists, and read again when training starts.
  resolveEngine(options);
  resolveThreads(options);
  const arch = architecture(train.cols, options);

  checkInput(train, 'the training matrix');
  requireInput(
    train.rows >= 2,
    `@bml/autoencoder: training needs at least 2 samples for BatchNorm (got ${train.rows}); add samples`,
    'TOO_FEW_SAMPLES',
    { rows: train.rows },
  );
  if (options.validation) checkInput(options.validation, 'the validation matrix', train.cols, true);
  const validationMatrix = options.validation && options.validation.rows > 0 ? options.validation : undefined;

  const warnings: BmlWarning[] = [];
  if (!validationMatrix) {
    warnings.push({
      code: 'AUTOENCODER_NO_VALIDATION',
      message:
        `no validation samples were given, so the autoencoder trained all ${resolved.epochs} epochs ` +
        'without early stopping and kept the last weights',
    });
  }

  const layers = createLayers(arch, initialLayerValues(arch, resolved.seed));
  const root = new Rng(resolved.seed);
  try {
    const runner = createRunner(
      {
        layers,
        shape: { layers, codeLayer: arch.hidden.length, leakySlope: resolved.leakySlope },
        options: resolved,
        train: new Float32Array(train.data),
        inputDim: arch.inputDim,
        validation: validationMatrix ? new Float32Array(validationMatrix.data) : undefined,
        shuffleRng: root.fork('shuffle'),
        dropoutRng: root.fork('dropout'),
      },
      resolveEngine(options),
      resolveThreads(options),
    );
    const history = await runTraining(runner, validationMatrix !== undefined, options, resolved);
    return { architecture: arch, options: resolved, layers, history, warnings };
  } catch (error) {
    tf.dispose(allVariables(layers));
    throw error;
  }
}
