import { createMatrix, Rng, type CsrMatrix, type Matrix } from '@bml/core';
import { product, tf } from '@bml/core/tensor';
import {
  createFusionHead,
  createMultitaskTrainer,
  disposeMultitask,
  type ModalityCategory,
  type MultitaskModel,
} from '@bml/balance';
import { createDistillationTrainer, resolveDistillationWeights } from '@bml/distill';
import {
  createUnimodalModel,
  createUnimodalTrainer,
  DEFAULT_ENCODER,
  MOGONET_ENCODER,
  disposeUnimodal,
  trainStep,
  type Adam,
  type EncoderOptions,
} from '@bml/rgcn';
import type { BenchCase, Suite } from '../types.js';

/** Epochs timed per case (each timed run is one epoch). */
const REPEATS = 100;

/**
 * Epochs trained in the untimed warm-up run. The first few dozen epochs run slower while V8
 * compiles TensorFlow.js's code paths, and training runs hundreds of epochs, so the steady state
 * is what counts.
 */
const WARMUP_EPOCHS = 30;

/**
 * Returns a random graph over `nodes` nodes in the form training uses. Each
 * node draws `k` distinct neighbours uniformly, with weights in (0.5, 1].
 * The adjacency is symmetrised by element-wise max, gets self loops of
 * weight 1 and is normalised as D^-1/2 (A + I) D^-1/2.
 */
function randomGraph(nodes: number, k: number, seed: number): CsrMatrix {
  const rng = new Rng(seed);
  const rows = Array.from({ length: nodes }, () => new Map<number, number>());
  for (let i = 0; i < nodes; i++) {
    const picked = new Set<number>();
    while (picked.size < Math.min(k, nodes - 1)) {
      const j = rng.int(nodes);
      if (j !== i) picked.add(j);
    }
    for (const j of picked) {
      const w = 0.5 + 0.5 * rng.uniform();
      rows[i].set(j, Math.max(rows[i].get(j) ?? 0, w));
      rows[j].set(i, Math.max(rows[j].get(i) ?? 0, w));
    }
  }
  rows.forEach((row, i) => row.set(i, 1));
  const degree = rows.map((row) => [...row.values()].reduce((a, b) => a + b, 0));
  const rowPtr = new Int32Array(nodes + 1);
  const colIdx: number[] = [];
  const values: number[] = [];
  rows.forEach((row, i) => {
    for (const j of [...row.keys()].sort((a, b) => a - b)) {
      colIdx.push(j);
      values.push(row.get(j)! / Math.sqrt(degree[i] * degree[j]));
    }
    rowPtr[i + 1] = colIdx.length;
  });
  return { rows: nodes, cols: nodes, rowPtr, colIdx: Int32Array.from(colIdx), values: Float64Array.from(values) };
}

/** Returns class-cluster features: a class mean plus unit Gaussian noise per entry. */
function randomFeatures(labels: Int32Array, nClasses: number, features: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const means = Array.from({ length: nClasses * features }, () => rng.normal());
  const data = new Float64Array(labels.length * features);
  for (let i = 0; i < labels.length; i++) {
    for (let j = 0; j < features; j++) data[i * features + j] = means[labels[i] * features + j] + rng.normal();
  }
  return createMatrix(labels.length, features, data);
}

/** A training problem: graph, labels, and a 4:1 fit/validation split of every node. */
interface Problem {
  graph: CsrMatrix;
  nTrain: number;
  labels: Int32Array;
  fitIdx: number[];
  valIdx: number[];
  nClasses: number;
}

function makeProblem(nodes: number, nClasses: number, k: number): Problem {
  const labels = Int32Array.from({ length: nodes }, (_, i) => i % nClasses);
  const all = Array.from({ length: nodes }, (_, i) => i);
  return {
    graph: randomGraph(nodes, k, 1),
    nTrain: nodes,
    labels,
    fitIdx: all.filter((i) => i % 5 !== 0),
    valIdx: all.filter((i) => i % 5 === 0),
    nClasses,
  };
}

/** A prepared trainer: one epoch per call of `epoch`, and `dispose` after the last. */
interface EpochRunner {
  optimizer: Adam;
  loss: (epoch: number) => tf.Scalar;
  dispose: () => void;
}

/**
 * Builds a case whose timed run is one full-batch epoch (forward, backward
 * and Adam step) of the runner `build` returns. The runner is built on the
 * first (untimed warm-up) run, which also trains {@link WARMUP_EPOCHS}
 * epochs, so cases not selected cost nothing.
 */
function epochCase(name: string, sizes: Record<string, number>, build: () => EpochRunner): BenchCase {
  let runner: EpochRunner | undefined;
  let epoch = 0;
  let runs = 0;
  return {
    name,
    sizes,
    repeats: REPEATS,
    warmup: true,
    run: () => {
      if (!runner) {
        runner = build();
        for (let i = 0; i < WARMUP_EPOCHS; i++) {
          epoch++;
          tf.dispose(trainStep(runner.optimizer, () => runner!.loss(epoch)));
        }
      }
      epoch++;
      runs++;
      const loss = trainStep(runner.optimizer, () => runner!.loss(epoch));
      const trainLoss = loss.dataSync()[0];
      loss.dispose();
      if (runs === REPEATS + 1) {
        runner.dispose();
        runner = undefined;
      }
      return { trainLoss };
    },
  };
}

function unimodalCase(
  name: string,
  nodes: number,
  features: number,
  nClasses: number,
  encoder: Required<EncoderOptions>,
  k: number,
): BenchCase {
  const sizes = { nodes, features, classes: nClasses, k, ...Object.fromEntries(encoder.hidden.map((h, l) => [`hidden${l}`, h])) };
  return epochCase(name, sizes, () => {
    const problem = makeProblem(nodes, nClasses, k);
    const x = randomFeatures(problem.labels, nClasses, features, 2);
    const model = createUnimodalModel({ inputDim: features, nClasses }, encoder, 1);
    const trainer = createUnimodalTrainer(model, { ...problem, features: x }, {
      learningRate: 1e-3,
      weightDecay: 5e-4,
      seed: 1,
      classWeights: 'none',
    });
    return {
      optimizer: trainer.optimizer,
      loss: (epoch) => trainer.loss(epoch),
      dispose: () => {
        trainer.dispose();
        disposeUnimodal(model);
      },
    };
  });
}

function distillCase(nodes: number, features: number, nClasses: number, k: number): BenchCase {
  const sizes = { nodes, features, classes: nClasses, k, hidden0: 256, hidden1: 128 };
  return epochCase(`distill-epoch/${nodes}x${features}`, sizes, () => {
    const problem = makeProblem(nodes, nClasses, k);
    const teacherFeatures = randomFeatures(problem.labels, nClasses, features, 2);
    const studentFeatures = randomFeatures(problem.labels, nClasses, features, 3);
    const teacher = createUnimodalModel({ inputDim: features, nClasses }, DEFAULT_ENCODER, 1);
    const student = createUnimodalModel({ inputDim: features, nClasses }, DEFAULT_ENCODER, 2);
    const trainer = createDistillationTrainer({ ...problem, teacher, student, teacherFeatures, studentFeatures }, student, {
      weights: resolveDistillationWeights(),
      learningRate: 5e-4,
      weightDecay: 5e-4,
      seed: 1,
      softNodes: 'fit',
    });
    return {
      optimizer: trainer.optimizer,
      loss: (epoch) => trainer.loss(epoch),
      dispose: () => {
        trainer.dispose();
        disposeUnimodal(teacher);
        disposeUnimodal(student);
      },
    };
  });
}

function multitaskCase(nodes: number, nOmics: number, features: number, nClasses: number, k: number): BenchCase {
  const sizes = { nodes, omics: nOmics, features, classes: nClasses, k, hidden0: 256, hidden1: 128 };
  return epochCase(`multitask-epoch/${nodes}x${nOmics}x${features}`, sizes, () => {
    const problem = makeProblem(nodes, nClasses, k);
    const omics = Array.from({ length: nOmics }, (_, m) => randomFeatures(problem.labels, nClasses, features, 10 + m));
    const unimodal = omics.map((_, m) => createUnimodalModel({ inputDim: features, nClasses }, DEFAULT_ENCODER, m + 1));
    const names = omics.map((_, m) => `omics${m}`);
    const fusion = createFusionHead('concat', new Rng(1), unimodal.map(() => 128), nClasses);
    const model: MultitaskModel = { names, nClasses, unimodal, fusion };
    const categories = omics.map((_, m): ModalityCategory => (m === 0 ? 'strong' : 'weak'));
    const trainer = createMultitaskTrainer(
      model,
      { ...problem, features: omics, names, categories, initialF1: omics.map((_, m) => 0.8 - 0.1 * m) },
      {
        weights: { lambda: 1, eta: 2, gammaLow: 0.1 },
        encoderLearningRate: 5e-4,
        headLearningRate: 1e-3,
        weightDecay: 5e-4,
        warmup: 0,
        ema: 0.9,
        weighting: 'f1',
        detachFusion: false,
        classWeights: 'none',
        seed: 1,
      },
    );
    return {
      optimizer: trainer.optimizer,
      loss: (epoch) => trainer.loss(epoch),
      dispose: () => {
        trainer.dispose();
        disposeMultitask(model);
      },
    };
  });
}

/**
 * Builds a case that times one product of an `m x k` and a `k x n` matrix per run and reports
 * GFLOP/s: `tf.matMul`, or with `kernel` core's `product` (the fused multiply-add kernel where it
 * runs). With `freshRight` the right operand is a new tensor in every run, as weights are in
 * training. The wasm backend's `tf.matMul` is faster by an operand it has already multiplied by.
 */
function matMulCase(m: number, k: number, n: number, freshRight: boolean, kernel = false): BenchCase {
  let left: tf.Tensor2D | undefined;
  let rights: tf.Tensor2D[] = [];
  let runs = 0;
  return {
    name: `${kernel ? 'product' : 'matmul'}/${m}x${k}x${n}${freshRight ? '-fresh' : ''}`,
    sizes: { m, k, n },
    repeats: REPEATS,
    warmup: true,
    run: () => {
      if (!left) {
        const rng = new Rng(5);
        const values = (length: number) => Float32Array.from({ length }, () => rng.normal());
        left = tf.tensor2d(values(m * k), [m, k]);
        const right = tf.tensor2d(values(k * n), [k, n]);
        // One copy per run, made before timing, so that every timed product gets a new tensor.
        rights = freshRight ? Array.from({ length: REPEATS + 1 }, () => tf.add(right, 0) as tf.Tensor2D) : [right];
        if (freshRight) right.dispose();
      }
      const right = rights[freshRight ? runs : 0];
      runs++;
      const start = performance.now();
      const result = kernel ? product(left, right) : tf.matMul(left, right);
      result.dataSync();
      const ms = performance.now() - start;
      result.dispose();
      if (runs === REPEATS + 1) {
        tf.dispose([left, ...rights]);
        left = undefined;
        rights = [];
      }
      return { gflops: (2 * m * k * n) / ms / 1e6 };
    },
  };
}

/** Training speed of the graph encoders, distillation and multitask training, one full-batch epoch per run. */
export const trainSuite: Suite = {
  name: 'train',
  description:
    'one full-batch training epoch (forward, backward, Adam step): a GCN at 512 nodes 200 -> 64 -> 5, the ' +
    "paper's r-GCN (511 nodes, 100 features, 400-400-200, 4 classes, k = 10), the default r-GCN (256-128), a " +
    'distillation epoch and a 3-omics multitask epoch, on random k-neighbour graphs; a 512 x 512 x 512 ' +
    'matrix product with the same or a new right operand every run; and tf.matMul against core\'s product ' +
    '(the fused multiply-add kernel) at 512 x 512 x 512 and at a 515-feature autoencoder layer, 307 x 515 x 64',
  cases: async ({ quick }) => {
    const n = quick ? 128 : 511;
    const gcn = { ...MOGONET_ENCODER, hidden: [64] };
    return [
      unimodalCase(`gcn-epoch/${quick ? 128 : 512}x200-64-5`, quick ? 128 : 512, 200, 5, gcn, 10),
      unimodalCase(`rgcn-epoch/paper-${n}x100-400-400-200`, n, 100, 4, { ...MOGONET_ENCODER }, 10),
      unimodalCase(`rgcn-epoch/default-${n}x100-256-128`, n, 100, 4, { ...DEFAULT_ENCODER }, 10),
      distillCase(n, 100, 4, 10),
      multitaskCase(n, 3, 100, 4, 10),
      matMulCase(512, 512, 512, false),
      matMulCase(512, 512, 512, true),
      matMulCase(512, 512, 512, true, true),
      matMulCase(307, 515, 64, true),
      matMulCase(307, 515, 64, true, true),
    ];
  },
};
