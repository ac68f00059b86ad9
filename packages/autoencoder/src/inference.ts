import type { Matrix } from '@bml/core';
import { tf } from '@bml/core/tensor';
import { checkInput, mapRowChunks } from './matrix-tensor.js';
import { networkShape } from './model.js';
import type { AutoencoderModel } from './model.js';
import { encodeTensor, reconstructTensor } from './network.js';

/**
 * Returns the codes of the rows of `x` (one row of `codeSize` values per sample), in inference mode:
 * BatchNorm uses its running statistics and dropout is off. Large inputs are processed in chunks.
 */
export function encode(model: AutoencoderModel, x: Matrix): Matrix {
  const shape = networkShape(model);
  checkInput(x, 'the matrix to encode', model.architecture.inputDim, true);
  return mapRowChunks(x, model.architecture.codeSize, (chunk) =>
    tf.transpose(encodeTensor(tf.transpose(chunk), shape)),
  );
}

/** Returns the reconstruction of the rows of `x` through encoder and decoder, in inference mode. */
export function reconstruct(model: AutoencoderModel, x: Matrix): Matrix {
  const shape = networkShape(model);
  checkInput(x, 'the matrix to reconstruct', model.architecture.inputDim, true);
  return mapRowChunks(x, model.architecture.inputDim, (chunk) =>
    tf.transpose(reconstructTensor(tf.transpose(chunk), shape, { training: false })),
  );
}
