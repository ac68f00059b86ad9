import { InvalidInputError } from '@bml/core';
import { initBackend, tf } from '@bml/core/tensor';
import { disposeUnimodal, trainUnimodal, type UnimodalModel } from '@bml/rgcn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distillStudent, type DistillationInput } from '../src/index.js';
import { makeFeatures, makeToyProblem } from './toy.js';

const toy = makeToyProblem({ nTrain: 90, nTest: 15, features: 10, signal: 1.5, homophily: 0.6, seed: 2 });
const weakFeatures = makeFeatures(toy.allLabels, toy.nClasses, 10, 0.3, 9);
let teacher: UnimodalModel;
let student: UnimodalModel;

beforeAll(async () => {
  await initBackend();
  const split = { graph: toy.graph, nTrain: toy.nTrain, labels: toy.labels, fitIdx: toy.fitIdx, valIdx: toy.valIdx };
  const common = { ...split, nClasses: toy.nClasses };
  teacher = (await trainUnimodal({ ...common, features: toy.features, options: { hidden: [32, 16], epochs: 60 } })).model;
  const stageA = await trainUnimodal({ ...common, features: weakFeatures, options: { hidden: [24, 8], epochs: 30 } });
  student = stageA.model;
});

afterAll(() => {
  disposeUnimodal(teacher);
  disposeUnimodal(student);
});

function baseInput(options: DistillationInput['options'] = {}): DistillationInput {
  return {
    teacher,
    student,
    teacherFeatures: toy.features,
    studentFeatures: weakFeatures,
    graph: toy.graph,
    nTrain: toy.nTrain,
    labels: toy.labels,
    fitIdx: toy.fitIdx,
    valIdx: toy.valIdx,
    nClasses: toy.nClasses,
    options: { epochs: 60, evalEvery: 10, ...options },
  };
}

function snapshot(model: UnimodalModel): number[] {
  return [...model.layers.flatMap((l) => Array.from(l.weight.dataSync())), ...Array.from(model.head.weight.dataSync())];
}

describe('distillStudent', () => {
  it('moves the student toward the teacher and leaves both inputs unchanged', async () => {
    const teacherBefore = snapshot(teacher);
    const studentBefore = snapshot(student);
    const result = await distillStudent(baseInput({ learningRate: 5e-3 }));
    const first = result.history[0];
    const last = result.history[result.history.length - 1];
    expect(last.kl).toBeLessThan(first.kl);
    expect(last.feature).toBeLessThan(first.feature);
    expect(result.trainLoss[result.trainLoss.length - 1]).toBeLessThan(result.trainLoss[0]);
    expect(snapshot(teacher)).toEqual(teacherBefore);
    expect(snapshot(student)).toEqual(studentBefore);
    expect(snapshot(result.model)).not.toEqual(studentBefore);
    // The projection is only a training aid: the returned model has the student's architecture.
    expect(result.model.config).toEqual(student.config);
    expect(result.valMacroF1).toBeGreaterThan(0.5);
    disposeUnimodal(result.model);
  });

  it('gives identical results for the same seed', async () => {
    const a = await distillStudent(baseInput({ epochs: 20, seed: 4 }));
    const b = await distillStudent(baseInput({ epochs: 20, seed: 4 }));
    expect(b.trainLoss).toEqual(a.trainLoss);
    expect(b.history).toEqual(a.history);
    expect(Array.from(b.valPred)).toEqual(Array.from(a.valPred));
    disposeUnimodal(a.model);
    disposeUnimodal(b.model);
  });

  it('agrees more with the teacher under the KL term alone', async () => {
    const result = await distillStudent(
      baseInput({ alpha: 0, beta: 1, gamma: 0, epochs: 100, learningRate: 5e-3, softNodes: 'all' }),
    );
    expect(result.history[result.history.length - 1].kl).toBeLessThan(result.history[0].kl / 2);
    disposeUnimodal(result.model);
  });

  it('stops early and keeps the tensor count flat', async () => {
    const before = tf.memory().numTensors;
    const result = await distillStudent(baseInput({ epochs: 400, evalEvery: 5, patience: 15, learningRate: 1e-2 }));
    expect(result.stoppedAtEpoch).toBeLessThan(400);
    expect(result.stoppedAtEpoch - result.bestEpoch).toBeGreaterThanOrEqual(15);
    disposeUnimodal(result.model);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('accepts the teacher as its own student', async () => {
    const input = { ...baseInput({ epochs: 10, learningRate: 1e-7 }), studentFeatures: toy.features, student: teacher };
    const result = await distillStudent(input);
    expect(result.history[0].feature).toBeLessThan(1e-3);
    disposeUnimodal(result.model);
  });

  it('rejects features of another omics', async () => {
    const wrong = { ...baseInput(), teacherFeatures: makeFeatures(toy.allLabels, 3, 7, 1, 1) };
    await expect(distillStudent(wrong)).rejects.toThrow(InvalidInputError);
    await expect(distillStudent(wrong)).rejects.toThrow(/teacher model expects 10 features/);
  });
});
