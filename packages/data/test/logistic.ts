/**
 * A small multinomial logistic regression (softmax, L2 penalty, full-batch
 * gradient descent) used to check how informative each simulated omics is.
 */
import type { Matrix } from '@bml/core';

/** A fitted softmax classifier: weights (features x classes) and biases. */
export interface LogisticModel {
  weights: Float64Array;
  biases: Float64Array;
  features: number;
  classes: number;
}

/** Options of {@link fitLogistic}. */
export interface LogisticOptions {
  /** L2 penalty on the weights, added to the mean cross-entropy as lambda/2 * |W|^2. Default 0.01. */
  lambda?: number;
  /** Gradient steps. Default 300. */
  iterations?: number;
}

/**
 * Fits the classifier by gradient descent with step 1/L, where L bounds the
 * curvature of the loss: 0.5 * the largest eigenvalue of X'X/n (found by
 * power iteration) plus lambda.
 */
export function fitLogistic(
  x: Matrix,
  y: Int32Array,
  classes: number,
  options: LogisticOptions = {},
): LogisticModel {
  const { lambda = 0.01, iterations = 300 } = options;
  const n = x.rows;
  const d = x.cols;
  const step = 1 / (0.5 * (largestEigenvalue(x) + 1) + lambda);
  const weights = new Float64Array(d * classes);
  const biases = new Float64Array(classes);
  const scores = new Float64Array(n * classes);
  const gradW = new Float64Array(d * classes);
  const gradB = new Float64Array(classes);
  for (let it = 0; it < iterations; it++) {
    computeScores(x, weights, biases, classes, scores);
    for (let i = 0; i < n; i++) {
      softmaxInPlace(scores, i * classes, classes);
      scores[i * classes + y[i]] -= 1;
    }
    gradW.fill(0);
    gradB.fill(0);
    for (let i = 0; i < n; i++) {
      const row = i * d;
      const s = i * classes;
      for (let c = 0; c < classes; c++) gradB[c] += scores[s + c];
      for (let j = 0; j < d; j++) {
        const v = x.data[row + j];
        const g = j * classes;
        for (let c = 0; c < classes; c++) gradW[g + c] += v * scores[s + c];
      }
    }
    for (let k = 0; k < weights.length; k++) weights[k] -= step * (gradW[k] / n + lambda * weights[k]);
    for (let c = 0; c < classes; c++) biases[c] -= step * (gradB[c] / n);
  }
  return { weights, biases, features: d, classes };
}

/** Predicts the class with the highest score for every row. */
export function predictLogistic(model: LogisticModel, x: Matrix): Int32Array {
  const scores = new Float64Array(x.rows * model.classes);
  computeScores(x, model.weights, model.biases, model.classes, scores);
  const out = new Int32Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    let best = 0;
    for (let c = 1; c < model.classes; c++) {
      if (scores[i * model.classes + c] > scores[i * model.classes + best]) best = c;
    }
    out[i] = best;
  }
  return out;
}

function computeScores(
  x: Matrix,
  weights: Float64Array,
  biases: Float64Array,
  classes: number,
  out: Float64Array,
): void {
  const d = x.cols;
  for (let i = 0; i < x.rows; i++) {
    const s = i * classes;
    for (let c = 0; c < classes; c++) out[s + c] = biases[c];
    const row = i * d;
    for (let j = 0; j < d; j++) {
      const v = x.data[row + j];
      const g = j * classes;
      for (let c = 0; c < classes; c++) out[s + c] += v * weights[g + c];
    }
  }
}

function softmaxInPlace(values: Float64Array, offset: number, length: number): void {
  let max = -Infinity;
  for (let c = 0; c < length; c++) max = Math.max(max, values[offset + c]);
  let sum = 0;
  for (let c = 0; c < length; c++) {
    const e = Math.exp(values[offset + c] - max);
    values[offset + c] = e;
    sum += e;
  }
  for (let c = 0; c < length; c++) values[offset + c] /= sum;
}

/** Largest eigenvalue of X'X/n by 30 power iterations from a fixed start vector. */
function largestEigenvalue(x: Matrix): number {
  const n = x.rows;
  const d = x.cols;
  let v = new Float64Array(d).fill(1 / Math.sqrt(d));
  let lambda = 0;
  const xv = new Float64Array(n);
  for (let it = 0; it < 30; it++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += x.data[i * d + j] * v[j];
      xv[i] = s;
    }
    const next = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const a = xv[i] / n;
      for (let j = 0; j < d; j++) next[j] += x.data[i * d + j] * a;
    }
    let norm = 0;
    for (let j = 0; j < d; j++) norm += next[j] * next[j];
    norm = Math.sqrt(norm);
    lambda = norm;
    if (norm === 0) break;
    for (let j = 0; j < d; j++) next[j] /= norm;
    v = next;
  }
  return lambda;
}
