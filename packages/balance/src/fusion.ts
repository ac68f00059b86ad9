/**
 * Fusion heads of multitask training. `concat`: one linear layer on the
 * concatenated embeddings [h_1 ‖ … ‖ h_M] (the paper's example fusion).
 * `vcdn`: MOGONET's View Correlation Discovery Network (Wang et al., 2021):
 * the sigmoid of each omics' unimodal logits, their outer product
 * flattened to length C^M, then Linear(C^M, C^M), LeakyReLU(0.25),
 * Linear(C^M, C).
 */
import { InvalidInputError, type Rng } from '@bml/core';
import { tf } from '@bml/core/tensor';
import {
  applyDense,
  createDense,
  denseFromJson,
  denseToJson,
  denseVariables,
  leakyRelu,
  type DenseLayer,
  type DenseLayerJson,
} from '@bml/rgcn';

/** Kind of fusion head. */
export type FusionKind = 'concat' | 'vcdn';

/** A fusion head with its variables. */
export type FusionHead =
  | { readonly kind: 'concat'; readonly layer: DenseLayer }
  | { readonly kind: 'vcdn'; readonly hidden: DenseLayer; readonly output: DenseLayer };

/** JSON form of a fusion head. */
export type FusionHeadJson =
  | { kind: 'concat'; layer: DenseLayerJson }
  | { kind: 'vcdn'; hidden: DenseLayerJson; output: DenseLayerJson };

/** Largest C^M a VCDN head accepts (its hidden layer is C^M x C^M). */
export const MAX_VCDN_WIDTH = 4096;

/** Negative slope of the VCDN hidden layer, as in MOGONET. */
const VCDN_SLOPE = 0.25;

/** Returns C^M, the VCDN input width, after checking it against {@link MAX_VCDN_WIDTH}. */
export function vcdnWidth(nClasses: number, nOmics: number): number {
  const width = nClasses ** nOmics;
  if (width > MAX_VCDN_WIDTH) {
    throw new InvalidInputError(
      `@bml/balance: a VCDN head for ${nOmics} omics and ${nClasses} classes needs C^M = ${width} inputs ` +
        `(at most ${MAX_VCDN_WIDTH}); use fusion "concat"`,
      'VCDN_TOO_WIDE',
    );
  }
  return width;
}

/** Creates a fusion head with Xavier-normal weights and zero biases. */
export function createFusionHead(kind: FusionKind, rng: Rng, embeddingWidths: number[], nClasses: number): FusionHead {
  if (kind === 'concat') {
    const width = embeddingWidths.reduce((a, b) => a + b, 0);
    return { kind, layer: createDense(rng.fork('fusion'), width, nClasses) };
  }
  const width = vcdnWidth(nClasses, embeddingWidths.length);
  return {
    kind,
    hidden: createDense(rng.fork('vcdn-hidden'), width, width),
    output: createDense(rng.fork('vcdn-output'), width, nClasses),
  };
}

/** Returns the variables of a fusion head. */
export function fusionVariables(head: FusionHead): tf.Variable[] {
  if (head.kind === 'concat') return denseVariables(head.layer);
  return [...denseVariables(head.hidden), ...denseVariables(head.output)];
}

/** Returns the flattened outer product of the rows of `parts` (each `n x C`): `n x C^M`, first omics slowest. */
function outerProduct(parts: tf.Tensor2D[]): tf.Tensor2D {
  const n = parts[0].shape[0];
  let product = parts[0];
  for (let m = 1; m < parts.length; m++) {
    const width = product.shape[1];
    const c = parts[m].shape[1];
    const pairs = tf.mul(tf.reshape(product, [n, width, 1]), tf.reshape(parts[m], [n, 1, c]));
    product = tf.reshape(pairs, [n, width * c]);
  }
  return product;
}

/**
 * Returns the fused logits from each omics' embedding and unimodal logits
 * (`concat` reads the embeddings, `vcdn` the logits). Call inside `tf.tidy`.
 */
export function applyFusion(head: FusionHead, embeddings: tf.Tensor2D[], logits: tf.Tensor2D[]): tf.Tensor2D {
  if (head.kind === 'concat') {
    const joined = embeddings.length === 1 ? embeddings[0] : tf.concat(embeddings, 1);
    return applyDense(head.layer, joined);
  }
  const discovered = outerProduct(logits.map((z) => tf.sigmoid(z)));
  return applyDense(head.output, leakyRelu(applyDense(head.hidden, discovered), VCDN_SLOPE));
}

/** Downloads a fusion head as JSON. */
export function fusionToJson(head: FusionHead): FusionHeadJson {
  if (head.kind === 'concat') return { kind: 'concat', layer: denseToJson(head.layer) };
  return { kind: 'vcdn', hidden: denseToJson(head.hidden), output: denseToJson(head.output) };
}

/** Rebuilds a fusion head from JSON, checking its shapes. */
export function fusionFromJson(json: unknown, embeddingWidths: number[], nClasses: number): FusionHead {
  const value = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const owner = '@bml/balance';
  if (value.kind === 'concat') {
    const width = embeddingWidths.reduce((a, b) => a + b, 0);
    return { kind: 'concat', layer: denseFromJson(value.layer, width, nClasses, 'fusion.layer', owner) };
  }
  if (value.kind === 'vcdn') {
    const width = vcdnWidth(nClasses, embeddingWidths.length);
    const hidden = denseFromJson(value.hidden, width, width, 'fusion.hidden', owner);
    try {
      return { kind: 'vcdn', hidden, output: denseFromJson(value.output, width, nClasses, 'fusion.output', owner) };
    } catch (error) {
      tf.dispose(denseVariables(hidden));
      throw error;
    }
  }
  throw new InvalidInputError(
    `${owner}: fusion.kind must be "concat" or "vcdn", got ${String(value.kind)}; the model file is damaged`,
    'INVALID_MODEL_FILE',
  );
}
