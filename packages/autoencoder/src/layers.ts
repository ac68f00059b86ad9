import { Rng } from '@bml/core';
import { tf } from '@bml/core/tensor';
import type { AutoencoderArchitecture } from './architecture.js';

/** Parameters and running statistics of one BatchNorm layer, each of shape `[width, 1]`. */
export interface BatchNormParams {
  /** Learned scale. */
  gamma: tf.Variable;
  /** Learned shift. */
  beta: tf.Variable;
  /** Exponential moving average of the batch means, used at inference. */
  runningMean: tf.Variable;
  /** Exponential moving average of the unbiased batch variances, used at inference. */
  runningVariance: tf.Variable;
}

/**
 * One dense layer. A hidden layer has weights and BatchNorm but no bias, because BatchNorm's mean
 * subtraction would cancel it. The code and output layers are linear with a bias.
 */
export interface DenseLayer {
  /** Weights of shape `[outputs, inputs]`, the layout of PyTorch's `nn.Linear`. */
  weight: tf.Variable;
  /** Bias of shape `[outputs, 1]`, on linear layers only. */
  bias?: tf.Variable;
  /** BatchNorm that follows the product, on hidden layers only. */
  batchNorm?: BatchNormParams;
}

/** Values of a {@link DenseLayer}, as plain arrays in row-major order. */
export interface DenseLayerValues {
  weight: Float32Array;
  bias?: Float32Array;
  batchNorm?: {
    gamma: Float32Array;
    beta: Float32Array;
    runningMean: Float32Array;
    runningVariance: Float32Array;
  };
}

/** Tells whether layer `index` of the encoder-decoder stack is a hidden (BatchNorm) layer. */
export function isHiddenLayer(arch: AutoencoderArchitecture, index: number): boolean {
  const depth = arch.hidden.length;
  return index !== depth && index !== 2 * depth + 1;
}

/** Returns the input and output widths of every layer, encoder first, then decoder. */
export function layerShapes(arch: AutoencoderArchitecture): [number, number][] {
  const shapes: [number, number][] = [];
  for (const sizes of [arch.encoder, arch.decoder]) {
    for (let i = 0; i + 1 < sizes.length; i++) shapes.push([sizes[i], sizes[i + 1]]);
  }
  return shapes;
}

function uniform(rng: Rng, length: number, bound: number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = (2 * rng.uniform() - 1) * bound;
  return out;
}

/**
 * Draws initial values for every layer from `seed`: weights and biases uniform in
 * +-1/sqrt(inputs) (the default of PyTorch's `nn.Linear`), BatchNorm gamma 1, beta 0,
 * running mean 0 and running variance 1. Each layer draws from its own stream.
 */
export function initialLayerValues(arch: AutoencoderArchitecture, seed: number): DenseLayerValues[] {
  const root = new Rng(seed);
  return layerShapes(arch).map(([inputs, outputs], index) => {
    const rng = root.fork(`layer${index}`);
    const bound = 1 / Math.sqrt(inputs);
    const weight = uniform(rng, outputs * inputs, bound);
    if (!isHiddenLayer(arch, index)) return { weight, bias: uniform(rng, outputs, bound) };
    return {
      weight,
      batchNorm: {
        gamma: new Float32Array(outputs).fill(1),
        beta: new Float32Array(outputs),
        runningMean: new Float32Array(outputs),
        runningVariance: new Float32Array(outputs).fill(1),
      },
    };
  });
}

function variableFrom(values: Float32Array, shape: number[], trainable = true): tf.Variable {
  const initial = tf.tensor(values, shape);
  const variable = tf.variable(initial, trainable);
  initial.dispose();
  return variable;
}

/** Creates the TensorFlow.js variables of every layer from `values`. */
export function createLayers(
  arch: AutoencoderArchitecture,
  values: readonly DenseLayerValues[],
): DenseLayer[] {
  return layerShapes(arch).map(([inputs, outputs], index) => {
    const v = values[index];
    const column = [outputs, 1];
    const layer: DenseLayer = { weight: variableFrom(v.weight, [outputs, inputs]) };
    if (v.bias) layer.bias = variableFrom(v.bias, column);
    if (v.batchNorm) {
      const bn = v.batchNorm;
      layer.batchNorm = {
        gamma: variableFrom(bn.gamma, column),
        beta: variableFrom(bn.beta, column),
        runningMean: variableFrom(bn.runningMean, column, false),
        runningVariance: variableFrom(bn.runningVariance, column, false),
      };
    }
    return layer;
  });
}

/** Returns every variable of `layers`, trainable or not, in a fixed order. */
export function allVariables(layers: readonly DenseLayer[]): tf.Variable[] {
  const out: tf.Variable[] = [];
  for (const layer of layers) {
    out.push(layer.weight);
    if (layer.bias) out.push(layer.bias);
    if (layer.batchNorm) {
      const bn = layer.batchNorm;
      out.push(bn.gamma, bn.beta, bn.runningMean, bn.runningVariance);
    }
  }
  return out;
}

/** Returns the variables that the optimiser updates. */
export function trainableVariables(layers: readonly DenseLayer[]): tf.Variable[] {
  return allVariables(layers).filter((variable) => variable.trainable);
}

/** Reads the current values of every layer. */
export function readLayerValues(layers: readonly DenseLayer[]): DenseLayerValues[] {
  const read = (variable: tf.Variable) => variable.dataSync() as Float32Array;
  return layers.map((layer) => {
    const values: DenseLayerValues = { weight: read(layer.weight) };
    if (layer.bias) values.bias = read(layer.bias);
    if (layer.batchNorm) {
      const bn = layer.batchNorm;
      values.batchNorm = {
        gamma: read(bn.gamma),
        beta: read(bn.beta),
        runningMean: read(bn.runningMean),
        runningVariance: read(bn.runningVariance),
      };
    }
    return values;
  });
}
