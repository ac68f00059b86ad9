/**
 * The stages of a split that train a network, as self-contained tasks. A task
 * contains plain data only (matrices, graphs, model weights as JSON), so it can
 * run on the calling thread or be copied to a worker thread by structured
 * cloning. Either way the same function computes it from the same values, so
 * the result does not depend on where it ran.
 */
import type { BmlWarning, CsrMatrix, Matrix } from '@bml/core';
import type { MultitaskOptions, LossWeightRecord, ModalityCategory, MultitaskPrediction } from '@bml/balance';
import type { DistillationOptions } from '@bml/distill';
import type { UnimodalModelJson, UnimodalTrainingOptions } from '@bml/rgcn';

/** Autoencoder options of a {@link ReduceTask}, as `reduceOmics` takes them. */
export interface ReduceTaskOptions {
  codeSize: number;
  hidden?: number[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  patience: number;
  seed: number;
}

/** Reduce one omics of one split to autoencoder codes. */
export interface ReduceTask {
  kind: 'reduce';
  /** Preprocessed values of every graph node (training part first). */
  scaled: Matrix;
  /** Rows of `scaled` the autoencoder is fitted on. */
  fitIdx: number[];
  /** Rows of `scaled` used for early stopping. */
  valIdx: number[];
  options: ReduceTaskOptions;
}

/** Timing reported with every task result. */
export interface TaskTiming {
  /** Milliseconds the task computed, not counting time spent waiting for a worker. */
  elapsedMs: number;
}

/** Outcome of a {@link ReduceTask}. */
export interface ReduceTaskResult extends TaskTiming {
  /** Z-scored codes of every row of `scaled`, or `scaled` itself when the omics was not reduced. */
  codes: Matrix;
  /** Whether the autoencoder ran. */
  reduced: boolean;
  /** Epochs the autoencoder trained, or null when it did not run. */
  epochs: number | null;
  warnings: BmlWarning[];
}

/** The graph and labels shared by every r-GCN task of a split. */
export interface GraphTaskInput {
  /** Normalised adjacency over all nodes, training part first. */
  graph: CsrMatrix;
  /**
   * Nodes the networks train on: the first `nTrain` of the graph. That is the training part in
   * inductive mode and every node in transductive mode.
   */
  nTrain: number;
  /** Class code of each of the first `nTrain` nodes. Only `fitIdx` and `valIdx` are read. */
  labels: Int32Array;
  /** Nodes whose labels the loss uses. */
  fitIdx: number[];
  /** Nodes used for model selection. */
  valIdx: number[];
  /** Number of classes. */
  nClasses: number;
  /** First test node. The test nodes run from here to the last node of the graph. */
  testStart: number;
  /** Class code of each test node, in node order, for scoring only. */
  testLabels: Int32Array;
}

/** Stage A: train the r-GCN encoder and head of one omics. */
export interface UnimodalTask extends GraphTaskInput {
  kind: 'unimodal';
  features: Matrix;
  options: Omit<UnimodalTrainingOptions, 'onProgress'>;
}

/** Stage B: distil the strong omics' model into one student. */
export interface DistillTask extends GraphTaskInput {
  kind: 'distill';
  teacher: UnimodalModelJson;
  student: UnimodalModelJson;
  teacherFeatures: Matrix;
  studentFeatures: Matrix;
  options: Omit<DistillationOptions, 'onProgress'>;
}

/** Outcome of a {@link UnimodalTask} or a {@link DistillTask}. */
export interface UnimodalTaskResult extends TaskTiming {
  /** The trained model at its best checkpoint. */
  model: UnimodalModelJson;
  valMacroF1: number;
  valLoss: number;
  /** Predicted class of each validation node, in `valIdx` order. */
  valPred: Int32Array;
  stoppedAtEpoch: number;
  /** Macro-F1 of the model on the test nodes. */
  testMacroF1: number;
  /** Class probabilities of every node. */
  prob: Matrix;
}

/** Stage C: train the fused head and every omics' head together, then predict every node. */
export interface MultitaskTask extends GraphTaskInput {
  kind: 'multitask';
  models: UnimodalModelJson[];
  features: Matrix[];
  names: string[];
  categories: ModalityCategory[];
  gate: number[];
  initialF1: number[];
  options: Omit<MultitaskOptions, 'onProgress'>;
}

/** Outcome of a {@link MultitaskTask}. */
export interface MultitaskTaskResult extends TaskTiming {
  valMacroF1: number;
  perOmicsValF1: number[];
  lossWeights: LossWeightRecord[];
  stoppedAtEpoch: number;
  /** Fused and per-omics class probabilities of every node. */
  prediction: MultitaskPrediction;
}

/** Any task. */
export type Task = ReduceTask | UnimodalTask | DistillTask | MultitaskTask;

/** The result type of each task kind. */
export interface TaskResults {
  reduce: ReduceTaskResult;
  unimodal: UnimodalTaskResult;
  distill: UnimodalTaskResult;
  multitask: MultitaskTaskResult;
}

/** Result of task `T`. */
export type TaskResult<T extends Task> = TaskResults[T['kind']];

/**
 * Runs tasks. `priority` orders waiting tasks (lower first, then first come),
 * so a pool finishes earlier splits first and frees their memory.
 */
export interface TaskExecutor {
  run<T extends Task>(task: T, priority: number): Promise<TaskResult<T>>;
  /** Stops the executor: tasks not yet started, and any asked for later, reject. */
  close(): void;
}
