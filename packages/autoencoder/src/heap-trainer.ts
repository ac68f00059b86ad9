/**
 * The autoencoder's training step written out by hand over the wasm
 * backend's memory, with no tensor ops and no autodiff.
 *
 * The autodiff path (`engine: 'autodiff'`) spends about as long in
 * TensorFlow.js's per-op bookkeeping as in arithmetic at the widths of most
 * omics (a few hundred features, batches of 64). Here a step is the product
 * kernel of `@bml/core/wasm` for three products per layer (forward, weight
 * gradient and, above the first layer, input gradient), the fused hidden
 * step's loops (as the WebAssembly module of {@link hiddenKernels}), and one
 * Adam pass per parameter, all on buffers allocated once per run.
 *
 * Every value is computed as the autodiff path computes it. The products
 * sum each entry over the depth in the same order, the hidden step's module
 * repeats the arithmetic of its JavaScript loops, and the Adam kernel is the
 * same. The dropout masks come from the generator of `tf.randomUniform` with
 * the same seeds, and sums are float32 in the order of the wasm backend's
 * reductions. So both paths give bit-identical weights and losses (tested).
 * The buffers live on a {@link TrainerMemory}: the backend's memory, or a
 * shared one whose products run on several threads.
 *
 * Gradients, with `N` the number of values in the batch:
 *
 *   loss = Σ (ŷ − x)² / N;   ∂ŷ = (1/N)·2(ŷ − x);   ∂b = Σ_samples ∂z
 *   ∂W = ∂z · hᵀ;   ∂h = Wᵀ · ∂z
 */
import { MIN_KERNEL_COLUMNS, tf } from '@bml/core/tensor';
import type { GemmKernels } from '@bml/core/wasm';
import seedrandom from 'seedrandom';
import { tfjsAdamConstants } from './adam.js';
import { BATCH_NORM_EPSILON } from './batch-norm.js';
import { moveRunningStatistics, type StepShape } from './fused-hidden.js';
import type { BufferArena, HeapBuffer } from './heap-arena.js';
import { hiddenKernels, type HiddenBuffers, type HiddenKernels } from './hidden-kernel.js';
import { allocateLayer, assignLayer, padded, snapshotLayer } from './heap-layers.js';
import type { HeapCapacity, HeapLayer, HeapParameter, LayerSnapshot } from './heap-layers.js';
import type { DenseLayer } from './layers.js';
import { chunkRows } from './matrix-tensor.js';
import type { TrainerMemory } from './trainer-memory.js';

const f32 = Math.fround;

/** A matrix operand: `rows x cols` values in a buffer, `stride` floats from one row to the next. */
interface Operand {
  buffer: HeapBuffer;
  rows: number;
  cols: number;
  stride: number;
}

/** Copies the `rows x cols` values of `operand` into a tensor. */
function operandTensor(operand: Operand): tf.Tensor2D {
  const { rows, cols, stride } = operand;
  const view = operand.buffer.view();
  const values = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) values.set(view.subarray(r * stride, r * stride + cols), r * cols);
  return tf.tensor2d(values, [rows, cols]);
}

/** Settings of a {@link HeapTrainer}. */
export interface HeapTrainerOptions {
  /** Number of input features. */
  inputDim: number;
  /** Largest number of rows in a batch. */
  maxBatch: number;
  /** Number of validation rows (0 for none). */
  validationRows: number;
  /** Dropout rate of the hidden layers. */
  dropout: number;
  /** LeakyReLU slope. */
  leakySlope: number;
  /** Adam's step size, moment decays and epsilon. */
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Coupled L2 coefficient on the dense weights. */
  weightDecay: number;
}

/** Trains the layers of an autoencoder on a WebAssembly memory, as the module comment describes. */
export class HeapTrainer {
  private readonly arena: BufferArena;
  private readonly gemm: GemmKernels;
  private readonly hidden: HiddenKernels;
  private readonly layers: HeapLayer[];
  /** The batch feature-major, `[inputDim, stride]`: the first layer's input and the target. */
  private readonly batchColumns: HeapBuffer;
  /** A validation chunk feature-major. */
  private readonly validationColumns: HeapBuffer;
  private readonly validationChunk: number;
  private accBeta1: number;
  private accBeta2: number;

  /** Copies the values of `layers` into buffers of `memory`, which the trainer then owns. */
  constructor(
    private readonly memory: TrainerMemory,
    private readonly source: readonly DenseLayer[],
    private readonly options: HeapTrainerOptions,
  ) {
    const hidden = hiddenKernels(memory.memory);
    if (!hidden) throw new Error('@bml/autoencoder: the heap trainer needs WebAssembly; use the autodiff engine');
    this.gemm = memory.gemm;
    this.hidden = hidden;
    this.arena = memory.arena;
    const validationChunk = Math.min(chunkRows(options.inputDim), Math.max(1, options.validationRows));
    const capacity: HeapCapacity = {
      batchStride: padded(options.maxBatch),
      validationStride: padded(validationChunk),
      dropout: options.dropout,
      weightDecay: options.weightDecay,
    };
    this.validationChunk = validationChunk;
    this.layers = source.map((layer) => allocateLayer(this.arena, layer, capacity));
    this.batchColumns = this.arena.allocate(options.inputDim * capacity.batchStride);
    this.validationColumns = this.arena.allocate(options.inputDim * capacity.validationStride);
    this.accBeta1 = f32(options.beta1);
    this.accBeta2 = f32(options.beta2);
  }

  /**
   * Runs one Adam step on the rows `batch` of the row-major values `x` (`[rows, inputDim]`), with
   * one dropout seed per hidden layer, and returns the batch's mean squared error as float32.
   */
  step(x: Float32Array, batch: Int32Array, dropoutSeeds: readonly number[]): number {
    const samples = batch.length;
    const stride = padded(samples);
    this.loadBatch(x, batch, stride);
    let input = this.batchColumns;
    let hiddenIndex = 0;
    for (const layer of this.layers) {
      const seed = layer.batchNorm ? dropoutSeeds[hiddenIndex++] : 0;
      this.forwardLayer(layer, input, samples, stride, seed);
      input = layer.out;
    }
    const loss = this.lossGradient(samples, stride);
    for (let l = this.layers.length - 1; l >= 0; l--) this.backwardLayer(l, samples, stride);
    this.adamStep();
    return loss;
  }

  /** Writes the batch feature-major into `batchColumns` and sample-major into the first layer's `inputRows`. */
  private loadBatch(x: Float32Array, batch: Int32Array, stride: number): void {
    const cols = this.options.inputDim;
    const first = this.layers[0];
    const rows = first.inputRows.view();
    const columns = this.batchColumns.view();
    const samples = batch.length;
    for (let r = 0; r < samples; r++) {
      const start = batch[r] * cols;
      rows.set(x.subarray(start, start + cols), r * first.weightStride);
    }
    for (let c = 0; c < cols; c++) {
      const row = c * stride;
      for (let r = 0; r < samples; r++) columns[row + r] = x[batch[r] * cols + c];
      columns.fill(0, row + samples, row + stride);
    }
  }

  private forwardLayer(layer: HeapLayer, input: HeapBuffer, samples: number, stride: number, seed: number): void {
    const { inputs, outputs } = layer;
    this.product(weightOperand(layer), { buffer: input, rows: inputs, cols: samples, stride }, layer.z, false);
    if (layer.bias) addBias(layer.z.view(), layer.bias.value.view(), outputs, samples, stride);
    const bn = layer.batchNorm;
    if (!bn) return;
    const mask = layer.mask?.view();
    if (mask) drawUniform(mask, outputs, samples, stride, seed);
    this.hidden.forward(this.stepShape(outputs, samples, stride), hiddenBuffers(layer), layer.out.address);
    moveRunningStatistics(bn.runningMean.view(), bn.runningVariance.view(), bn.mean.view(), bn.variance.view(), samples);
  }

  private stepShape(features: number, samples: number, stride: number): StepShape {
    const { dropout, leakySlope } = this.options;
    return { features, samples, stride, slope: leakySlope, keep: dropout > 0 ? f32(1 - dropout) : 0 };
  }

  /** Writes the loss gradient into the last layer's `gradOut` and returns the mean squared error. */
  private lossGradient(samples: number, stride: number): number {
    const last = this.layers[this.layers.length - 1];
    const output = last.out.view();
    const target = this.batchColumns.view();
    const grad = last.gradOut.view();
    const features = this.options.inputDim;
    const count = features * samples;
    // The gradient of a mean: 1/N as float32, as tf.mean's gradient divides 1 by N.
    const scale = f32(1 / count);
    let sum = 0;
    for (let f = 0; f < features; f++) {
      const row = f * stride;
      for (let j = 0; j < samples; j++) {
        const d = f32(output[row + j] - target[row + j]);
        sum = f32(sum + f32(d * d));
        grad[row + j] = scale * (2 * d);
      }
      grad.fill(0, row + samples, row + stride);
    }
    return f32(sum / count);
  }

  private backwardLayer(index: number, samples: number, stride: number): void {
    const layer = this.layers[index];
    const { inputs, outputs, weightStride } = layer;
    const bn = layer.batchNorm;
    if (bn) {
      const shape = this.stepShape(outputs, samples, stride);
      this.hidden.backward(shape, hiddenBuffers(layer), layer.gradOut.address, layer.gradZ.address, bn.gamma.gradient.address, bn.beta.gradient.address);
    }
    if (layer.bias) sumRows(layer.gradZ.view(), layer.bias.gradient.view(), outputs, samples, stride);
    if (index > 0) transposeInto(this.layers[index - 1].out.view(), layer.inputRows.view(), inputs, samples, stride, weightStride);
    const gradZ = { buffer: layer.gradZ, rows: outputs, cols: samples, stride };
    const inputRows = { buffer: layer.inputRows, rows: samples, cols: inputs, stride: weightStride };
    this.product(gradZ, inputRows, layer.weight.gradient, false);
    if (index > 0) this.product(weightOperand(layer), gradZ, this.layers[index - 1].gradOut, true);
  }

  /**
   * Writes `a @ b`, or `aᵀ @ b` with `transposedLeft`, into `c` with the stride of `b`, rounded as
   * `@bml/core`'s `product` and `productTransposedLeft` round the same operands: by the kernel when
   * `b` has at least {@link MIN_KERNEL_COLUMNS} columns, else by `tf.matMul` on unpadded copies.
   * The padding columns of `b` are zero, so those of `c` come out zero.
   */
  private product(a: Operand, b: Operand, c: HeapBuffer, transposedLeft: boolean): void {
    const m = transposedLeft ? a.cols : a.rows;
    const k = transposedLeft ? a.rows : a.cols;
    if (b.cols >= MIN_KERNEL_COLUMNS) {
      const buffers = { a: a.buffer.address, b: b.buffer.address, c: c.address, lda: a.stride, ldb: b.stride, ldc: b.stride };
      if (transposedLeft) this.gemm.multiplyTransposedLeft(buffers, m, k, b.stride);
      else this.gemm.multiply(buffers, m, k, b.stride);
      return;
    }
    const values = tf.tidy(() => {
      const left = operandTensor(a);
      return tf.matMul(transposedLeft ? tf.transpose(left) : left, operandTensor(b));
    });
    const result = values.dataSync() as Float32Array;
    values.dispose();
    const out = c.view();
    for (let r = 0; r < m; r++) {
      out.set(result.subarray(r * b.cols, (r + 1) * b.cols), r * b.stride);
      out.fill(0, r * b.stride + b.cols, (r + 1) * b.stride);
    }
  }

  private adamStep(): void {
    const { beta1, beta2 } = this.options;
    const constants = tfjsAdamConstants(this.options, this.accBeta1, this.accBeta2);
    for (const p of this.parameters()) {
      const buffers = { out: p.value.address, gradient: p.gradient.address, theta: p.value.address, m: p.m.address, v: p.v.address };
      this.memory.adam.tfjs(buffers, p.value.length, constants, p.decayed);
    }
    this.accBeta1 = f32(this.accBeta1 * f32(beta1));
    this.accBeta2 = f32(this.accBeta2 * f32(beta2));
  }

  private *parameters(): Generator<HeapParameter> {
    for (const layer of this.layers) {
      yield layer.weight;
      if (layer.bias) yield layer.bias;
      if (layer.batchNorm) yield* [layer.batchNorm.gamma, layer.batchNorm.beta];
    }
  }

  /**
   * Returns the mean squared reconstruction error of the feature-major validation values
   * `columns` (`[inputDim, rows]`) in inference mode, summed in chunks in float32 as
   * `reconstructionLoss` sums them.
   */
  validationLoss(columns: Float32Array, rows: number): number {
    const features = this.options.inputDim;
    let total = 0;
    for (let start = 0; start < rows; start += this.validationChunk) {
      const size = Math.min(this.validationChunk, rows - start);
      const stride = padded(size);
      const chunk = this.validationColumns.view();
      for (let f = 0; f < features; f++) {
        chunk.set(columns.subarray(f * rows + start, f * rows + start + size), f * stride);
        chunk.fill(0, f * stride + size, (f + 1) * stride);
      }
      let input = this.validationColumns;
      for (const layer of this.layers) {
        this.inferLayer(layer, input, size, stride);
        input = layer.validationOut;
      }
      const output = input.view();
      const target = this.validationColumns.view();
      let sum = 0;
      for (let f = 0; f < features; f++) {
        for (let j = 0; j < size; j++) {
          const d = f32(output[f * stride + j] - target[f * stride + j]);
          sum = f32(sum + f32(d * d));
        }
      }
      total = f32(total + sum);
    }
    return total / (features * rows);
  }

  /** Inference-mode layer: product, bias, and BatchNorm with the running statistics then LeakyReLU, in float32 as the tensor ops round. */
  private inferLayer(layer: HeapLayer, input: HeapBuffer, samples: number, stride: number): void {
    const { inputs, outputs } = layer;
    this.product(weightOperand(layer), { buffer: input, rows: inputs, cols: samples, stride }, layer.validationZ, false);
    const z = layer.validationZ.view();
    if (layer.bias) addBias(z, layer.bias.value.view(), outputs, samples, stride);
    const bn = layer.batchNorm;
    if (!bn) return;
    const out = layer.validationOut.view();
    const [gamma, beta, mean, variance] = [bn.gamma.value, bn.beta.value, bn.runningMean, bn.runningVariance].map((b) => b.view());
    const epsilon = f32(BATCH_NORM_EPSILON);
    const slope = f32(this.options.leakySlope);
    for (let f = 0; f < outputs; f++) {
      const scale = f32(f32(1 / f32(Math.sqrt(f32(variance[f] + epsilon)))) * gamma[f]);
      const row = f * stride;
      for (let j = 0; j < samples; j++) {
        const y = f32(f32(f32(z[row + j] - mean[f]) * scale) + beta[f]);
        out[row + j] = y < 0 ? slope * y : y;
      }
      out.fill(0, row + samples, row + stride);
    }
  }

  /** Returns copies of every layer's parameters and running statistics. */
  snapshot(): LayerSnapshot[] {
    return this.layers.map((layer, index) => snapshotLayer(layer, this.source[index]));
  }

  /** Assigns `snapshot`, or the current values when absent, to the variables of the layers. */
  writeBack(snapshot: LayerSnapshot[] = this.snapshot()): void {
    this.layers.forEach((layer, index) => assignLayer(snapshot[index], layer, this.source[index]));
  }

  /** Frees the buffers and stops any threads. */
  dispose(): void {
    this.memory.dispose();
  }
}

/** Returns the buffers of the hidden step of `layer`, which must have BatchNorm. */
function hiddenBuffers(layer: HeapLayer): HiddenBuffers {
  const bn = layer.batchNorm!;
  return {
    x: layer.z.address,
    gamma: bn.gamma.value.address,
    beta: bn.beta.value.address,
    mask: layer.mask?.address ?? 0,
    mean: bn.mean.address,
    variance: bn.variance.address,
  };
}

/** Returns the weights of `layer` as an operand. */
function weightOperand(layer: HeapLayer): Operand {
  return { buffer: layer.weight.value, rows: layer.outputs, cols: layer.inputs, stride: layer.weightStride };
}

/** Adds `bias[f]` to the first `samples` columns of row `f` of `z`, in float32. */
function addBias(z: Float32Array, bias: Float32Array, rows: number, samples: number, stride: number): void {
  for (let f = 0; f < rows; f++) {
    const b = bias[f];
    for (let j = f * stride, end = j + samples; j < end; j++) z[j] += b;
  }
}

/** Writes the float32 sum of the first `samples` columns of each row of `x` into `out`, left to right. */
function sumRows(x: Float32Array, out: Float32Array, rows: number, samples: number, stride: number): void {
  for (let f = 0; f < rows; f++) {
    let sum = 0;
    for (let j = f * stride, end = j + samples; j < end; j++) sum = f32(sum + x[j]);
    out[f] = sum;
  }
}

/** Writes the first `samples` columns of `x` (`[features, stride]`) sample-major into `out` (`[samples, outStride]`). */
function transposeInto(x: Float32Array, out: Float32Array, features: number, samples: number, stride: number, outStride: number): void {
  for (let j = 0; j < samples; j++) {
    const row = j * outStride;
    for (let f = 0; f < features; f++) out[row + f] = x[f * stride + j];
  }
}

/** Fills the first `samples` columns of each row with the uniform draws `tf.randomUniform` would make from `seed`. */
function drawUniform(mask: Float32Array, rows: number, samples: number, stride: number, seed: number): void {
  const random = seedrandom.alea(String(seed));
  for (let f = 0; f < rows; f++) {
    for (let j = f * stride, end = j + samples; j < end; j++) mask[j] = random();
  }
}
