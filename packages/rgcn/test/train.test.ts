import { InvalidInputError, accuracy, argmaxRows, selectRows } from '@bml/core';
import { initBackend, tf } from '@bml/core/tensor';
import { maxAbsDiff } from '@bml/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  disposeUnimodal,
  leadingRows,
  MOGONET_ENCODER,
  predictUnimodal,
  sliceGraph,
  trainUnimodal,
  type TrainingProgress,
} from '../src/index.js';
import { makeToyProblem } from './toy.js';

beforeAll(async () => {
  await initBackend();
});

const quick = { hidden: [32, 16], epochs: 60, evalEvery: 5, patience: 100 };

describe('trainUnimodal', () => {
  it('learns a separable toy graph', async () => {
    const toy = makeToyProblem();
    const progress: TrainingProgress[] = [];
    const result = await trainUnimodal({ ...toy, options: { ...quick, seed: 1, onProgress: (p) => progress.push(p) } });
    expect(result.valMacroF1).toBeGreaterThanOrEqual(0.9);
    const first = result.trainLoss[0];
    const lastTen = result.trainLoss.slice(-10).reduce((a, b) => a + b, 0) / 10;
    expect(lastTen).toBeLessThan(first / 2);
    expect(result.valPred).toHaveLength(toy.valIdx.length);
    expect(progress.map((p) => p.epoch)).toEqual(result.history.map((h) => h.epoch));
    expect(progress[0].stage).toBe('Stage A');
    expect(result.warnings).toEqual([]);

    const prediction = await predictUnimodal(result.model, toy.features, toy.graph);
    const testIdx = Array.from({ length: toy.graph.rows - toy.nTrain }, (_, i) => toy.nTrain + i);
    const testPred = argmaxRows(selectRows(prediction.prob, testIdx));
    expect(accuracy(toy.allLabels.slice(toy.nTrain), testPred)).toBeGreaterThan(0.8);
    for (let i = 0; i < prediction.prob.rows; i++) {
      const row = prediction.prob.data.subarray(i * 3, i * 3 + 3);
      expect(row[0] + row[1] + row[2]).toBeCloseTo(1, 5);
    }
    disposeUnimodal(result.model);
  });

  it('gives training nodes the same outputs with and without attached nodes', async () => {
    const toy = makeToyProblem();
    const result = await trainUnimodal({ ...toy, options: { ...quick, epochs: 10, seed: 2 } });
    const full = await predictUnimodal(result.model, toy.features, toy.graph);
    const trainingOnly = await predictUnimodal(
      result.model,
      leadingRows(toy.features, toy.nTrain),
      sliceGraph(toy.graph, toy.nTrain),
    );
    const n = toy.nTrain * full.embedding.cols;
    expect(maxAbsDiff(full.embedding.data.subarray(0, n), trainingOnly.embedding.data)).toBeLessThan(1e-6);
    disposeUnimodal(result.model);
  });

  it('gives identical results for the same seed', async () => {
    const toy = makeToyProblem({ seed: 4 });
    const run = () => trainUnimodal({ ...toy, options: { ...quick, epochs: 30, seed: 7 } });
    const a = await run();
    const b = await run();
    expect(b.trainLoss).toEqual(a.trainLoss);
    expect(b.valMacroF1).toBe(a.valMacroF1);
    expect(b.valLoss).toBe(a.valLoss);
    expect(Array.from(b.valPred)).toEqual(Array.from(a.valPred));
    const c = await trainUnimodal({ ...toy, options: { ...quick, epochs: 30, seed: 8 } });
    expect(c.trainLoss).not.toEqual(a.trainLoss);
    for (const r of [a, b, c]) disposeUnimodal(r.model);
  });

  it('stops early once validation stops improving', async () => {
    // Weak features and a noisy graph: the model overfits the fit nodes and validation stalls.
    const toy = makeToyProblem({ signal: 0.25, features: 40, homophily: 0.4, seed: 5 });
    const result = await trainUnimodal({
      ...toy,
      options: { hidden: [32], epochs: 600, evalEvery: 5, patience: 40, seed: 3, learningRate: 0.01 },
    });
    expect(result.stoppedAtEpoch).toBeLessThan(600);
    expect(result.stoppedAtEpoch - result.bestEpoch).toBeGreaterThanOrEqual(40);
    const best = result.history.find((h) => h.epoch === result.bestEpoch)!;
    expect(result.valMacroF1).toBeCloseTo(best.macroF1, 12);
    expect(result.history.every((h) => h.macroF1 <= best.macroF1)).toBe(true);
    disposeUnimodal(result.model);
  });

  it('keeps the tensor count flat', async () => {
    const toy = makeToyProblem();
    const before = tf.memory().numTensors;
    const result = await trainUnimodal({ ...toy, options: { ...quick, epochs: 20 } });
    // Two layers with self weight (3 variables each) plus the head's 2.
    expect(tf.memory().numTensors).toBe(before + 8);
    disposeUnimodal(result.model);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains the MOGONET encoder with inverse class weights', async () => {
    const toy = makeToyProblem({ seed: 6 });
    const result = await trainUnimodal({
      ...toy,
      options: { ...MOGONET_ENCODER, hidden: [24, 24, 12], epochs: 40, evalEvery: 10, classWeights: 'inverse' },
    });
    expect(result.model.layers.map((l) => l.selfWeight)).toEqual([null, null, null]);
    expect(result.valMacroF1).toBeGreaterThan(0.8);
    disposeUnimodal(result.model);
  });

  it('warns about a class without fit nodes', async () => {
    const toy = makeToyProblem();
    const fitIdx = toy.fitIdx.filter((i) => toy.labels[i] !== 2);
    const result = await trainUnimodal({ ...toy, fitIdx, options: { ...quick, epochs: 5 } });
    expect(result.warnings.map((w) => w.code)).toEqual(['CLASS_ABSENT_FROM_FIT']);
    disposeUnimodal(result.model);
  });

  describe('input checks', () => {
    const toy = makeToyProblem();
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['overlapping index sets', { valIdx: [toy.fitIdx[0]] }, /disjoint/],
      ['an index outside the training part', { fitIdx: [toy.nTrain] }, /not a training-part node/],
      ['a label out of range', { labels: new Int32Array(toy.nTrain).fill(5) }, /outside the class codes/],
      ['labels of the wrong length', { labels: new Int32Array(3) }, /one label per training-part node/],
      ['an empty validation set', { valIdx: [] }, /valIdx is empty/],
      [
        'a non-finite feature',
        { features: { ...toy.features, data: toy.features.data.map((v, i) => (i === 7 ? NaN : v)) } },
        /non-finite value \(NaN\) at row 0, column 7/,
      ],
      ['a feature row count that differs', { features: leadingRows(toy.features, 10) }, /one row per node/],
      ['a negative patience', { options: { patience: -1 } }, /patience must be an integer >= 1/],
    ];
    for (const [name, change, message] of cases) {
      it(`rejects ${name}`, async () => {
        const call = trainUnimodal({ ...toy, ...change } as Parameters<typeof trainUnimodal>[0]);
        await expect(call).rejects.toThrow(InvalidInputError);
        await expect(trainUnimodal({ ...toy, ...change } as Parameters<typeof trainUnimodal>[0])).rejects.toThrow(
          message,
        );
      });
    }
  });
});
