/** Prediction of a trained unimodal model on every node of a graph. */
import { InvalidInputError, NumericalError, firstNonFinite, type CsrMatrix, type Matrix } from '@bml/core';
import { initBackend, tf } from '@bml/core/tensor';
import { validateGraph } from './csr.js';
import { disposeNodeInput, forwardUnimodal, prepareNodeInput } from './forward.js';
import type { UnimodalModel } from './model.js';
import { prepareGraph } from './propagate.js';
import { tensorToMatrix } from './tensors.js';
import { validateFeatures } from './validate.js';

/** Output of {@link predictUnimodal}. */
export interface UnimodalPrediction {
  /** Class probabilities (softmax of the head), `nodes x nClasses`. */
  prob: Matrix;
  /** Encoder output, `nodes x hidden[last]`. */
  embedding: Matrix;
}

/**
 * Runs a unimodal model in evaluation mode on every node of `graph` (the
 * training part plus attached test or new nodes), with one feature row per
 * node.
 */
export async function predictUnimodal(
  model: UnimodalModel,
  features: Matrix,
  graph: CsrMatrix,
): Promise<UnimodalPrediction> {
  await initBackend();
  validateGraph(graph, graph.rows);
  validateFeatures(features, graph.rows);
  if (features.cols !== model.config.inputDim) {
    throw new InvalidInputError(
      `@bml/rgcn: features have ${features.cols} columns but the model expects ${model.config.inputDim}; ` +
        'pass the features of the omics the model was trained on',
      'FEATURES_WIDTH_MISMATCH',
    );
  }
  const prepared = prepareGraph(graph);
  const input = prepareNodeInput(prepared, features);
  try {
    const [prob, embedding] = tf.tidy(() => {
      const out = forwardUnimodal(model, input);
      return [tf.softmax(out.logits), out.embedding] as [tf.Tensor2D, tf.Tensor2D];
    });
    const result = { prob: tensorToMatrix(prob), embedding: tensorToMatrix(embedding) };
    tf.dispose([prob, embedding]);
    if (firstNonFinite(result.prob) >= 0) {
      throw new NumericalError(
        '@bml/rgcn: the model produced non-finite probabilities; its weights are not finite, so retrain it ' +
          'with a lower learning rate',
        'NON_FINITE_OUTPUT',
      );
    }
    return result;
  } finally {
    disposeNodeInput(input);
    prepared.dispose();
  }
}
