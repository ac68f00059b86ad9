/**
 * Stage B: a weak omics' encoder and head (the student, initialised from
 * its Stage-A weights) learn from the frozen encoder and head of the strong
 * omics (the teacher) on the shared patient graph.
 */
import { InvalidInputError, Rng, type BmlWarning, type CsrMatrix, type Matrix } from '@bml/core';
import { initBackend, tf } from '@bml/core/tensor';
import {
  Adam,
  applyDense,
  cloneUnimodal,
  createDense,
  denseVariables,
  disposeNodeInput,
  disposeUnimodal,
  dropoutSeedFor,
  fitWithEarlyStopping,
  forwardUnimodal,
  leadingRows,
  prepareGraph,
  prepareNodeInput,
  requirePositive,
  scoreLogits,
  sliceGraph,
  unimodalVariables,
  validateFeatures,
  validateGraph,
  validateSchedule,
  validateSplit,
  type DenseLayer,
  type EvaluationRecord,
  type NodeInput,
  type NodeScore,
  type PreparedGraph,
  type SplitInput,
  type TrainingProgress,
  type UnimodalModel,
} from '@bml/rgcn';
import {
  buildDistillationTargets,
  disposeDistillationTargets,
  distillationTerms,
  resolveDistillationWeights,
  type DistillationLossTerms,
  type DistillationTargets,
  type DistillationWeights,
} from './loss.js';

const OWNER = '@bml/distill';

/** Options of {@link distillStudent}. */
export interface DistillationOptions extends DistillationWeights {
  /** Epoch cap. Default 300. */
  epochs?: number;
  /** Adam step size for the student and the projection. Default 5e-4. */
  learningRate?: number;
  /** L2 weight decay added to the gradient (PyTorch Adam semantics). Default 5e-4. */
  weightDecay?: number;
  /** Validate every this many epochs. Default 10. */
  evalEvery?: number;
  /** Stop after this many epochs without a better validation macro-F1. Default 100. */
  patience?: number;
  /** Seed of the projection's initial weights and the dropout masks. Default 0. */
  seed?: number;
  /**
   * Nodes of the KL and feature terms: `fit` (the labelled fit nodes, like
   * the cross-entropy) or `all` (every training-part node, validation nodes
   * included, because teacher outputs need no labels). With `all` the
   * validation labels stay unused, but validation macro-F1 becomes somewhat
   * optimistic. Default `fit`.
   */
  softNodes?: 'fit' | 'all';
  /** Stage name used in progress reports and messages. Default `Stage B`. */
  stage?: string;
  /** Receives a report after each evaluation. */
  onProgress?: (progress: TrainingProgress) => void;
}

/** Inputs of {@link distillStudent}. */
export interface DistillationInput extends SplitInput {
  /** Trained model of the strong omics; frozen and left unchanged. */
  teacher: UnimodalModel;
  /** Stage-A model of the weak omics; copied, so it is left unchanged. */
  student: UnimodalModel;
  /** Features of the teacher's omics, one row per graph node. */
  teacherFeatures: Matrix;
  /** Features of the student's omics, one row per graph node. */
  studentFeatures: Matrix;
  /** Normalised adjacency over all nodes; training uses the first `nTrain` rows and columns. */
  graph: CsrMatrix;
  /** Loss weights and schedule. */
  options?: DistillationOptions;
}

/** One evaluation of distillation, with the loss terms of the evaluation-mode pass on the fit nodes. */
export interface DistillationRecord extends EvaluationRecord {
  /** Mean cross-entropy with the labels. */
  crossEntropy: number;
  /** Mean KL(p_t^T ‖ p_s^T), without the T² factor. */
  kl: number;
  /** Mean (1/d) ‖h_t − h_s‖². */
  feature: number;
}

/** Outcome of {@link distillStudent}. */
export interface DistillationResult {
  /** The distilled student at its best checkpoint (a new model; the caller disposes it). */
  model: UnimodalModel;
  /** Validation macro-F1 of the returned student. */
  valMacroF1: number;
  /** Validation cross-entropy of the returned student. */
  valLoss: number;
  /** Predicted class of each `valIdx` node, in that order. */
  valPred: Int32Array;
  /** Last epoch run. */
  stoppedAtEpoch: number;
  /** Epoch of the returned checkpoint. */
  bestEpoch: number;
  /** Every evaluation with its loss terms. */
  history: DistillationRecord[];
  /** Training loss L_KD of every epoch (with dropout). */
  trainLoss: number[];
  /** Conditions handled during training. */
  warnings: BmlWarning[];
}

/** Resolved settings of a distillation trainer. */
export interface DistillationTrainerOptions {
  /** Loss weights and temperature. */
  weights: Required<DistillationWeights>;
  /** Adam step size. */
  learningRate: number;
  /** L2 weight decay. */
  weightDecay: number;
  /** Seed of the projection and the dropout masks. */
  seed: number;
  /** Nodes of the KL and feature terms. */
  softNodes: 'fit' | 'all';
}

/**
 * The per-epoch pieces of Stage B on prepared tensors. Used by
 * {@link distillStudent} and by benchmarks that time single epochs.
 */
export interface DistillationTrainer {
  /** The student being trained (not owned: `dispose` leaves it). */
  readonly student: UnimodalModel;
  /** Linear map from the student's embedding width to the teacher's, or `null` when they agree. */
  readonly projection: DenseLayer | null;
  /** Adam over the student's variables and the projection's. */
  readonly optimizer: Adam;
  /** Builds the training loss L_KD of an epoch (forward pass with dropout). */
  loss(epoch: number): tf.Scalar;
  /** Scores the student on `valIdx` in evaluation mode. */
  evaluate(): NodeScore;
  /** Returns the loss terms of the evaluation-mode pass (one host copy). */
  terms(): { crossEntropy: number; kl: number; feature: number };
  /** Frees the graph, features, targets, projection and optimiser state. */
  dispose(): void;
}

/**
 * Builds a Stage-B trainer that updates `student` in place. The teacher's
 * outputs on the training part are computed once, in evaluation mode.
 * Inputs are not checked here; {@link distillStudent} checks them.
 */
export function createDistillationTrainer(
  input: Omit<DistillationInput, 'options'>,
  student: UnimodalModel,
  options: DistillationTrainerOptions,
): DistillationTrainer {
  const { nTrain, labels, fitIdx, valIdx, nClasses, teacher } = input;
  const graph: PreparedGraph = prepareGraph(sliceGraph(input.graph, nTrain, OWNER));
  const studentInput: NodeInput = prepareNodeInput(graph, leadingRows(input.studentFeatures, nTrain));
  const teacherInput: NodeInput = prepareNodeInput(graph, leadingRows(input.teacherFeatures, nTrain));
  const { logits: teacherLogits, embedding: teacherEmbedding } = tf.tidy(() => forwardUnimodal(teacher, teacherInput));
  disposeNodeInput(teacherInput);

  const rowLabels = new Int32Array(nTrain).fill(-1);
  for (const i of Array.from(fitIdx)) rowLabels[i] = labels[i];
  const softRows = options.softNodes === 'all' ? Array.from({ length: nTrain }, (_, i) => i) : Array.from(fitIdx);
  const targets: DistillationTargets = buildDistillationTargets(
    teacherLogits,
    teacherEmbedding,
    rowLabels,
    softRows,
    options.weights.temperature,
  );
  tf.dispose([teacherLogits, teacherEmbedding]);

  const rng = new Rng(options.seed);
  const studentWidth = student.config.hidden[student.config.hidden.length - 1];
  const teacherWidth = teacher.config.hidden[teacher.config.hidden.length - 1];
  const projection = studentWidth === teacherWidth ? null : createDense(rng.fork('projection'), studentWidth, teacherWidth);
  const variables = [...unimodalVariables(student), ...(projection ? denseVariables(projection) : [])];
  const optimizer = new Adam([{ variables, learningRate: options.learningRate, weightDecay: options.weightDecay }]);
  const dropoutBase = rng.fork('dropout').nextSeed();

  const termsOf = (training: boolean, epoch: number): DistillationLossTerms => {
    const out = forwardUnimodal(student, studentInput, { training, dropoutSeed: dropoutSeedFor(dropoutBase, epoch) });
    const embedding = projection ? applyDense(projection, out.embedding) : out.embedding;
    return distillationTerms(out.logits, embedding, targets, options.weights);
  };

  return {
    student,
    projection,
    optimizer,
    loss: (epoch) => termsOf(true, epoch).total,
    evaluate() {
      const logits = tf.tidy(() => forwardUnimodal(student, studentInput).logits.dataSync());
      return scoreLogits(logits, nClasses, labels, valIdx);
    },
    terms() {
      const values = tf.tidy(() => {
        const t = termsOf(false, 0);
        return tf.stack([t.crossEntropy, t.kl, t.feature]).dataSync();
      });
      return { crossEntropy: values[0], kl: values[1], feature: values[2] };
    },
    dispose() {
      optimizer.dispose();
      if (projection) tf.dispose(denseVariables(projection));
      disposeDistillationTargets(targets);
      disposeNodeInput(studentInput);
      graph.dispose();
    },
  };
}

function checkModels(input: DistillationInput): void {
  const { teacher, student, nClasses } = input;
  for (const [role, model, features] of [
    ['teacher', teacher, input.teacherFeatures],
    ['student', student, input.studentFeatures],
  ] as const) {
    if (model.config.nClasses !== nClasses) {
      throw new InvalidInputError(
        `${OWNER}: the ${role} model has ${model.config.nClasses} classes but nClasses = ${nClasses}`,
        'CLASS_COUNT_MISMATCH',
      );
    }
    if (model.config.inputDim !== features.cols) {
      throw new InvalidInputError(
        `${OWNER}: the ${role} model expects ${model.config.inputDim} features but ${role}Features has ` +
          `${features.cols} columns; pass the features of the omics the ${role} was trained on`,
        'FEATURES_WIDTH_MISMATCH',
      );
    }
  }
}

/**
 * Distils the frozen teacher into a copy of the student (Stage B): full-batch
 * Adam on L_KD over the fit nodes, validation macro-F1 every `evalEvery`
 * epochs, the best checkpoint and early stopping. A linear projection maps
 * the student's embedding to the teacher's width when they differ; it only
 * serves the feature term and is discarded afterwards.
 */
export async function distillStudent(input: DistillationInput): Promise<DistillationResult> {
  await initBackend();
  const options = input.options ?? {};
  const weights = resolveDistillationWeights(options, OWNER);
  const schedule = {
    epochs: options.epochs ?? 300,
    evalEvery: options.evalEvery ?? 10,
    patience: options.patience ?? 100,
  };
  const trainerOptions: DistillationTrainerOptions = {
    weights,
    learningRate: options.learningRate ?? 5e-4,
    weightDecay: options.weightDecay ?? 5e-4,
    seed: options.seed ?? 0,
    softNodes: options.softNodes ?? 'fit',
  };
  validateSchedule(OWNER, schedule);
  requirePositive(OWNER, 'learningRate', trainerOptions.learningRate);
  requirePositive(OWNER, 'weightDecay', trainerOptions.weightDecay, true);
  if (trainerOptions.softNodes !== 'fit' && trainerOptions.softNodes !== 'all') {
    throw new InvalidInputError(`${OWNER}: softNodes must be "fit" or "all", got ${String(trainerOptions.softNodes)}`);
  }
  validateGraph(input.graph, input.graph.rows, OWNER);
  validateFeatures(input.teacherFeatures, input.graph.rows, OWNER, 'teacherFeatures');
  validateFeatures(input.studentFeatures, input.graph.rows, OWNER, 'studentFeatures');
  const warnings = validateSplit(input, OWNER);
  checkModels(input);

  const student = cloneUnimodal(input.student);
  let trainer: DistillationTrainer | undefined;
  try {
    trainer = createDistillationTrainer(input, student, trainerOptions);
    const active = trainer;
    const terms = new Map<number, { crossEntropy: number; kl: number; feature: number }>();
    const fit = fitWithEarlyStopping({
      ...schedule,
      owner: OWNER,
      stage: options.stage ?? 'Stage B',
      optimizer: active.optimizer,
      loss: (epoch) => active.loss(epoch),
      evaluate: (epoch) => {
        terms.set(epoch, active.terms());
        return active.evaluate();
      },
      onProgress: options.onProgress,
    });
    const final = active.evaluate();
    return {
      model: student,
      valMacroF1: final.macroF1,
      valLoss: final.loss,
      valPred: final.pred,
      stoppedAtEpoch: fit.stoppedAtEpoch,
      bestEpoch: fit.bestEpoch,
      history: fit.history.map((record) => ({ ...record, ...terms.get(record.epoch)! })),
      trainLoss: fit.trainLoss,
      warnings,
    };
  } catch (error) {
    disposeUnimodal(student);
    throw error;
  } finally {
    trainer?.dispose();
  }
}
