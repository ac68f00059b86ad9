/**
 * The multitask model of Stage C: one r-GCN encoder and unimodal head per
 * omics plus a fusion head, and its forward pass, JSON form and prediction.
 */
import { InvalidInputError, NumericalError, firstNonFinite, type CsrMatrix, type Matrix } from '@bml/core';
import { initBackend, tf } from '@bml/core/tensor';
import {
  deserializeUnimodal,
  disposeNodeInput,
  disposeUnimodal,
  encoderVariables,
  forwardUnimodal,
  prepareGraph,
  prepareNodeInput,
  serializeUnimodal,
  tensorToMatrix,
  validateFeatures,
  validateGraph,
  type NodeInput,
  type UnimodalModel,
  type UnimodalModelJson,
} from '@bml/rgcn';
import { applyFusion, fusionFromJson, fusionToJson, fusionVariables, type FusionHead, type FusionHeadJson } from './fusion.js';

/** Encoders, unimodal heads and fusion head of Stage C. Holds tensors until {@link disposeMultitask}. */
export interface MultitaskModel {
  /** Omics names, in the order of `unimodal`. */
  readonly names: string[];
  /** Number of classes. */
  readonly nClasses: number;
  /** One encoder and unimodal head per omics. */
  readonly unimodal: UnimodalModel[];
  /** Fusion head. */
  readonly fusion: FusionHead;
}

/** Outputs of {@link forwardMultitask} for every node. */
export interface MultitaskOutputs {
  /** Fused logits. */
  fused: tf.Tensor2D;
  /** Unimodal logits of each omics. */
  logits: tf.Tensor2D[];
  /** Embedding of each omics. */
  embeddings: tf.Tensor2D[];
}

/** Options of {@link forwardMultitask}. */
export interface MultitaskForwardOptions {
  /** Training mode applies dropout in the encoders. Default false. */
  training?: boolean;
  /** Dropout seed of each omics' encoder for this pass. Default all 0. */
  dropoutSeeds?: number[];
  /**
   * Stop the fused loss's gradient at the fusion head's inputs, so the
   * encoders learn only from their unimodal losses (MOGONET's schedule).
   * Default false.
   */
  detachFusion?: boolean;
}

/** Identity in value, zero gradient: the fused loss then trains only the fusion head. */
const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D) => tf.Tensor2D;

/** Runs every encoder, unimodal head and the fusion head. Call inside `tf.tidy`. */
export function forwardMultitask(
  model: MultitaskModel,
  inputs: NodeInput[],
  options: MultitaskForwardOptions = {},
): MultitaskOutputs {
  const { training = false, dropoutSeeds, detachFusion = false } = options;
  const logits: tf.Tensor2D[] = [];
  const embeddings: tf.Tensor2D[] = [];
  model.unimodal.forEach((unimodal, m) => {
    const out = forwardUnimodal(unimodal, inputs[m], { training, dropoutSeed: dropoutSeeds?.[m] ?? 0 });
    logits.push(out.logits);
    embeddings.push(out.embedding);
  });
  const fused = detachFusion
    ? applyFusion(
        model.fusion,
        embeddings.map((h) => stopGradient(h)),
        logits.map((z) => stopGradient(z)),
      )
    : applyFusion(model.fusion, embeddings, logits);
  return { fused, logits, embeddings };
}

/** Returns the encoder variables of every omics. */
export function multitaskEncoderVariables(model: MultitaskModel): tf.Variable[] {
  return model.unimodal.flatMap(encoderVariables);
}

/** Returns the head variables: every unimodal head, then the fusion head. */
export function multitaskHeadVariables(model: MultitaskModel): tf.Variable[] {
  return [...model.unimodal.flatMap((u) => [u.head.weight, u.head.bias]), ...fusionVariables(model.fusion)];
}

/** Frees every variable of a multitask model. */
export function disposeMultitask(model: MultitaskModel): void {
  model.unimodal.forEach(disposeUnimodal);
  tf.dispose(fusionVariables(model.fusion));
}

/** JSON form of a multitask model. */
export interface MultitaskModelJson {
  /** Always `bml-multitask`. */
  format: 'bml-multitask';
  /** Format version, 1. */
  version: 1;
  /** Omics names. */
  names: string[];
  /** Number of classes. */
  nClasses: number;
  /** Unimodal models in `names` order. */
  unimodal: UnimodalModelJson[];
  /** Fusion head. */
  fusion: FusionHeadJson;
}

/** Returns the JSON form of a multitask model (one host copy per variable). */
export function serializeMultitask(model: MultitaskModel): MultitaskModelJson {
  return {
    format: 'bml-multitask',
    version: 1,
    names: [...model.names],
    nClasses: model.nClasses,
    unimodal: model.unimodal.map(serializeUnimodal),
    fusion: fusionToJson(model.fusion),
  };
}

/** Rebuilds a multitask model from its JSON form, checking every shape and value. */
export async function deserializeMultitask(json: unknown): Promise<MultitaskModel> {
  await initBackend();
  const owner = '@bml/balance';
  const value = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const names = value.names;
  const parts = value.unimodal;
  const valid =
    value.format === 'bml-multitask' &&
    value.version === 1 &&
    Array.isArray(names) &&
    names.every((n) => typeof n === 'string') &&
    Array.isArray(parts) &&
    parts.length === names.length &&
    parts.length > 0;
  if (!valid) {
    throw new InvalidInputError(
      `${owner}: not a multitask model file (expected format "bml-multitask", version 1, one unimodal model per name)`,
      'INVALID_MODEL_FILE',
    );
  }
  const unimodal: UnimodalModel[] = [];
  try {
    for (const part of parts) unimodal.push(await deserializeUnimodal(part, owner));
    const nClasses = unimodal[0].config.nClasses;
    if (value.nClasses !== nClasses || unimodal.some((u) => u.config.nClasses !== nClasses)) {
      throw new InvalidInputError(`${owner}: the unimodal models and the file disagree on the number of classes`);
    }
    const widths = unimodal.map((u) => u.config.hidden[u.config.hidden.length - 1]);
    const fusion = fusionFromJson(value.fusion, widths, nClasses);
    return { names: [...(names as string[])], nClasses, unimodal, fusion };
  } catch (error) {
    unimodal.forEach(disposeUnimodal);
    throw error;
  }
}

/** Output of {@link predictMultitask}. */
export interface MultitaskPrediction {
  /** Fused class probabilities, `nodes x nClasses`. */
  prob: Matrix;
  /** Class probabilities of each omics' unimodal head. */
  perOmics: Matrix[];
}

/**
 * Runs a multitask model in evaluation mode on every node of `graph`, with
 * one feature matrix per omics in the model's order.
 */
export async function predictMultitask(
  model: MultitaskModel,
  features: Matrix[],
  graph: CsrMatrix,
): Promise<MultitaskPrediction> {
  await initBackend();
  const owner = '@bml/balance';
  if (features.length !== model.unimodal.length) {
    throw new InvalidInputError(
      `${owner}: got ${features.length} feature matrices for a model of ${model.unimodal.length} omics ` +
        `(${model.names.join(', ')})`,
    );
  }
  validateGraph(graph, graph.rows, owner);
  features.forEach((f, m) => {
    validateFeatures(f, graph.rows, owner, `features[${m}] (${model.names[m]})`);
    if (f.cols !== model.unimodal[m].config.inputDim) {
      throw new InvalidInputError(
        `${owner}: features of ${model.names[m]} have ${f.cols} columns but its encoder expects ` +
          `${model.unimodal[m].config.inputDim}`,
        'FEATURES_WIDTH_MISMATCH',
      );
    }
  });
  const prepared = prepareGraph(graph);
  const inputs = features.map((f) => prepareNodeInput(prepared, f));
  try {
    const probs = tf.tidy(() => {
      const out = forwardMultitask(model, inputs);
      return [tf.softmax(out.fused), ...out.logits.map((z) => tf.softmax(z))] as tf.Tensor2D[];
    });
    const matrices = probs.map(tensorToMatrix);
    tf.dispose(probs);
    if (matrices.some((m) => firstNonFinite(m) >= 0)) {
      throw new NumericalError(
        `${owner}: the model produced non-finite probabilities; its weights are not finite, so retrain it ` +
          'with lower learning rates',
        'NON_FINITE_OUTPUT',
      );
    }
    return { prob: matrices[0], perOmics: matrices.slice(1) };
  } finally {
    inputs.forEach(disposeNodeInput);
    prepared.dispose();
  }
}
