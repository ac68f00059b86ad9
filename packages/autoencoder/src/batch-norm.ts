/**
 * Batch normalisation (Ioffe and Szegedy, 2015, arXiv:1502.03167) with the conventions of
 * PyTorch's `BatchNorm1d`. Training normalises with the biased batch variance and updates the
 * running variance with the unbiased one. Inference uses the running statistics.
 *
 * Activations are feature-major, `[features, samples]`, so the statistics are taken along axis 1.
 */
import { tf } from '@bml/core/tensor';
import type { BatchNormParams } from './layers.js';

/** Added to the variance before the square root. */
export const BATCH_NORM_EPSILON = 1e-5;
/** Weight of the current batch in the running statistics. */
export const BATCH_NORM_MOMENTUM = 0.1;

function normalize(
  x: tf.Tensor2D,
  mean: tf.Tensor,
  variance: tf.Tensor,
  params: BatchNormParams,
): tf.Tensor2D {
  const scale = tf.mul(tf.rsqrt(tf.add(variance, BATCH_NORM_EPSILON)), params.gamma);
  return tf.add(tf.mul(tf.sub(x, mean), scale), params.beta);
}

/**
 * Normalises `x` (`[features, samples]`) with its own batch statistics and moves the running
 * statistics of `params` towards them. Needs at least two samples.
 */
export function batchNormTraining(x: tf.Tensor2D, params: BatchNormParams): tf.Tensor2D {
  const samples = x.shape[1];
  const { mean, variance } = tf.moments(x, 1, true);
  const m = BATCH_NORM_MOMENTUM;
  const unbiased = tf.mul(variance, samples / (samples - 1));
  params.runningMean.assign(tf.add(tf.mul(params.runningMean, 1 - m), tf.mul(mean, m)));
  params.runningVariance.assign(tf.add(tf.mul(params.runningVariance, 1 - m), tf.mul(unbiased, m)));
  return normalize(x, mean, variance, params);
}

/** Normalises `x` with the running statistics of `params`. */
export function batchNormInference(x: tf.Tensor2D, params: BatchNormParams): tf.Tensor2D {
  return normalize(x, params.runningMean, params.runningVariance, params);
}
