import { InvalidInputError, type Matrix } from '@bml/core';
import { initBackend, tf } from '@bml/core/tensor';
import { disposeUnimodal, trainUnimodal, type UnimodalModel } from '@bml/rgcn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  categorizeModalities,
  deserializeMultitask,
  disposeMultitask,
  lossWeights,
  predictMultitask,
  serializeMultitask,
  trainMultitask,
  type LearningState,
  type MultitaskInput,
} from '../src/index.js';
import { makeFeatures, makeToyProblem } from './toy.js';

const names = ['rppa', 'mrna', 'cnv'];
const toy = makeToyProblem({ nTrain: 90, nTest: 15, features: 10, signal: 1.5, homophily: 0.5, seed: 3 });
const features: Matrix[] = [
  toy.features,
  makeFeatures(toy.allLabels, toy.nClasses, 10, 0.5, 11),
  makeFeatures(toy.allLabels, toy.nClasses, 10, 0, 12),
];
const models: UnimodalModel[] = [];
const stageAF1: number[] = [];
let state: LearningState;

beforeAll(async () => {
  await initBackend();
  const valLoss: number[] = [];
  for (const f of features) {
    const result = await trainUnimodal({ ...toy, features: f, options: { hidden: [16, 8], epochs: 40 } });
    models.push(result.model);
    stageAF1.push(result.valMacroF1);
    valLoss.push(result.valLoss);
  }
  state = categorizeModalities({ names, f1: stageAF1, valLoss, nClasses: toy.nClasses });
});

afterAll(() => models.forEach(disposeUnimodal));

function input(options: MultitaskInput['options'] = {}): MultitaskInput {
  return {
    models,
    features,
    graph: toy.graph,
    nTrain: toy.nTrain,
    labels: toy.labels,
    fitIdx: toy.fitIdx,
    valIdx: toy.valIdx,
    nClasses: toy.nClasses,
    names,
    categories: state.categoryList,
    initialF1: stageAF1,
    options: { epochs: 40, evalEvery: 10, ...options },
  };
}

function weightsOf(model: UnimodalModel): number[] {
  return Array.from(model.layers[0].weight.dataSync());
}

describe('trainMultitask', () => {
  it('starts from the expected learning state', () => {
    expect(state.categoryList).toEqual(['strong', 'weak', 'lowInformation']);
  });

  it('learns a fused classifier and records the loss weights', async () => {
    const result = await trainMultitask(input({ epochs: 60, headLearningRate: 1e-2 }));
    expect(result.valMacroF1).toBeGreaterThanOrEqual(0.9);
    expect(result.perOmicsValF1).toHaveLength(3);
    expect(result.trainLoss[result.trainLoss.length - 1]).toBeLessThan(result.trainLoss[0]);
    // Epoch 1 uses the weights of the Stage-A F1s; each evaluation sets those of the next epoch.
    expect(result.lossWeights[0]).toEqual({
      epoch: 1,
      weights: lossWeights({ f1: stageAF1, categories: state.categoryList }),
    });
    expect(result.lossWeights.map((r) => r.epoch)).toEqual([1, 11, 21, 31, 41, 51]);
    expect(result.lossWeights.every((r) => r.weights[2] === 0.1)).toBe(true);
    const h = result.history[0];
    expect(h.smoothedF1[1]).toBeCloseTo(0.9 * stageAF1[1] + 0.1 * h.perOmicsMacroF1[1], 12);
    expect(result.lossWeights[1].weights).toEqual(lossWeights({ f1: h.smoothedF1, categories: state.categoryList }));
    // The input models are copied, not trained in place.
    expect(result.model.unimodal[0]).not.toBe(models[0]);
    disposeMultitask(result.model);
  });

  it('gives identical results for the same seed', async () => {
    const a = await trainMultitask(input({ epochs: 20, seed: 5 }));
    const b = await trainMultitask(input({ epochs: 20, seed: 5 }));
    expect(b.trainLoss).toEqual(a.trainLoss);
    expect(b.valMacroF1).toBe(a.valMacroF1);
    expect(b.lossWeights).toEqual(a.lossWeights);
    disposeMultitask(a.model);
    disposeMultitask(b.model);
  });

  it('holds every weight at 1 during the warm-up and selects after it', async () => {
    const result = await trainMultitask(input({ epochs: 30, warmup: 15 }));
    expect(result.lossWeights[0]).toEqual({ epoch: 1, weights: [1, 1, 1] });
    expect(result.lossWeights[1].epoch).toBe(16);
    expect(result.lossWeights[1].weights[2]).toBe(0.1);
    expect(result.bestEpoch).toBeGreaterThan(15);
    disposeMultitask(result.model);
  });

  it('keeps every weight at 1 with uniform weighting', async () => {
    const result = await trainMultitask(input({ epochs: 20, weighting: 'uniform' }));
    expect(result.lossWeights).toEqual([{ epoch: 1, weights: [1, 1, 1] }]);
    disposeMultitask(result.model);
  });

  it('trains a VCDN fusion head', async () => {
    const result = await trainMultitask(input({ epochs: 60, fusion: 'vcdn', headLearningRate: 5e-3 }));
    expect(result.model.fusion.kind).toBe('vcdn');
    expect(result.valMacroF1).toBeGreaterThan(0.8);
    disposeMultitask(result.model);
  });

  it('leaves the encoders to their own losses when the fusion is detached', async () => {
    // Every unimodal weight is 0 (all low-information, gammaLow 0) and there is no weight decay,
    // so the fused loss is the only source of encoder gradients.
    const base = input({ epochs: 10, gammaLow: 0, weightDecay: 0 });
    const allLow = { ...base, categories: ['lowInformation', 'lowInformation', 'lowInformation'] as const };
    const detached = await trainMultitask({ ...allLow, categories: [...allLow.categories], options: { ...base.options, detachFusion: true } });
    expect(weightsOf(detached.model.unimodal[0])).toEqual(weightsOf(models[0]));
    const joint = await trainMultitask({ ...allLow, categories: [...allLow.categories] });
    expect(weightsOf(joint.model.unimodal[0])).not.toEqual(weightsOf(models[0]));
    disposeMultitask(detached.model);
    disposeMultitask(joint.model);
  });

  it('stops early and keeps the tensor count flat', async () => {
    const before = tf.memory().numTensors;
    const result = await trainMultitask(
      input({ epochs: 500, evalEvery: 5, patience: 20, encoderLearningRate: 5e-3, headLearningRate: 1e-2 }),
    );
    expect(result.stoppedAtEpoch).toBeLessThan(500);
    expect(result.stoppedAtEpoch - result.bestEpoch).toBeGreaterThanOrEqual(20);
    disposeMultitask(result.model);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects mismatched omics lists', async () => {
    await expect(trainMultitask({ ...input(), initialF1: [0.5, 0.5] })).rejects.toThrow(InvalidInputError);
    await expect(trainMultitask({ ...input(), initialF1: [0.5, 0.5] })).rejects.toThrow(
      /initialF1 has 2 entries but there are 3 models/,
    );
    await expect(trainMultitask(input({ warmup: 40 }))).rejects.toThrow(/warmup \(40\) must be smaller than epochs/);
  });
});

describe('predictMultitask', () => {
  it('round-trips the model through JSON with identical predictions', async () => {
    const result = await trainMultitask(input({ epochs: 20, fusion: 'vcdn' }));
    const restored = await deserializeMultitask(JSON.parse(JSON.stringify(serializeMultitask(result.model))));
    const a = await predictMultitask(result.model, features, toy.graph);
    const b = await predictMultitask(restored, features, toy.graph);
    expect(Array.from(b.prob.data)).toEqual(Array.from(a.prob.data));
    expect(a.perOmics).toHaveLength(3);
    expect(a.prob.rows).toBe(toy.graph.rows);
    for (let i = 0; i < a.prob.rows; i++) {
      const row = a.prob.data.subarray(i * 3, i * 3 + 3);
      expect(row[0] + row[1] + row[2]).toBeCloseTo(1, 5);
    }
    expect(restored.names).toEqual(names);
    disposeMultitask(result.model);
    disposeMultitask(restored);
  });

  it('rejects a feature list of the wrong length', async () => {
    const result = await trainMultitask(input({ epochs: 10 }));
    await expect(predictMultitask(result.model, features.slice(0, 2), toy.graph)).rejects.toThrow(
      /2 feature matrices for a model of 3 omics/,
    );
    disposeMultitask(result.model);
  });
});
