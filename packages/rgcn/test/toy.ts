/**
 * A small labelled graph for tests: Gaussian class clusters as features and
 * a k-neighbour graph whose edges join same-class nodes with probability
 * `homophily`, normalised as D^-1/2 (A + I) D^-1/2 over the training part.
 * Nodes from `nTrain` on are attached test nodes: their rows reference
 * training nodes and themselves, and no training row references them.
 */
import { Rng, createMatrix, type CsrMatrix, type Matrix } from '@bml/core';
import { tf } from '@bml/core/tensor';
import type { UnimodalModel } from '../src/index.js';

export interface ToyProblem {
  features: Matrix;
  graph: CsrMatrix;
  nTrain: number;
  /** Labels of every node (the first nTrain are the training-part labels). */
  allLabels: Int32Array;
  labels: Int32Array;
  fitIdx: number[];
  valIdx: number[];
  nClasses: number;
}

export interface ToyOptions {
  nTrain?: number;
  nTest?: number;
  nClasses?: number;
  features?: number;
  k?: number;
  homophily?: number;
  signal?: number;
  seed?: number;
}

export function makeToyProblem(options: ToyOptions = {}): ToyProblem {
  const { nTrain = 90, nTest = 30, nClasses = 3, features = 12, k = 5, homophily = 0.9, signal = 1.5, seed = 1 } =
    options;
  const rng = new Rng(seed);
  const n = nTrain + nTest;
  const allLabels = new Int32Array(n);
  for (let i = 0; i < n; i++) allLabels[i] = i % nClasses;
  const means = Array.from({ length: nClasses }, () => Array.from({ length: features }, () => rng.normal() * signal));
  const data = new Float64Array(n * features);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < features; j++) data[i * features + j] = means[allLabels[i]][j] + rng.normal();
  }
  const byClass = Array.from({ length: nClasses }, (_, c) =>
    Array.from({ length: nTrain }, (_, i) => i).filter((i) => allLabels[i] === c),
  );
  const pick = (i: number): number => {
    const pool = rng.uniform() < homophily ? byClass[allLabels[i]] : byClass[rng.int(nClasses)];
    return pool[rng.int(pool.length)];
  };
  // Dense training adjacency: max-symmetrised k picks per node, then self loops.
  const A = new Float64Array(nTrain * nTrain);
  for (let i = 0; i < nTrain; i++) {
    for (let e = 0; e < k; e++) {
      const j = pick(i);
      if (j === i) continue;
      const w = 0.5 + 0.5 * rng.uniform();
      A[i * nTrain + j] = Math.max(A[i * nTrain + j], w);
      A[j * nTrain + i] = Math.max(A[j * nTrain + i], w);
    }
    A[i * nTrain + i] = 1;
  }
  const degree = new Float64Array(nTrain);
  for (let i = 0; i < nTrain; i++) for (let j = 0; j < nTrain; j++) degree[i] += A[i * nTrain + j];
  const rowPtr: number[] = [0];
  const colIdx: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < nTrain; i++) {
    for (let j = 0; j < nTrain; j++) {
      const a = A[i * nTrain + j];
      if (a === 0) continue;
      colIdx.push(j);
      values.push(a / Math.sqrt(degree[i] * degree[j]));
    }
    rowPtr.push(colIdx.length);
  }
  for (let x = nTrain; x < n; x++) {
    const edges = new Map<number, number>();
    for (let e = 0; e < k; e++) edges.set(pick(x), 0.5 + 0.5 * rng.uniform());
    let dx = 1;
    for (const w of edges.values()) dx += w;
    for (const j of [...edges.keys()].sort((a, b) => a - b)) {
      colIdx.push(j);
      values.push(edges.get(j)! / Math.sqrt(dx * degree[j]));
    }
    colIdx.push(x);
    values.push(1 / dx);
    rowPtr.push(colIdx.length);
  }
  const graph: CsrMatrix = {
    rows: n,
    cols: n,
    rowPtr: Int32Array.from(rowPtr),
    colIdx: Int32Array.from(colIdx),
    values: Float64Array.from(values),
  };
  const order = rng.shuffle(Array.from({ length: nTrain }, (_, i) => i));
  const nVal = Math.round(nTrain / 3);
  return {
    features: createMatrix(n, features, data),
    graph,
    nTrain,
    allLabels,
    labels: allLabels.slice(0, nTrain),
    valIdx: order.slice(0, nVal).sort((a, b) => a - b),
    fitIdx: order.slice(nVal).sort((a, b) => a - b),
    nClasses,
  };
}

/** Sets every encoder bias of `model` to standard normal draws from `seed`, so that tests exercise the bias path. */
export function randomizeBiases(model: UnimodalModel, seed: number): void {
  const rng = new Rng(seed);
  for (const layer of model.layers) {
    const bias = tf.tensor1d(Array.from({ length: layer.bias.shape[0] }, () => rng.normal()));
    layer.bias.assign(bias);
    bias.dispose();
  }
}
