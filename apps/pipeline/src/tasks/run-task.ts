/**
 * Computes one {@link Task}. Models arrive and leave as JSON, and every
 * tensor made here is freed before the result is returned, so a worker can
 * run task after task without growing.
 */
import { argmaxRows, macroF1, selectRows, type Matrix } from '@bml/core';
import { disposeAutoencoder, reduceOmics } from '@bml/autoencoder';
import { disposeMultitask, predictMultitask, trainMultitask } from '@bml/balance';
import { distillStudent } from '@bml/distill';
import {
  deserializeUnimodal,
  disposeUnimodal,
  predictUnimodal,
  serializeUnimodal,
  trainUnimodal,
  type UnimodalModel,
} from '@bml/rgcn';
import type {
  DistillTask,
  GraphTaskInput,
  MultitaskTask,
  MultitaskTaskResult,
  ReduceTask,
  ReduceTaskResult,
  Task,
  TaskResult,
  UnimodalTask,
  UnimodalTaskResult,
} from './protocol.js';

/** Runs `task` on this thread and returns its result. */
export async function runTask<T extends Task>(task: T): Promise<TaskResult<T>> {
  const start = performance.now();
  const result = await compute(task);
  return { ...result, elapsedMs: performance.now() - start } as TaskResult<T>;
}

function compute(task: Task): Promise<Omit<TaskResult<Task>, 'elapsedMs'>> {
  switch (task.kind) {
    case 'reduce':
      return runReduce(task);
    case 'unimodal':
      return runUnimodal(task);
    case 'distill':
      return runDistill(task);
    case 'multitask':
      return runMultitask(task);
  }
  throw new TypeError(`bml: unknown task kind ${(task as { kind: unknown }).kind}`);
}

async function runReduce(task: ReduceTask): Promise<Omit<ReduceTaskResult, 'elapsedMs'>> {
  const { scaled, fitIdx, valIdx, options } = task;
  const reduced = await reduceOmics(selectRows(scaled, fitIdx), [scaled], {
    ...options,
    validation: selectRows(scaled, valIdx),
  });
  const epochs = reduced.model ? reduced.model.history.epochs : null;
  if (reduced.model) disposeAutoencoder(reduced.model);
  return { codes: reduced.others[0], reduced: reduced.reduced, epochs, warnings: reduced.warnings };
}

function splitInput(task: GraphTaskInput) {
  const { graph, nTrain, labels, fitIdx, valIdx, nClasses } = task;
  return { graph, nTrain, labels, fitIdx, valIdx, nClasses };
}

/** The outcome of Stage A or Stage B for one model. */
interface TrainedUnimodal {
  model: UnimodalModel;
  valMacroF1: number;
  valLoss: number;
  valPred: Int32Array;
  stoppedAtEpoch: number;
}

/**
 * Scores a trained model on every node and on the test nodes, turns it into JSON and frees it.
 */
async function finishUnimodal(
  trained: TrainedUnimodal,
  features: Matrix,
  task: GraphTaskInput,
): Promise<Omit<UnimodalTaskResult, 'elapsedMs'>> {
  try {
    const { prob } = await predictUnimodal(trained.model, features, task.graph);
    const testPredicted = argmaxRows(prob).subarray(task.testStart);
    return {
      model: serializeUnimodal(trained.model),
      valMacroF1: trained.valMacroF1,
      valLoss: trained.valLoss,
      valPred: trained.valPred,
      stoppedAtEpoch: trained.stoppedAtEpoch,
      testMacroF1: macroF1(task.testLabels, testPredicted, task.nClasses).macroF1,
      prob,
    };
  } finally {
    disposeUnimodal(trained.model);
  }
}

async function runUnimodal(task: UnimodalTask): Promise<Omit<UnimodalTaskResult, 'elapsedMs'>> {
  const result = await trainUnimodal({ ...splitInput(task), features: task.features, options: task.options });
  return finishUnimodal(result, task.features, task);
}

async function runDistill(task: DistillTask): Promise<Omit<UnimodalTaskResult, 'elapsedMs'>> {
  const teacher = await deserializeUnimodal(task.teacher);
  const student = await deserializeUnimodal(task.student);
  try {
    const result = await distillStudent({
      ...splitInput(task),
      teacher,
      student,
      teacherFeatures: task.teacherFeatures,
      studentFeatures: task.studentFeatures,
      options: task.options,
    });
    return await finishUnimodal(result, task.studentFeatures, task);
  } finally {
    disposeUnimodal(teacher);
    disposeUnimodal(student);
  }
}

async function runMultitask(task: MultitaskTask): Promise<Omit<MultitaskTaskResult, 'elapsedMs'>> {
  const models: UnimodalModel[] = [];
  try {
    for (const json of task.models) models.push(await deserializeUnimodal(json));
    const result = await trainMultitask({
      ...splitInput(task),
      models,
      features: task.features,
      names: task.names,
      categories: task.categories,
      gate: task.gate,
      initialF1: task.initialF1,
      options: task.options,
    });
    try {
      const prediction = await predictMultitask(result.model, task.features, task.graph);
      return {
        valMacroF1: result.valMacroF1,
        perOmicsValF1: result.perOmicsValF1,
        lossWeights: result.lossWeights,
        stoppedAtEpoch: result.stoppedAtEpoch,
        prediction,
      };
    } finally {
      disposeMultitask(result.model);
    }
  } finally {
    models.forEach(disposeUnimodal);
  }
}
