/**
 * The unimodal model of one omics: an r-GCN encoder (graph convolutions
 * with an optional self weight) and a linear classification head.
 */
import { InvalidInputError, Rng } from '@bml/core';
import { tf } from '@bml/core/tensor';
import { variableFrom, xavierVariable, zeroBias } from './init.js';

/** Architecture options of an r-GCN encoder. */
export interface EncoderOptions {
  /** Output width of each graph-convolution layer. Default `[256, 128]`. */
  hidden?: number[];
  /** Dropout rate after every layer but the last, during training only. Default 0.5. */
  dropout?: number;
  /** Negative slope of the LeakyReLU after every layer, the last included. Default 0.25. */
  leakySlope?: number;
  /**
   * Whether each layer has a separate weight on the node's own features,
   * H' = σ(Â H W + H W_self + b). `false` gives the plain GCN layer of
   * Kipf & Welling (2017), as in MOGONET. Default true.
   */
  selfWeight?: boolean;
}

/** Default encoder: two layers [256, 128] with self weight. */
export const DEFAULT_ENCODER: Readonly<Required<EncoderOptions>> = Object.freeze({
  hidden: [256, 128],
  dropout: 0.5,
  leakySlope: 0.25,
  selfWeight: true,
});

/** MOGONET's encoder (Wang et al., 2021): three plain GCN layers [400, 400, 200]. */
export const MOGONET_ENCODER: Readonly<Required<EncoderOptions>> = Object.freeze({
  hidden: [400, 400, 200],
  dropout: 0.5,
  leakySlope: 0.25,
  selfWeight: false,
});

/** Fixed architecture of a unimodal model. */
export interface UnimodalConfig {
  /** Number of input features per node. */
  inputDim: number;
  /** Output width of each graph-convolution layer; the last is the embedding width. */
  hidden: number[];
  /** Dropout rate between layers during training. */
  dropout: number;
  /** Negative slope of the LeakyReLU. */
  leakySlope: number;
  /** Whether the layers have a self weight. */
  selfWeight: boolean;
  /** Number of classes of the head. */
  nClasses: number;
}

/** One graph-convolution layer: H' = LeakyReLU(Â H W + H W_self + b). */
export interface GraphConvLayer {
  /** `in x out` weight applied to the propagated features Â H. */
  weight: tf.Variable<tf.Rank.R2>;
  /** `in x out` weight applied to the node's own features, or `null` without self weight. */
  selfWeight: tf.Variable<tf.Rank.R2> | null;
  /** Bias of length `out`. */
  bias: tf.Variable<tf.Rank.R1>;
}

/** A linear layer y = x W + b. */
export interface DenseLayer {
  /** `in x out` weight. */
  weight: tf.Variable<tf.Rank.R2>;
  /** Bias of length `out`. */
  bias: tf.Variable<tf.Rank.R1>;
}

/** An r-GCN encoder and its unimodal head. Holds tensors until {@link disposeUnimodal}. */
export interface UnimodalModel {
  /** Architecture. */
  readonly config: UnimodalConfig;
  /** Graph-convolution layers, input first. */
  readonly layers: GraphConvLayer[];
  /** Linear classification head on the last layer's output. */
  readonly head: DenseLayer;
}

/** Fills encoder defaults and checks the values; `owner` names the calling package in messages. */
export function resolveEncoderOptions(options: EncoderOptions = {}, owner = '@bml/rgcn'): Required<EncoderOptions> {
  const resolved = {
    hidden: options.hidden ?? [...DEFAULT_ENCODER.hidden],
    dropout: options.dropout ?? DEFAULT_ENCODER.dropout,
    leakySlope: options.leakySlope ?? DEFAULT_ENCODER.leakySlope,
    selfWeight: options.selfWeight ?? DEFAULT_ENCODER.selfWeight,
  };
  if (resolved.hidden.length === 0 || !resolved.hidden.every((h) => Number.isInteger(h) && h >= 1)) {
    throw new InvalidInputError(
      `${owner}: hidden must list one or more positive integer layer widths, got [${resolved.hidden.join(', ')}]`,
      'INVALID_OPTION',
    );
  }
  if (!(resolved.dropout >= 0 && resolved.dropout < 1)) {
    throw new InvalidInputError(`${owner}: dropout must be in [0, 1), got ${resolved.dropout}`, 'INVALID_OPTION');
  }
  if (!(Number.isFinite(resolved.leakySlope) && resolved.leakySlope >= 0)) {
    throw new InvalidInputError(
      `${owner}: leakySlope must be a finite number >= 0, got ${resolved.leakySlope}`,
      'INVALID_OPTION',
    );
  }
  return resolved;
}

/** Creates a linear layer with Xavier-normal weight and zero bias. */
export function createDense(rng: Rng, inputDim: number, outputDim: number): DenseLayer {
  return { weight: xavierVariable(rng, inputDim, outputDim), bias: zeroBias(outputDim) };
}

/**
 * Creates a unimodal model with Xavier-normal weights and zero biases drawn
 * from `seed`.
 */
export function createUnimodalModel(
  shape: { inputDim: number; nClasses: number },
  encoder: EncoderOptions = {},
  seed = 0,
): UnimodalModel {
  const options = resolveEncoderOptions(encoder);
  if (!Number.isInteger(shape.inputDim) || shape.inputDim < 1) {
    throw new InvalidInputError(`@bml/rgcn: inputDim must be a positive integer, got ${shape.inputDim}`);
  }
  if (!Number.isInteger(shape.nClasses) || shape.nClasses < 2) {
    throw new InvalidInputError(`@bml/rgcn: nClasses must be an integer >= 2, got ${shape.nClasses}`);
  }
  const rng = new Rng(seed);
  const layers: GraphConvLayer[] = [];
  let width = shape.inputDim;
  options.hidden.forEach((out, l) => {
    const layerRng = rng.fork(`layer${l}`);
    layers.push({
      weight: xavierVariable(layerRng, width, out),
      selfWeight: options.selfWeight ? xavierVariable(layerRng, width, out) : null,
      bias: zeroBias(out),
    });
    width = out;
  });
  const head = createDense(rng.fork('head'), width, shape.nClasses);
  return { config: { ...options, hidden: [...options.hidden], ...shape }, layers, head };
}

/** Returns the trainable variables of an encoder's layers. */
export function encoderVariables(model: UnimodalModel): tf.Variable[] {
  const out: tf.Variable[] = [];
  for (const layer of model.layers) {
    out.push(layer.weight);
    if (layer.selfWeight) out.push(layer.selfWeight);
    out.push(layer.bias);
  }
  return out;
}

/** Returns the variables of a linear layer. */
export function denseVariables(layer: DenseLayer): tf.Variable[] {
  return [layer.weight, layer.bias];
}

/** Returns every trainable variable of a unimodal model: encoder first, then head. */
export function unimodalVariables(model: UnimodalModel): tf.Variable[] {
  return [...encoderVariables(model), ...denseVariables(model.head)];
}

function cloneVariable<R extends tf.Rank>(v: tf.Variable<R>): tf.Variable<R> {
  return variableFrom(tf.clone(v) as tf.Tensor<R>);
}

/** Returns a copy of a linear layer with its own variables. */
export function cloneDense(layer: DenseLayer): DenseLayer {
  return { weight: cloneVariable(layer.weight), bias: cloneVariable(layer.bias) };
}

/** Returns a deep copy of a model with its own variables, so training the copy leaves the original unchanged. */
export function cloneUnimodal(model: UnimodalModel): UnimodalModel {
  return {
    config: { ...model.config, hidden: [...model.config.hidden] },
    layers: model.layers.map((layer) => ({
      weight: cloneVariable(layer.weight),
      selfWeight: layer.selfWeight ? cloneVariable(layer.selfWeight) : null,
      bias: cloneVariable(layer.bias),
    })),
    head: cloneDense(model.head),
  };
}

/** Frees the variables of a model. */
export function disposeUnimodal(model: UnimodalModel): void {
  tf.dispose(unimodalVariables(model));
}
