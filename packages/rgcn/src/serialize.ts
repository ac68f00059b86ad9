/**
 * JSON form of unimodal models. Weights are float32 values written as JSON
 * numbers, which round-trip exactly.
 */
import { InvalidInputError } from '@bml/core';
import { initBackend, tf } from '@bml/core/tensor';
import { variableFrom } from './init.js';
import { resolveEncoderOptions, type DenseLayer, type UnimodalConfig, type UnimodalModel } from './model.js';

/** A tensor as plain JSON. */
export interface TensorJson {
  /** Dimensions. */
  shape: number[];
  /** Values in row-major order. */
  values: number[];
}

/** A linear layer as plain JSON. */
export interface DenseLayerJson {
  /** `in x out` weight. */
  weight: TensorJson;
  /** Bias of length `out`. */
  bias: TensorJson;
}

/** A unimodal model as plain JSON. */
export interface UnimodalModelJson {
  /** Always `bml-unimodal`. */
  format: 'bml-unimodal';
  /** Format version, 1. */
  version: 1;
  /** Architecture. */
  config: UnimodalConfig;
  /** Graph-convolution layers, input first. */
  layers: { weight: TensorJson; selfWeight: TensorJson | null; bias: TensorJson }[];
  /** Classification head. */
  head: DenseLayerJson;
}

/** Downloads a tensor as JSON. */
export function tensorToJson(t: tf.Tensor): TensorJson {
  return { shape: [...t.shape], values: Array.from(t.dataSync()) };
}

/** Downloads a linear layer as JSON. */
export function denseToJson(layer: DenseLayer): DenseLayerJson {
  return { weight: tensorToJson(layer.weight), bias: tensorToJson(layer.bias) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * Creates a trainable variable from JSON after checking that its shape is
 * `shape` and its values are finite; `path` names the field in messages.
 */
export function variableFromJson(json: unknown, shape: number[], path: string, owner = '@bml/rgcn'): tf.Variable {
  const expected = shape.reduce((a, b) => a * b, 1);
  const ok =
    isObject(json) &&
    Array.isArray(json.shape) &&
    json.shape.length === shape.length &&
    json.shape.every((d, i) => d === shape[i]) &&
    Array.isArray(json.values) &&
    json.values.length === expected;
  if (!ok) {
    throw new InvalidInputError(
      `${owner}: ${path} must be a tensor of shape [${shape.join(', ')}] with ${expected} values; ` +
        'the model file is damaged or from another architecture',
      'INVALID_MODEL_FILE',
    );
  }
  const values = json.values as unknown[];
  const data = new Float32Array(expected);
  for (let i = 0; i < expected; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new InvalidInputError(
        `${owner}: ${path} value ${i} is ${String(v)}, not a finite number; the model file is damaged`,
        'INVALID_MODEL_FILE',
      );
    }
    data[i] = v;
  }
  return variableFrom(tf.tensor(data, shape));
}

/** Rebuilds a linear layer of shape `inputDim x outputDim` from JSON. */
export function denseFromJson(
  json: unknown,
  inputDim: number,
  outputDim: number,
  path: string,
  owner = '@bml/rgcn',
): DenseLayer {
  const layer = isObject(json) ? json : {};
  const weight = variableFromJson(layer.weight, [inputDim, outputDim], `${path}.weight`, owner) as tf.Variable<tf.Rank.R2>;
  try {
    const bias = variableFromJson(layer.bias, [outputDim], `${path}.bias`, owner) as tf.Variable<tf.Rank.R1>;
    return { weight, bias };
  } catch (error) {
    weight.dispose();
    throw error;
  }
}

/** Returns the JSON form of a unimodal model (one host copy per variable). */
export function serializeUnimodal(model: UnimodalModel): UnimodalModelJson {
  return {
    format: 'bml-unimodal',
    version: 1,
    config: { ...model.config, hidden: [...model.config.hidden] },
    layers: model.layers.map((layer) => ({
      weight: tensorToJson(layer.weight),
      selfWeight: layer.selfWeight ? tensorToJson(layer.selfWeight) : null,
      bias: tensorToJson(layer.bias),
    })),
    head: denseToJson(model.head),
  };
}

function readConfig(json: Record<string, unknown>, owner: string): UnimodalConfig {
  const config = isObject(json.config) ? json.config : {};
  const inputDim = config.inputDim as number;
  const nClasses = config.nClasses as number;
  if (!Number.isInteger(inputDim) || inputDim < 1 || !Number.isInteger(nClasses) || nClasses < 2) {
    throw new InvalidInputError(
      `${owner}: model config needs integer inputDim >= 1 and nClasses >= 2, got ${inputDim} and ${nClasses}`,
      'INVALID_MODEL_FILE',
    );
  }
  const encoder = resolveEncoderOptions(
    {
      hidden: Array.isArray(config.hidden) ? (config.hidden as number[]) : [],
      dropout: config.dropout as number,
      leakySlope: config.leakySlope as number,
      selfWeight: config.selfWeight === true,
    },
    owner,
  );
  return { ...encoder, inputDim, nClasses };
}

/**
 * Rebuilds a unimodal model from its JSON form (as written by
 * {@link serializeUnimodal}), checking every shape and value.
 */
export async function deserializeUnimodal(json: unknown, owner = '@bml/rgcn'): Promise<UnimodalModel> {
  await initBackend();
  if (!isObject(json) || json.format !== 'bml-unimodal' || json.version !== 1) {
    throw new InvalidInputError(
      `${owner}: not a unimodal model file (expected format "bml-unimodal", version 1)`,
      'INVALID_MODEL_FILE',
    );
  }
  const config = readConfig(json, owner);
  const layersJson = Array.isArray(json.layers) ? json.layers : [];
  if (layersJson.length !== config.hidden.length) {
    throw new InvalidInputError(
      `${owner}: the model file has ${layersJson.length} layers but its config lists ${config.hidden.length}`,
      'INVALID_MODEL_FILE',
    );
  }
  const created: tf.Variable[] = [];
  const make = (value: unknown, shape: number[], path: string) => {
    const v = variableFromJson(value, shape, path, owner);
    created.push(v);
    return v;
  };
  try {
    let width = config.inputDim;
    const layers = config.hidden.map((out, l) => {
      const layer = isObject(layersJson[l]) ? (layersJson[l] as Record<string, unknown>) : {};
      const built = {
        weight: make(layer.weight, [width, out], `layers[${l}].weight`) as tf.Variable<tf.Rank.R2>,
        selfWeight: config.selfWeight
          ? (make(layer.selfWeight, [width, out], `layers[${l}].selfWeight`) as tf.Variable<tf.Rank.R2>)
          : null,
        bias: make(layer.bias, [out], `layers[${l}].bias`) as tf.Variable<tf.Rank.R1>,
      };
      width = out;
      return built;
    });
    const head = denseFromJson(json.head, width, config.nClasses, 'head', owner);
    return { config, layers, head };
  } catch (error) {
    tf.dispose(created);
    throw error;
  }
}
