/**
 * BatchNorm (training mode), LeakyReLU and dropout of a hidden layer as one
 * op with a hand-written gradient, computed over the wasm backend's memory.
 *
 * As tensor ops these three steps and their backward pass take about 90
 * small ops per layer and step. Each op costs a fixed amount on the wasm
 * backend whatever its size, so at the widths of most omics (a few hundred
 * features, batches of 64) the ops cost more than the products. Here the
 * forward pass is one loop over the activations and the backward pass two.
 *
 * The arithmetic is that of {@link batchNormTraining}, `tf.leakyRelu` and
 * `tf.dropout`, carried in double precision and rounded once when stored, so
 * the values and gradients agree with the tensor ops to float32 rounding
 * (tested), not bit for bit. The dropout mask is drawn by
 * `tf.randomUniform` with the seed `tf.dropout` would get and computed as
 * `tf.dropout` computes it, so both paths drop the same activations.
 *
 * Backward pass of BatchNorm, per feature with `x̂ = (x − μ)·r`, `r = 1/√(σ² + ε)`
 * and `g` the gradient reaching the normalised output:
 *
 *   ∂γ = Σ g·x̂;   ∂β = Σ g;   ∂x = γ·r/B · (B·g − Σ g − x̂·Σ g·x̂)
 */
import { tf, type WasmHeap } from '@bml/core/tensor';
import { BATCH_NORM_EPSILON, BATCH_NORM_MOMENTUM } from './batch-norm.js';
import type { BatchNormParams } from './layers.js';

/** Options of the step a hidden layer applies after its product in training mode. */
export interface HiddenStepOptions {
  /** LeakyReLU slope for negative inputs. */
  leakySlope: number;
  /** Dropout rate; 0 turns dropout off. */
  dropout: number;
  /** Seed of the dropout mask, as `tf.dropout` takes it. */
  dropoutSeed: number;
}

const f32 = Math.fround;

function tensorOn(heap: WasmHeap, shape: number[]): { info: tf.TensorInfo; tensor: () => tf.Tensor } {
  const info = heap.allocate(shape);
  return { info, tensor: () => tf.engine().makeTensorFromTensorInfo(info) };
}

/** Sizes and constants of one hidden step over row-major `[features, stride]` buffers. */
export interface StepShape {
  features: number;
  samples: number;
  /** Distance between rows. The columns from `samples` to `stride` are padding, written as zeros. */
  stride: number;
  slope: number;
  /** Keep probability of dropout as float32, or 0 without dropout. */
  keep: number;
}

/**
 * Forward pass over row-major `[features, stride]` buffers. Writes the batch mean and biased
 * variance of each feature, and turns the uniform draws in `mask` into `tf.dropout`'s multipliers
 * (0 or 1/keep, as float32) in place.
 */
export function forwardPass(
  shape: StepShape,
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  mask: Float32Array | undefined,
  out: Float32Array,
  mean: Float64Array,
  variance: Float64Array,
): void {
  const { features, samples, stride, slope, keep } = shape;
  for (let f = 0; f < features; f++) {
    const row = f * stride;
    let sum = 0;
    for (let j = 0; j < samples; j++) sum += x[row + j];
    const mu = sum / samples;
    let squares = 0;
    for (let j = 0; j < samples; j++) {
      const d = x[row + j] - mu;
      squares += d * d;
    }
    const sigma2 = squares / samples;
    mean[f] = mu;
    variance[f] = sigma2;
    const r = 1 / Math.sqrt(sigma2 + BATCH_NORM_EPSILON);
    const scale = gamma[f];
    const shift = beta[f];
    for (let j = 0; j < samples; j++) {
      // The same expression as in the backward pass, so both see the same sign.
      const y = (x[row + j] - mu) * r * scale + shift;
      const a = y < 0 ? slope * y : y;
      if (mask === undefined) {
        out[row + j] = a;
      } else {
        // tf.dropout's multiplier: floor(u + keep) / keep, each step rounded to float32.
        const multiplier = Math.fround(Math.floor(Math.fround(mask[row + j] + keep)) / keep);
        mask[row + j] = multiplier;
        out[row + j] = a * multiplier;
      }
    }
    out.fill(0, row + samples, row + stride);
  }
}

/** Backward pass over the buffers of {@link forwardPass}, given the gradient `dy` of its output. */
export function backwardPass(
  shape: StepShape,
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  mask: Float32Array | undefined,
  dy: Float32Array,
  mean: Float64Array,
  variance: Float64Array,
  dx: Float32Array,
  dGamma: Float32Array,
  dBeta: Float32Array,
): void {
  const { features, samples, stride, slope } = shape;
  for (let f = 0; f < features; f++) {
    const row = f * stride;
    const mu = mean[f];
    const r = 1 / Math.sqrt(variance[f] + BATCH_NORM_EPSILON);
    const scale = gamma[f];
    const shift = beta[f];
    let sum = 0;
    let sumNormalised = 0;
    // First pass: the gradient reaching each normalised value, through dropout and LeakyReLU, kept in dx.
    for (let j = 0; j < samples; j++) {
      const i = row + j;
      const normalised = (x[i] - mu) * r;
      const through = mask === undefined ? dy[i] : dy[i] * mask[i];
      const up = normalised * scale + shift > 0 ? through : through * slope;
      dx[i] = up;
      sum += up;
      sumNormalised += up * normalised;
    }
    dGamma[f] = sumNormalised;
    dBeta[f] = sum;
    const factor = (scale * r) / samples;
    for (let j = 0; j < samples; j++) {
      const i = row + j;
      const normalised = (x[i] - mu) * r;
      dx[i] = factor * (samples * dx[i] - sum - normalised * sumNormalised);
    }
    dx.fill(0, row + samples, row + stride);
  }
}

/**
 * Moves the running statistics `runningMean` and `runningVariance` in place towards the batch mean
 * and unbiased variance of `samples` rows, as {@link batchNormTraining} does.
 */
export function moveRunningStatistics(
  runningMean: Float32Array,
  runningVariance: Float32Array,
  mean: Float64Array,
  variance: Float64Array,
  samples: number,
): void {
  const m = BATCH_NORM_MOMENTUM;
  const correction = samples / (samples - 1);
  for (let f = 0; f < mean.length; f++) {
    runningMean[f] = runningMean[f] * (1 - m) + mean[f] * m;
    runningVariance[f] = runningVariance[f] * (1 - m) + variance[f] * correction * m;
  }
}

/** Updates the running statistics of `params` with {@link moveRunningStatistics}, on new buffers. */
function updateRunningStatistics(
  heap: WasmHeap,
  params: BatchNormParams,
  mean: Float64Array,
  variance: Float64Array,
  samples: number,
): void {
  const features = mean.length;
  const runningMean = tensorOn(heap, [features, 1]);
  const runningVariance = tensorOn(heap, [features, 1]);
  // A variable's buffer may be shared with a saved copy, so the update goes to new buffers.
  heap.view(runningMean.info).set(heap.view(params.runningMean));
  heap.view(runningVariance.info).set(heap.view(params.runningVariance));
  moveRunningStatistics(heap.view(runningMean.info), heap.view(runningVariance.info), mean, variance, samples);
  for (const [variable, next] of [
    [params.runningMean, runningMean],
    [params.runningVariance, runningVariance],
  ] as const) {
    const tensor = next.tensor();
    variable.assign(tensor);
    tensor.dispose();
  }
}

/**
 * Applies training-mode BatchNorm with `params`, LeakyReLU and dropout to the
 * feature-major activations `z` (`[features, samples]`) and updates the
 * running statistics, as one op whose gradient reaches `z`, γ and β. Needs
 * the wasm backend's memory `heap` and at least two samples.
 */
export function fusedHiddenStep(
  heap: WasmHeap,
  z: tf.Tensor2D,
  params: BatchNormParams,
  options: HiddenStepOptions,
): tf.Tensor2D {
  const [features, samples] = z.shape;
  const mean = new Float64Array(features);
  const variance = new Float64Array(features);
  const { dropout } = options;
  const shape: StepShape = { features, samples, stride: samples, slope: options.leakySlope, keep: dropout > 0 ? f32(1 - dropout) : 0 };
  const step = tf.customGrad(((x: tf.Tensor2D, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
    const out = tensorOn(heap, [features, samples]);
    const mask = dropout > 0 ? tf.randomUniform([features, samples], 0, 1, 'float32', options.dropoutSeed) : undefined;
    const views = [x, gamma, beta].map((tensor) => heap.view(tensor));
    const multipliers = mask ? heap.view(mask) : undefined;
    forwardPass(shape, views[0], views[1], views[2], multipliers, heap.view(out.info), mean, variance);
    const saved = [x, gamma, beta];
    if (mask) saved.push(mask);
    save(saved);
    const gradFunc = (dy: tf.Tensor, savedTensors: tf.Tensor[]) =>
      hiddenStepGradient(heap, shape, dy, savedTensors, mean, variance);
    return { value: out.tensor(), gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const value = step(z, params.gamma, params.beta) as tf.Tensor2D;
  updateRunningStatistics(heap, params, mean, variance, samples);
  return value;
}

/** Gradients of {@link fusedHiddenStep} with respect to its input, γ and β. */
function hiddenStepGradient(
  heap: WasmHeap,
  shape: StepShape,
  dy: tf.Tensor,
  savedTensors: tf.Tensor[],
  mean: Float64Array,
  variance: Float64Array,
): tf.Tensor[] {
  const [x, gamma, beta, mask] = savedTensors;
  const { features, samples } = shape;
  const dx = tensorOn(heap, [features, samples]);
  const dGamma = tensorOn(heap, [features, 1]);
  const dBeta = tensorOn(heap, [features, 1]);
  const [xs, gs, bs, dys] = [x, gamma, beta, dy].map((tensor) => heap.view(tensor));
  const ms = mask ? heap.view(mask) : undefined;
  backwardPass(shape, xs, gs, bs, ms, dys, mean, variance, heap.view(dx.info), heap.view(dGamma.info), heap.view(dBeta.info));
  return [dx.tensor(), dGamma.tensor(), dBeta.tensor()];
}
