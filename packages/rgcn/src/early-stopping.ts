/**
 * Full-batch training with validation every `evalEvery` epochs, a best
 * checkpoint and early stopping: the loop shared by Stage A, distillation
 * and multitask training.
 *
 * Checkpoint rule: an evaluation improves on the best one when its
 * validation macro-F1 is strictly higher, or equal with a strictly lower
 * validation loss. Training stops once `patience` epochs have passed since
 * the last improvement, and the best weights are restored.
 */
import { NumericalError } from '@bml/core';
import { tf } from '@bml/core/tensor';
import type { Adam } from './adam.js';

/** Validation quality at one evaluation. */
export interface ValidationScore {
  /** Validation macro-F1 (model selection key). */
  macroF1: number;
  /** Validation cross-entropy (tie-break: lower wins). */
  loss: number;
}

/** One evaluation during training. */
export interface EvaluationRecord extends ValidationScore {
  /** Epoch (1-based) after which the evaluation ran. */
  epoch: number;
  /** Training loss of that epoch (with dropout). */
  trainLoss: number;
}

/** Progress report of a training loop, sent after each evaluation. */
export interface TrainingProgress {
  /** Stage being trained, for example `Stage A`. */
  stage: string;
  /** Epochs run so far. */
  epoch: number;
  /** Epoch cap. */
  epochs: number;
  /** Training loss of the last epoch. */
  trainLoss: number;
  /** Validation macro-F1 now. */
  valMacroF1: number;
  /** Validation loss now. */
  valLoss: number;
  /** Epoch of the best checkpoint so far (0 before the first). */
  bestEpoch: number;
  /** Validation macro-F1 of the best checkpoint so far. */
  bestMacroF1: number;
}

/** Schedule options shared by every training stage. */
export interface ScheduleOptions {
  /** Epoch cap; one epoch is one full-batch step. */
  epochs: number;
  /** Evaluate on the validation nodes every this many epochs (and after the last epoch). */
  evalEvery: number;
  /** Stop after this many epochs without a better checkpoint. */
  patience: number;
}

/** Specification of a training run for {@link fitWithEarlyStopping}. */
export interface EarlyStoppingSpec extends ScheduleOptions {
  /** Package and stage for messages and progress, for example `@bml/rgcn` and `Stage A`. */
  owner: string;
  /** Stage name for messages and progress. */
  stage: string;
  /** Optimiser; its variables are the ones checkpointed and restored. */
  optimizer: Adam;
  /** Builds the training loss of an epoch (1-based); runs under the gradient tape. */
  loss: (epoch: number) => tf.Scalar;
  /** Scores the current weights on the validation nodes (evaluation mode). */
  evaluate: (epoch: number) => ValidationScore;
  /** First epoch whose evaluation may become the checkpoint (after a warm-up). Default 1. */
  selectFrom?: number;
  /** Receives a report after each evaluation. */
  onProgress?: (progress: TrainingProgress) => void;
}

/** Outcome of {@link fitWithEarlyStopping}; the optimiser's variables hold the best weights. */
export interface EarlyStoppingResult {
  /** Epoch of the restored checkpoint. */
  bestEpoch: number;
  /** Last epoch run. */
  stoppedAtEpoch: number;
  /** Validation score of the restored checkpoint. */
  best: ValidationScore;
  /** Every evaluation, in order. */
  history: EvaluationRecord[];
  /** Training loss of every epoch run. */
  trainLoss: number[];
}

/**
 * Runs one full-batch epoch: the gradient of `loss` with respect to the
 * optimiser's variables, then one optimiser step. Returns the loss (still
 * on the device; the caller disposes it).
 */
export function trainStep(optimizer: Adam, loss: () => tf.Scalar): tf.Scalar {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(loss, optimizer.variables);
    optimizer.step(grads);
    return value;
  });
}

function isBetter(score: ValidationScore, best: ValidationScore | undefined): boolean {
  if (!best) return true;
  if (score.macroF1 !== best.macroF1) return score.macroF1 > best.macroF1;
  return score.loss < best.loss;
}

/**
 * Runs full-batch epochs: gradient of `loss`, one optimiser step, and every
 * `evalEvery` epochs an evaluation that may save a checkpoint (a copy of
 * the variables). Training losses stay on the device until an evaluation
 * reads them in one copy. Throws a {@link NumericalError} when a training
 * or validation loss is not finite.
 */
export function fitWithEarlyStopping(spec: EarlyStoppingSpec): EarlyStoppingResult {
  const { epochs, evalEvery, patience, optimizer } = spec;
  const selectFrom = spec.selectFrom ?? 1;
  const variables = optimizer.variables;
  const history: EvaluationRecord[] = [];
  const trainLoss: number[] = [];
  let pending: tf.Scalar[] = [];
  let checkpoint: tf.Tensor[] | undefined;
  let best: ValidationScore | undefined;
  let bestEpoch = 0;
  let lastImprovement = selectFrom - 1;
  let epoch = 0;

  const fail = (what: string, value: number, at: number): never => {
    throw new NumericalError(
      `${spec.owner}: ${spec.stage} ${what} is ${value} at epoch ${at}; lower the learning rate ` +
        `(now ${optimizer.learningRates.join(', ')}) or check the features for extreme values`,
      'NON_FINITE_LOSS',
      { stage: spec.stage, epoch: at },
    );
  };

  const readPending = (): void => {
    if (pending.length === 0) return;
    const values = tf.tidy(() => tf.stack(pending).dataSync());
    tf.dispose(pending);
    pending = [];
    for (const value of values) {
      trainLoss.push(value);
      if (!Number.isFinite(value)) fail('training loss', value, trainLoss.length);
    }
  };

  try {
    while (epoch < epochs) {
      epoch++;
      const current = epoch;
      pending.push(trainStep(optimizer, () => spec.loss(current)));
      if (epoch % evalEvery !== 0 && epoch !== epochs) continue;

      readPending();
      const score = spec.evaluate(epoch);
      if (!Number.isFinite(score.loss)) fail('validation loss', score.loss, epoch);
      history.push({ epoch, trainLoss: trainLoss[epoch - 1], ...score });
      if (epoch >= selectFrom && isBetter(score, best)) {
        tf.dispose(checkpoint ?? []);
        checkpoint = variables.map((v) => tf.clone(v));
        best = { macroF1: score.macroF1, loss: score.loss };
        bestEpoch = epoch;
        lastImprovement = epoch;
      }
      spec.onProgress?.({
        stage: spec.stage,
        epoch,
        epochs,
        trainLoss: trainLoss[epoch - 1],
        valMacroF1: score.macroF1,
        valLoss: score.loss,
        bestEpoch,
        bestMacroF1: best?.macroF1 ?? Number.NaN,
      });
      if (epoch - lastImprovement >= patience) break;
    }
    readPending();
  } catch (error) {
    tf.dispose(checkpoint ?? []);
    throw error;
  } finally {
    tf.dispose(pending);
  }

  if (checkpoint && best) {
    variables.forEach((v, i) => v.assign(checkpoint![i]));
    tf.dispose(checkpoint);
  } else {
    // No evaluation was eligible (every epoch fell in the warm-up): keep the last weights.
    const last = history[history.length - 1];
    best = { macroF1: last.macroF1, loss: last.loss };
    bestEpoch = epoch;
  }
  return { bestEpoch, stoppedAtEpoch: epoch, best, history, trainLoss };
}
