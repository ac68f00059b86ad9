/**
 * Stage A: one r-GCN encoder and its head trained with cross-entropy on the
 * labelled training nodes of the fused graph (MOGONET's pretraining, with
 * validation-based checkpointing and early stopping).
 */
import { Rng, type BmlWarning, type CsrMatrix, type Matrix } from '@bml/core';
import { initBackend, tf } from '@bml/core/tensor';
import { Adam } from './adam.js';
import { sliceGraph, validateGraph } from './csr.js';
import {
  fitWithEarlyStopping,
  type EvaluationRecord,
  type TrainingProgress,
} from './early-stopping.js';
import { disposeNodeInput, forwardUnimodal, prepareNodeInput, type NodeInput } from './forward.js';
import { crossEntropy, crossEntropyTargets, scoreLogits, type ClassWeighting, type NodeScore } from './loss.js';
import {
  createUnimodalModel,
  disposeUnimodal,
  resolveEncoderOptions,
  unimodalVariables,
  type EncoderOptions,
  type UnimodalModel,
} from './model.js';
import { prepareGraph } from './propagate.js';
import { leadingRows } from './tensors.js';
import { requirePositive, validateFeatures, validateSchedule, validateSplit, type SplitInput } from './validate.js';

/** Options of {@link trainUnimodal}: the encoder architecture plus the schedule. */
export interface UnimodalTrainingOptions extends EncoderOptions {
  /** Epoch cap. Default 500. */
  epochs?: number;
  /** Adam step size. Default 1e-3. */
  learningRate?: number;
  /** L2 weight decay added to the gradient (PyTorch Adam semantics). Default 5e-4. */
  weightDecay?: number;
  /** Validate every this many epochs. Default 10. */
  evalEvery?: number;
  /** Stop after this many epochs without a better validation macro-F1. Default 100. */
  patience?: number;
  /** Seed of the initial weights and the dropout masks. Default 0. */
  seed?: number;
  /** Cross-entropy weighting: `none` (plain mean) or `inverse` class frequency. Default `none`. */
  classWeights?: ClassWeighting;
  /** Stage name used in progress reports and messages. Default `Stage A`. */
  stage?: string;
  /** Receives a report after each evaluation. */
  onProgress?: (progress: TrainingProgress) => void;
}

/** Inputs of {@link trainUnimodal}. */
export interface UnimodalTrainingInput extends SplitInput {
  /** Features of one omics, one row per graph node (all nodes). */
  features: Matrix;
  /** Normalised adjacency over all nodes; training uses its first `nTrain` rows and columns. */
  graph: CsrMatrix;
  /** Architecture and schedule. */
  options?: UnimodalTrainingOptions;
}

/** Outcome of {@link trainUnimodal}. */
export interface UnimodalTrainingResult {
  /** The model at its best checkpoint. The caller disposes it. */
  model: UnimodalModel;
  /** Validation macro-F1 of the returned model. */
  valMacroF1: number;
  /** Validation cross-entropy of the returned model. */
  valLoss: number;
  /** Predicted class of each `valIdx` node, in that order. */
  valPred: Int32Array;
  /** Last epoch run. */
  stoppedAtEpoch: number;
  /** Epoch of the returned checkpoint. */
  bestEpoch: number;
  /** Every evaluation. */
  history: EvaluationRecord[];
  /** Training loss of every epoch. */
  trainLoss: number[];
  /** Conditions handled during training. */
  warnings: BmlWarning[];
}

/** Resolved optimisation settings of a unimodal trainer. */
export interface UnimodalTrainerOptions {
  /** Adam step size. */
  learningRate: number;
  /** L2 weight decay. */
  weightDecay: number;
  /** Seed of the dropout masks. */
  seed: number;
  /** Cross-entropy weighting. */
  classWeights: ClassWeighting;
}

/**
 * The per-epoch pieces of Stage A on prepared tensors. Used by
 * {@link trainUnimodal} and by benchmarks that time single epochs.
 */
export interface UnimodalTrainer {
  /** The model being trained (not owned: `dispose` leaves it). */
  readonly model: UnimodalModel;
  /** Adam over every variable of the model. */
  readonly optimizer: Adam;
  /** Training-part graph and features. */
  readonly input: NodeInput;
  /** Builds the training loss of an epoch: forward pass with dropout, cross-entropy on `fitIdx`. */
  loss(epoch: number): tf.Scalar;
  /** Scores the model on `valIdx` in evaluation mode (one host copy of the logits). */
  evaluate(): NodeScore;
  /** Frees the graph, features, targets and optimiser state. */
  dispose(): void;
}

/** Returns the dropout seed of an epoch, derived from a base seed only, so any call order gives the same masks. */
export function dropoutSeedFor(base: number, epoch: number): number {
  return (base + epoch * 7919) % 2147483647;
}

/**
 * Builds a Stage-A trainer for `model` on the training part of `input`.
 * Inputs are not checked here; {@link trainUnimodal} checks them.
 */
export function createUnimodalTrainer(
  model: UnimodalModel,
  input: Omit<UnimodalTrainingInput, 'options'>,
  options: UnimodalTrainerOptions,
): UnimodalTrainer {
  const { nTrain, labels, fitIdx, valIdx, nClasses } = input;
  const graph = prepareGraph(sliceGraph(input.graph, nTrain));
  const nodeInput = prepareNodeInput(graph, leadingRows(input.features, nTrain));
  const targets = crossEntropyTargets(labels, fitIdx, nTrain, nClasses, options.classWeights);
  const optimizer = new Adam([
    { variables: unimodalVariables(model), learningRate: options.learningRate, weightDecay: options.weightDecay },
  ]);
  const dropoutBase = new Rng(options.seed).fork('dropout').nextSeed();
  return {
    model,
    optimizer,
    input: nodeInput,
    loss(epoch) {
      const { logits } = forwardUnimodal(model, nodeInput, {
        training: true,
        dropoutSeed: dropoutSeedFor(dropoutBase, epoch),
      });
      return crossEntropy(logits, targets);
    },
    evaluate() {
      const logits = tf.tidy(() => forwardUnimodal(model, nodeInput).logits.dataSync());
      return scoreLogits(logits, nClasses, labels, valIdx);
    },
    dispose() {
      optimizer.dispose();
      disposeNodeInput(nodeInput);
      graph.dispose();
      targets.dispose();
    },
  };
}

/**
 * Trains one omics' r-GCN encoder and unimodal head (Stage A) with
 * full-batch Adam, validation macro-F1 every `evalEvery` epochs, the best
 * checkpoint and early stopping.
 */
export async function trainUnimodal(input: UnimodalTrainingInput): Promise<UnimodalTrainingResult> {
  await initBackend();
  const owner = '@bml/rgcn';
  const options = input.options ?? {};
  const encoder = resolveEncoderOptions(options, owner);
  const schedule = {
    epochs: options.epochs ?? 500,
    evalEvery: options.evalEvery ?? 10,
    patience: options.patience ?? 100,
  };
  const trainerOptions: UnimodalTrainerOptions = {
    learningRate: options.learningRate ?? 1e-3,
    weightDecay: options.weightDecay ?? 5e-4,
    seed: options.seed ?? 0,
    classWeights: options.classWeights ?? 'none',
  };
  validateSchedule(owner, schedule);
  requirePositive(owner, 'learningRate', trainerOptions.learningRate);
  requirePositive(owner, 'weightDecay', trainerOptions.weightDecay, true);
  validateGraph(input.graph, input.graph.rows, owner);
  validateFeatures(input.features, input.graph.rows, owner);
  const warnings = validateSplit(input, owner);

  const model = createUnimodalModel(
    { inputDim: input.features.cols, nClasses: input.nClasses },
    encoder,
    trainerOptions.seed,
  );
  let trainer: UnimodalTrainer | undefined;
  try {
    trainer = createUnimodalTrainer(model, input, trainerOptions);
    const active = trainer;
    const fit = fitWithEarlyStopping({
      ...schedule,
      owner,
      stage: options.stage ?? 'Stage A',
      optimizer: active.optimizer,
      loss: (epoch) => active.loss(epoch),
      evaluate: () => active.evaluate(),
      onProgress: options.onProgress,
    });
    const final = active.evaluate();
    return {
      model,
      valMacroF1: final.macroF1,
      valLoss: final.loss,
      valPred: final.pred,
      stoppedAtEpoch: fit.stoppedAtEpoch,
      bestEpoch: fit.bestEpoch,
      history: fit.history,
      trainLoss: fit.trainLoss,
      warnings,
    };
  } catch (error) {
    disposeUnimodal(model);
    throw error;
  } finally {
    trainer?.dispose();
  }
}
