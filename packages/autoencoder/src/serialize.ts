import { InvalidInputError } from '@bml/core';
import type { BmlWarning } from '@bml/core';
import { initBackend } from '@bml/core/tensor';
import { architecture } from './architecture.js';
import { createLayers, isHiddenLayer, layerShapes, readLayerValues } from './layers.js';
import type { DenseLayerValues } from './layers.js';
import { networkShape } from './model.js';
import type { AutoencoderModel, TrainingHistory } from './model.js';
import { resolveTrainingOptions } from './options.js';
import type { ResolvedTrainingOptions } from './options.js';

/** Format tag of {@link SerializedAutoencoder}. */
export const SERIALIZED_FORMAT = 'bml-autoencoder';
/** Version of {@link SerializedAutoencoder} written by {@link serialize}. */
export const SERIALIZED_VERSION = 1;

/** Values of one layer in a {@link SerializedAutoencoder}, row-major. */
export interface SerializedLayer {
  /** Weights, `outputs x inputs` values (the layout of PyTorch's `nn.Linear`). */
  weight: number[];
  /** Bias, on the linear (code and output) layers. */
  bias?: number[];
  /** BatchNorm parameters and running statistics, on hidden layers. */
  batchNorm?: { gamma: number[]; beta: number[]; runningMean: number[]; runningVariance: number[] };
}

/** A fitted autoencoder as plain JSON data. */
export interface SerializedAutoencoder {
  /** Always `bml-autoencoder`. */
  format: typeof SERIALIZED_FORMAT;
  /** Format version. */
  version: number;
  /** Widths: the full architecture is rebuilt from these. */
  architecture: { inputDim: number; hidden: number[]; codeSize: number };
  /** Training options used. */
  options: ResolvedTrainingOptions;
  /** Losses per epoch and how training ended. */
  history: TrainingHistory;
  /** Warnings from fitting. */
  warnings: BmlWarning[];
  /** Encoder then decoder layers. */
  layers: SerializedLayer[];
}

/** Nine significant digits identify every float32 value, so the numbers read back exactly. */
function toNumbers(values: Float32Array): number[] {
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number(values[i].toPrecision(9));
  return out;
}

/**
 * Returns `model` as plain JSON-ready data (weights as number arrays), which {@link deserialize}
 * turns back into a model giving the same codes.
 */
export function serialize(model: AutoencoderModel): SerializedAutoencoder {
  networkShape(model);
  const { inputDim, hidden, codeSize } = model.architecture;
  const layers = readLayerValues(model.layers).map((values) => {
    const layer: SerializedLayer = { weight: toNumbers(values.weight) };
    if (values.bias) layer.bias = toNumbers(values.bias);
    if (values.batchNorm) {
      const bn = values.batchNorm;
      layer.batchNorm = {
        gamma: toNumbers(bn.gamma),
        beta: toNumbers(bn.beta),
        runningMean: toNumbers(bn.runningMean),
        runningVariance: toNumbers(bn.runningVariance),
      };
    }
    return layer;
  });
  return {
    format: SERIALIZED_FORMAT,
    version: SERIALIZED_VERSION,
    architecture: { inputDim, hidden: [...hidden], codeSize },
    options: { ...model.options },
    history: structuredClone(model.history),
    warnings: structuredClone([...model.warnings]),
    layers,
  };
}

function invalidModel(problem: string): InvalidInputError {
  return new InvalidInputError(
    `@bml/autoencoder: the serialized model is invalid: ${problem}; pass the output of serialize() unchanged`,
    'INVALID_MODEL',
    { problem },
  );
}

function toFloat32(values: unknown, length: number, label: string): Float32Array {
  if (!Array.isArray(values) || values.length !== length) {
    const got = Array.isArray(values) ? `${values.length} values` : typeof values;
    throw invalidModel(`${label} should have ${length} values, got ${got}`);
  }
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw invalidModel(`${label}[${i}] is not a finite number`);
    }
    out[i] = v;
  }
  return out;
}

function readLayer(
  layer: SerializedLayer | undefined,
  shape: [number, number],
  hidden: boolean,
  index: number,
): DenseLayerValues {
  const [inputs, outputs] = shape;
  const name = `layers[${index}]`;
  if (!layer || typeof layer !== 'object') throw invalidModel(`${name} is missing`);
  const values: DenseLayerValues = { weight: toFloat32(layer.weight, inputs * outputs, `${name}.weight`) };
  if (!hidden) {
    values.bias = toFloat32(layer.bias, outputs, `${name}.bias`);
    return values;
  }
  const bn = layer.batchNorm;
  if (!bn) throw invalidModel(`${name}.batchNorm is missing`);
  values.batchNorm = {
    gamma: toFloat32(bn.gamma, outputs, `${name}.batchNorm.gamma`),
    beta: toFloat32(bn.beta, outputs, `${name}.batchNorm.beta`),
    runningMean: toFloat32(bn.runningMean, outputs, `${name}.batchNorm.runningMean`),
    runningVariance: toFloat32(bn.runningVariance, outputs, `${name}.batchNorm.runningVariance`),
  };
  return values;
}

/**
 * Rebuilds a model from the output of {@link serialize}, given as an object or a JSON string.
 *
 * @throws InvalidInputError when the data is not a valid serialized autoencoder.
 */
export async function deserialize(json: SerializedAutoencoder | string): Promise<AutoencoderModel> {
  await initBackend();
  let data: SerializedAutoencoder;
  try {
    data = typeof json === 'string' ? (JSON.parse(json) as SerializedAutoencoder) : json;
  } catch (error) {
    throw invalidModel(`it is not valid JSON (${(error as Error).message})`);
  }
  if (!data || data.format !== SERIALIZED_FORMAT) throw invalidModel(`format is not "${SERIALIZED_FORMAT}"`);
  if (data.version !== SERIALIZED_VERSION) {
    throw invalidModel(`version ${data.version} is not supported (this version reads ${SERIALIZED_VERSION})`);
  }
  const spec = data.architecture ?? ({} as SerializedAutoencoder['architecture']);
  const arch = architecture(spec.inputDim, { codeSize: spec.codeSize, hidden: spec.hidden });
  const options = resolveTrainingOptions(data.options ?? {});
  const shapes = layerShapes(arch);
  if (!Array.isArray(data.layers) || data.layers.length !== shapes.length) {
    throw invalidModel(`it should have ${shapes.length} layers for widths [${arch.encoder.join(', ')}]`);
  }
  const values = shapes.map((shape, i) => readLayer(data.layers[i], shape, isHiddenLayer(arch, i), i));
  const layers = createLayers(arch, values);
  return {
    architecture: arch,
    options,
    layers,
    history: structuredClone(data.history),
    warnings: structuredClone(data.warnings ?? []),
  };
}
